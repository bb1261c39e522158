import {Box, Text} from 'ink';
import type {ConnectionState, TargetInfo} from '../model/types.js';
import {formatBytes, formatDuration} from '../model/format.js';
import {formatCountdown, warnBeforeMs} from '../model/time-box.js';

export interface HeaderProps {
	target: TargetInfo | null;
	connection: ConnectionState;
	/** Target uptime in seconds, from the latest sample. */
	uptime: number | null;
	paused: boolean;
	/** Time left in the time box (`--duration`), null without one. */
	timeLeftMs: number | null;
	/** The reconnect attempt under way, null when connected. */
	reconnectAttempt: number | null;
	/** How many times the target restarted during the session. */
	restarts: number;
	width: number;
	/** One of several targets: its name (`pod/api-7d9`), and that esc leads back to the overview. */
	name?: string;
}

const connectionColor: Record<ConnectionState, string> = {
	connecting: 'yellow',
	connected: 'green',
	lagging: 'yellow',
	reconnecting: 'yellow',
	detaching: 'yellow',
	closed: 'red',
};

export function Header({target, connection, uptime, paused, timeLeftMs, reconnectAttempt, restarts, width, name}: HeaderProps) {
	const facts = target
		? [`pid ${target.pid}`, `node ${target.nodeVersion}`, uptime === null ? null : `up ${formatDuration(uptime * 1000)}`, restarts > 0 ? `restarts ${restarts}` : null, target.address].filter(Boolean).join('  ')
		: 'connecting...';
	const status = connection === 'reconnecting' && reconnectAttempt ? `reconnecting (attempt ${reconnectAttempt})` : connection;
	const limits = target
		? [
				target.heapSizeLimit === null ? null : `heap limit ${formatBytes(target.heapSizeLimit)}`,
				target.constrainedMemory === null ? null : `memory limit ${formatBytes(target.constrainedMemory)}`,
			].filter(Boolean).join('  ')
		: '';
	const command = target ? target.argv.join(' ') || target.title : '';
	return (
		<Box flexDirection="column" width={width}>
			<Box justifyContent="space-between">
				<Text wrap="truncate">
					<Text bold color="cyan">leaktop</Text> {name && <Text bold>{name} </Text>}{facts}
				</Text>
				<Box flexShrink={0} marginLeft={1}>
					{paused && <Text inverse bold> PAUSED </Text>}
					{timeLeftMs !== null && <Text color={timeLeftMs <= warnBeforeMs ? 'yellow' : undefined}> ends in {formatCountdown(timeLeftMs)}</Text>}
					<Text color={connectionColor[connection]}> ● {status}</Text>
				</Box>
			</Box>
			<Box justifyContent="space-between">
				<Text dimColor wrap="truncate">{name ? `esc: overview  ${command}` : command}</Text>
				{limits && (
					<Box flexShrink={0} marginLeft={1}>
						<Text dimColor>{limits}</Text>
					</Box>
				)}
			</Box>
		</Box>
	);
}
