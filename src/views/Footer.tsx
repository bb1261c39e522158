import {Box, Text} from 'ink';
import {bindingsFor, type Mode} from '../keymap.js';

export interface FooterProps {
	width: number;
	status?: string;
	mode: Mode;
}

export function Footer({width, status, mode}: FooterProps) {
	return (
		<Box width={width} justifyContent="space-between">
			<Text wrap="truncate">
				{bindingsFor(mode)
					.filter(b => b.inFooter)
					.map((b, i) => (
						<Text key={b.command}>
							{i > 0 && '  '}
							<Text inverse bold>{b.keys[0]}</Text> {b.label}
						</Text>
					))}
			</Text>
			{status && (
				<Box flexShrink={0}>
					<Text dimColor>{status}</Text>
				</Box>
			)}
		</Box>
	);
}
