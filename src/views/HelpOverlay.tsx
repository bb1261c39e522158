import {Box, Text} from 'ink';
import {bindingsFor, type Mode, typedBindings, typedCommands} from '../keymap.js';
import type {HelpPage} from '../model/state.js';

export interface HelpOverlayProps {
	width: number;
	mode: Mode;
	/** `?` shows the keys, `:help` the commands. */
	page?: HelpPage;
}

export function HelpOverlay({width, mode, page = 'keys'}: HelpOverlayProps) {
	if (page === 'commands') return <CommandsHelp width={width} />;
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

function CommandsHelp({width}: {width: number}) {
	const usage = typedCommands.map(c => `:${c.name}${c.args ? ` ${c.args}` : ''}`);
	const usageWidth = Math.max(...usage.map(u => u.length)) + 2;
	return (
		<Box flexDirection="column" width={width}>
			<Text bold>commands <Text dimColor>(tab completes, up/down: history; esc or ? closes this)</Text></Text>
			{typedCommands.map((c, i) => (
				<Box key={c.name}>
					<Box width={usageWidth} flexShrink={0}><Text bold color="cyan">{usage[i]}</Text></Box>
					<Text wrap="truncate">{c.help}</Text>
				</Box>
			))}
			<Text wrap="wrap">
				<Text dimColor>and every key by its name: </Text>
				{typedBindings()
					.map(b => `:${b.command}`)
					.join(' ')}
			</Text>
		</Box>
	);
}
