import {Box, Text} from 'ink';
import type {LogEntry} from '../model/types.js';
import {formatClock} from '../model/format.js';

export interface EventLogProps {
	entries: readonly LogEntry[];
	/** How many lines to show; the newest are kept. */
	lines: number;
	width: number;
}

const levelColor = {info: undefined, warn: 'yellow', error: 'red'} as const;

export function EventLog({entries, lines, width}: EventLogProps) {
	const shown = entries.slice(Math.max(0, entries.length - lines));
	return (
		<Box flexDirection="column" width={width}>
			<Text dimColor>events</Text>
			{shown.map((entry, i) => (
				<Text key={`${entry.t}-${i}`} wrap="truncate" color={levelColor[entry.level]}>
					<Text dimColor>{formatClock(entry.t)}</Text> {entry.text}
				</Text>
			))}
		</Box>
	);
}
