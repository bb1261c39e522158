import {Box, Text} from 'ink';
import type {MemorySample} from '../model/types.js';
import {sparkline} from '../model/sparkline.js';
import {formatSignedCount} from '../model/format.js';
import type {Signal} from '../model/verdict.js';
import {verdictColor} from './MemoryPanel.js';
import {LiveText} from './LiveText.js';

export interface ResourcesPanelProps {
	samples: readonly MemorySample[];
	/** One signal per resource type. */
	signals: readonly Signal[];
	width: number;
	lines: number;
}

const typeWidth = 22;
const countWidth = 8;
const growthWidth = 12;
const slopeWidth = 11;

export function ResourcesPanel({samples, signals, width, lines}: ResourcesPanelProps) {
	const latest = samples[samples.length - 1];
	const sparkWidth = Math.max(4, width - typeWidth - countWidth - growthWidth - slopeWidth - 3);
	// Growing types first, then the most numerous.
	const rows = signals
		.filter(s => s.kind === 'resources')
		.sort((a, b) => Number(b.verdict === 'growing') - Number(a.verdict === 'growing') || b.growth - a.growth || b.current - a.current)
		.slice(0, Math.max(1, lines - 2));
	return (
		<Box flexDirection="column" width={width}>
			<Box>
				<Box width={typeWidth}><Text dimColor>active resources</Text></Box>
				<Box width={countWidth} justifyContent="flex-end"><Text dimColor>now</Text></Box>
				<Box width={growthWidth} justifyContent="flex-end"><Text dimColor>since base</Text></Box>
				<Box width={slopeWidth} justifyContent="flex-end"><Text dimColor>per hour</Text></Box>
				<Box marginLeft={2}><Text dimColor>trend</Text></Box>
			</Box>
			{rows.length === 0 && <Text dimColor>{latest ? 'no active handles or requests' : 'waiting for samples...'}</Text>}
			{rows.map(signal => (
				<Box key={signal.series}>
					<Box width={typeWidth}><Text wrap="truncate">{signal.series}</Text></Box>
					<Box width={countWidth} justifyContent="flex-end"><Text bold>{signal.current}</Text></Box>
					<Box width={growthWidth} justifyContent="flex-end"><Text color={signal.growth > 0 ? 'yellow' : 'green'}>{formatSignedCount(signal.growth)}</Text></Box>
					<Box width={slopeWidth} justifyContent="flex-end"><Text color={verdictColor[signal.verdict]}>{signal.verdict === 'warming up' ? '...' : formatSignedCount(Math.round(signal.slopePerHour))}</Text></Box>
					<Box marginLeft={2}><LiveText lines={[sparkline(samples.map(s => s.resources[signal.series] ?? 0), sparkWidth)]} width={sparkWidth} color="cyan" /></Box>
				</Box>
			))}
		</Box>
	);
}
