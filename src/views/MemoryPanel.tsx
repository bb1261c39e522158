import {Box, Text} from 'ink';
import type {MemorySample, SeriesName} from '../model/types.js';
import {seriesNames} from '../model/types.js';
import {formatBytes, formatSignedBytes} from '../model/format.js';
import {sparkline} from '../model/sparkline.js';

export interface MemoryPanelProps {
	samples: readonly MemorySample[];
	width: number;
}

const nameWidth = 13;
const valueWidth = 10;
const deltaWidth = 13;

export function MemoryPanel({samples, width}: MemoryPanelProps) {
	const first = samples[0];
	const latest = samples[samples.length - 1];
	const sparkWidth = Math.max(4, width - nameWidth - valueWidth - deltaWidth - 3);
	const row = (name: SeriesName) => {
		const values = samples.map(s => s[name]);
		const now = latest ? formatBytes(latest[name]) : '-';
		const delta = latest && first ? formatSignedBytes(latest[name] - first[name]) : '';
		const deltaColor = latest && first && latest[name] > first[name] ? 'yellow' : 'green';
		return (
			<Box key={name}>
				<Box width={nameWidth}><Text>{name}</Text></Box>
				<Box width={valueWidth} justifyContent="flex-end"><Text bold>{now}</Text></Box>
				<Box width={deltaWidth} justifyContent="flex-end"><Text color={deltaColor}>{delta}</Text></Box>
				<Box marginLeft={2}><Text color="cyan">{sparkline(values, sparkWidth)}</Text></Box>
			</Box>
		);
	};
	return (
		<Box flexDirection="column" width={width}>
			<Box>
				<Box width={nameWidth}><Text dimColor>memory</Text></Box>
				<Box width={valueWidth} justifyContent="flex-end"><Text dimColor>now</Text></Box>
				<Box width={deltaWidth} justifyContent="flex-end"><Text dimColor>since start</Text></Box>
				<Box marginLeft={2}><Text dimColor>trend</Text></Box>
			</Box>
			{seriesNames.map(row)}
		</Box>
	);
}
