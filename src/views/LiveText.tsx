import chalk from 'chalk';
import {Text, Transform} from 'ink';

export type LiveColor = 'cyan' | 'red' | 'green' | 'yellow';

export interface LiveTextProps {
	/** The text, one string per line, each at most `width` columns (longer lines are cut). */
	lines: readonly string[];
	width: number;
	color?: LiveColor;
	bold?: boolean;
	/** Swapped colors: the selected row of a table. */
	inverse?: boolean;
	/** Where a shorter line sits in its `width`. */
	align?: 'left' | 'right';
}

/**
 * Text whose content changes with every sample: the chart, the sparklines, the numbers. Ink 6
 * keeps every distinct string it has measured or wrapped in module-level caches that never evict
 * (ink#986; Ink 8 bounds them, but needs Node 22): in a soak at 10 frames a second they grew
 * leaktop's heap by 40 MB an hour, the chart's lines most of it. Ink here measures a blank block
 * of the same size, the same string every frame, and the transform writes the real line in its
 * place.
 */
export function LiveText({lines, width, color, bold = false, inverse = false, align = 'left'}: LiveTextProps) {
	const blank = lines.map(() => ' '.repeat(width)).join('\n');
	const styled = color ? chalk[color] : chalk;
	const thick = bold ? styled.bold : styled;
	const paint = inverse ? thick.inverse : thick;
	const fit = (line: string) => {
		const cut = line.slice(0, width);
		return align === 'right' ? cut.padStart(width) : cut.padEnd(width);
	};
	return (
		<Transform transform={(_blank, index) => (color || bold || inverse ? paint(fit(lines[index] ?? '')) : fit(lines[index] ?? ''))}>
			<Text>{blank}</Text>
		</Transform>
	);
}
