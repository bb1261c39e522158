import chalk from 'chalk';
import {Text, Transform} from 'ink';

export interface LiveTextProps {
	/** The text, one string per line, each at most `width` columns (longer lines are cut). */
	lines: readonly string[];
	width: number;
	color?: 'cyan';
}

/**
 * Text whose content changes with every sample: the chart and the sparklines. Ink 6 keeps every
 * distinct string it has measured or wrapped in module-level caches that never evict (ink#986;
 * Ink 8 bounds them, but needs Node 22): in a soak at 10 frames a second they grew leaktop's heap
 * by 40 MB an hour, the chart's lines most of it. Ink here measures a blank block of the same
 * size, the same string every frame, and the transform writes the real line in its place.
 */
export function LiveText({lines, width, color}: LiveTextProps) {
	const blank = lines.map(() => ' '.repeat(width)).join('\n');
	const paint = color ? chalk[color] : (line: string) => line;
	return (
		<Transform transform={(_blank, index) => paint((lines[index] ?? '').slice(0, width).padEnd(width))}>
			<Text>{blank}</Text>
		</Transform>
	);
}
