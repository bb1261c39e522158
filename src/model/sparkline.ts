const blocks = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/**
 * One line of block characters for the last `width` values, scaled between their own min and
 * max so small movements stay visible; a flat series draws as a flat low line.
 */
export function sparkline(values: readonly number[], width: number): string {
	const tail = values.slice(Math.max(0, values.length - width));
	if (tail.length === 0) return '';
	const min = Math.min(...tail);
	const max = Math.max(...tail);
	const span = max - min;
	return tail.map(v => (span === 0 ? blocks[0] : blocks[Math.min(blocks.length - 1, Math.floor(((v - min) / span) * blocks.length))])).join('');
}

/**
 * Reduces a series to at most `width` points, keeping each bucket's maximum, so an hour of
 * one-second samples fits an 80-column terminal and no peak disappears from the chart.
 */
export function downsample(values: readonly number[], width: number): number[] {
	if (values.length <= width) return values.slice();
	const out: number[] = [];
	const step = values.length / width;
	for (let i = 0; i < width; i++) {
		const from = Math.floor(i * step);
		const to = Math.max(from + 1, Math.floor((i + 1) * step));
		let max = -Infinity;
		for (let j = from; j < to; j++) max = Math.max(max, values[j]!);
		out.push(max);
	}
	return out;
}
