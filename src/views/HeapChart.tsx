import asciichart from 'asciichart';
import {Box, Text} from 'ink';
import type {MemorySample} from '../model/types.js';
import {downsample} from '../model/sparkline.js';
import {formatDuration} from '../model/format.js';
import {LiveText} from './LiveText.js';

export interface HeapChartProps {
	samples: readonly MemorySample[];
	width: number;
	height: number;
}

const labelWidth = 11;

/** The time axis under the chart: the window's age at the left, `now` at the right. */
export function timeAxis(spanMs: number, plotWidth: number): string {
	const left = `-${formatDuration(spanMs)}`;
	const middle = `-${formatDuration(spanMs / 2)}`;
	const right = 'now';
	const line = Array.from({length: plotWidth}, () => ' ');
	const put = (text: string, at: number) => {
		for (let i = 0; i < text.length && at + i < plotWidth; i++) line[at + i] = text[i]!;
	};
	put(right, Math.max(0, plotWidth - right.length));
	if (plotWidth >= left.length + right.length + 2) put(left, 0);
	if (plotWidth >= left.length + middle.length + right.length + 6) put(middle, Math.floor(plotWidth / 2 - middle.length / 2));
	return line.join('');
}

/**
 * Labels in the unit of the largest value, with enough decimals that neighbouring rows differ:
 * a 3.70 -> 3.72 MB climb must not read as seven rows of "3.7 MB".
 */
export function axisLabel(min: number, max: number, rows: number): (x: number) => string {
	const units = ['B', 'KB', 'MB', 'GB', 'TB'];
	let unit = 0;
	while (Math.abs(max) >= 1000 ** (unit + 1) && unit < units.length - 1) unit++;
	const step = (max - min) / Math.max(1, rows) / 1000 ** unit;
	const decimals = step <= 0 ? 1 : Math.min(3, Math.max(unit === 0 ? 0 : 1, Math.ceil(-Math.log10(step))));
	return x => `${(x / 1000 ** unit).toFixed(decimals)} ${units[unit]}`.padStart(labelWidth);
}

export function HeapChart({samples, width, height}: HeapChartProps) {
	const plotWidth = Math.max(10, width - labelWidth - 2);
	const title = <Text dimColor>heapUsed over the last {samples.length > 1 ? formatDuration(samples[samples.length - 1]!.t - samples[0]!.t) : '-'}</Text>;
	if (samples.length < 2) {
		return (
			<Box flexDirection="column" height={height + 2}>
				{title}
				<Text dimColor>waiting for samples...</Text>
			</Box>
		);
	}
	const values = downsample(samples.map(s => s.heapUsed), plotWidth);
	const chart = asciichart.plot(values, {
		height: Math.max(1, height - 1),
		offset: 2,
		format: axisLabel(Math.min(...values), Math.max(...values), height),
	});
	const spanMs = samples[samples.length - 1]!.t - samples[0]!.t;
	return (
		<Box flexDirection="column">
			{title}
			<LiveText lines={chart.split('\n')} width={labelWidth + 2 + values.length} />
			<Text dimColor>{' '.repeat(labelWidth + 2)}{timeAxis(spanMs, Math.min(plotWidth, Math.max(values.length, 8)))}</Text>
		</Box>
	);
}
