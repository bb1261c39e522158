import {Box, Text} from 'ink';
import type {MemorySample, SeriesName} from '../model/types.js';
import {seriesNames} from '../model/types.js';
import {formatBytes, formatSignedBytes} from '../model/format.js';
import {formatRate} from '../model/rate.js';
import {sparkline} from '../model/sparkline.js';
import type {Signal} from '../model/verdict.js';
import {LiveText} from './LiveText.js';

export interface MemoryPanelProps {
	samples: readonly MemorySample[];
	/** Target-clock time growth counts from. */
	baselineT: number | null;
	/** Floor verdicts for the series that have one (heapUsed, external, rss). */
	signals: readonly Signal[];
	width: number;
}

const nameWidth = 13;
const valueWidth = 10;
const deltaWidth = 12;
const slopeWidth = 14;

export const verdictColor = {growing: 'red', flat: 'green', 'warming up': 'yellow'} as const;

export function MemoryPanel({samples, baselineT, signals, width}: MemoryPanelProps) {
	const base = samples.find(s => baselineT === null || s.t >= baselineT) ?? samples[0];
	const latest = samples[samples.length - 1];
	const sparkWidth = Math.max(4, width - nameWidth - valueWidth - deltaWidth - slopeWidth - 3);
	const row = (name: SeriesName) => {
		const values = samples.map(s => s[name]);
		const now = latest ? formatBytes(latest[name]) : '-';
		const delta = latest && base ? formatSignedBytes(latest[name] - base[name]) : '';
		const signal = signals.find(s => s.unit === 'bytes' && s.series === name);
		const slope = !signal ? '' : signal.verdict === 'warming up' ? '...' : formatRate(signal.slopePerHour);
		return (
			<Box key={name}>
				<Box width={nameWidth}><Text>{name}</Text></Box>
				<LiveText lines={[now]} width={valueWidth} align="right" bold />
				<LiveText lines={[delta]} width={deltaWidth} align="right" color={latest && base && latest[name] > base[name] ? 'yellow' : 'green'} />
				<LiveText lines={[slope]} width={slopeWidth} align="right" color={signal ? verdictColor[signal.verdict] : undefined} />
				<Box marginLeft={2}><LiveText lines={[sparkline(values, sparkWidth)]} width={sparkWidth} color="cyan" /></Box>
			</Box>
		);
	};
	return (
		<Box flexDirection="column" width={width}>
			<Box>
				<Box width={nameWidth}><Text dimColor>memory</Text></Box>
				<Box width={valueWidth} justifyContent="flex-end"><Text dimColor>now</Text></Box>
				<Box width={deltaWidth} justifyContent="flex-end"><Text dimColor>since base</Text></Box>
				<Box width={slopeWidth} justifyContent="flex-end"><Text dimColor>floor slope</Text></Box>
				<Box marginLeft={2}><Text dimColor>trend</Text></Box>
			</Box>
			{seriesNames.map(row)}
		</Box>
	);
}
