import {Box, Text} from 'ink';
import type {ListenerCensus} from '../model/types.js';
import {listenerGrowth} from '../model/listeners.js';
import {formatCost, formatDuration, formatSignedCount} from '../model/format.js';

export interface ListenersPanelProps {
	/** The census growth counts from (first since the baseline), and the newest. */
	baseline: ListenerCensus | null;
	latest: ListenerCensus | null;
	running: boolean;
	/** Set while automatic censuses wait for the target to be less busy. */
	paused: {utilization: number | null} | null;
	/** Local clock "now", for "last ran 40s ago". */
	now: number;
	width: number;
	lines: number;
}

const countWidth = 8;
const growthWidth = 9;
const emittersWidth = 9;
const flagsWidth = 12;

export function ListenersPanel({baseline, latest, running, paused, now, width, lines}: ListenersPanelProps) {
	const nameWidth = Math.max(16, width - countWidth - growthWidth - emittersWidth - flagsWidth);
	const load = paused && (paused.utilization === null ? 'load unknown' : `loop ${Math.round(paused.utilization * 100)} % busy`);
	const status = latest
		? `last census ${formatDuration(Math.max(0, now - latest.t))} ago (${formatCost(latest.durationMs)}, ${latest.emitterCount} emitters)${running ? '; running...' : load ? `; auto paused, ${load}` : ''}`
		: running
			? 'census running (forces a full GC and walks the heap)...'
			: load
				? `automatic census paused (${load}): l takes one, and slows a busy process for minutes`
				: 'no census yet: press l';
	const rows = latest ? listenerGrowth(baseline, latest, Math.max(1, lines - 2)) : [];
	return (
		<Box flexDirection="column" width={width}>
			<Text dimColor wrap="truncate">listeners: {status}</Text>
			<Box>
				<Box width={nameWidth}><Text dimColor>emitter.event</Text></Box>
				<Box width={countWidth} justifyContent="flex-end"><Text dimColor>count</Text></Box>
				<Box width={growthWidth} justifyContent="flex-end"><Text dimColor>growth</Text></Box>
				<Box width={emittersWidth} justifyContent="flex-end"><Text dimColor>emitters</Text></Box>
				<Box width={flagsWidth} justifyContent="flex-end"><Text dimColor>limit</Text></Box>
			</Box>
			{rows.map(row => (
				<Box key={`${row.emitter}.${row.event}`}>
					<Box width={nameWidth}><Text wrap="truncate">{row.emitter}.{row.event}</Text></Box>
					<Box width={countWidth} justifyContent="flex-end"><Text bold>{row.count}</Text></Box>
					<Box width={growthWidth} justifyContent="flex-end"><Text color={row.growth > 0 ? 'yellow' : 'green'}>{formatSignedCount(row.growth)}</Text></Box>
					<Box width={emittersWidth} justifyContent="flex-end"><Text>{row.emitters}</Text></Box>
					<Box width={flagsWidth} justifyContent="flex-end">
						<Text color={row.limitDisabled > 0 || row.overLimit > 0 ? 'red' : undefined}>{row.limitDisabled > 0 ? 'disabled' : row.overLimit > 0 ? `${row.overLimit} over` : ''}</Text>
					</Box>
				</Box>
			))}
		</Box>
	);
}
