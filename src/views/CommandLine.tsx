import {Box, Text} from 'ink';
import {bindingsFor} from '../keymap.js';
import type {PromptState} from '../model/state.js';

const hints = bindingsFor('prompt')
	.filter(b => b.inFooter)
	.map(b => `${b.keys[0]} ${b.label}`)
	.join('  ');

export interface CommandLineProps {
	prompt: PromptState;
	width: number;
}

/** The open `:` line, its cursor shown inverse, and what tab could complete under it. */
export function CommandLine({prompt, width}: CommandLineProps) {
	const {text, cursor, candidates} = prompt;
	// Long lines scroll so the cursor stays in view.
	const room = Math.max(10, width - 2);
	const start = Math.max(0, cursor - room + 1);
	const shown = text.slice(start, start + room);
	const at = cursor - start;
	return (
		<Box flexDirection="column" width={width}>
			{candidates.length > 0 && <Text dimColor wrap="truncate">{candidates.join('  ')}</Text>}
			<Box justifyContent="space-between">
				<Text wrap="truncate">
					<Text bold>:</Text>
					{shown.slice(0, at)}
					<Text inverse>{shown[at] ?? ' '}</Text>
					{shown.slice(at + 1)}
				</Text>
				{text.length + hints.length + 4 < width && <Text dimColor>{hints}</Text>}
			</Box>
		</Box>
	);
}
