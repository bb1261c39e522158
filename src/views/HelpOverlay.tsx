import {Box, Text} from 'ink';
import {bindingsFor, type Mode} from '../keymap.js';

export interface HelpOverlayProps {
	width: number;
	mode: Mode;
}

export function HelpOverlay({width, mode}: HelpOverlayProps) {
	const bindings = bindingsFor(mode);
	const keyWidth = Math.max(...bindings.map(b => b.keys.join(', ').length)) + 2;
	return (
		// No border: with every key listed the help must still fit an 80x24 terminal.
		<Box flexDirection="column" width={width}>
			<Text bold>keys <Text dimColor>(esc or ? closes this help)</Text></Text>
			{bindings.map(b => (
				<Box key={b.command}>
					<Box width={keyWidth} flexShrink={0}><Text bold color="cyan">{b.keys.join(', ')}</Text></Box>
					<Text wrap="truncate">{b.help}</Text>
				</Box>
			))}
		</Box>
	);
}
