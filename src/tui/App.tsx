import {useInput} from 'ink';
import {useSyncExternalStore} from 'react';
import {type Command, commandFor} from '../keymap.js';
import type {Store} from '../store.js';
import {Screen} from '../views/Screen.js';
import {useTerminalSize} from './use-terminal-size.js';

export interface AppProps {
	store: Store;
	onCommand: (command: Command) => void;
}

/** Connects the store and the keyboard to the pure Screen view. */
export function App({store, onCommand}: AppProps) {
	const state = useSyncExternalStore(store.subscribe, store.getState);
	const {columns, rows} = useTerminalSize();
	useInput((input, key) => {
		const command = commandFor({input, ctrl: key.ctrl, escape: key.escape}, state.helpOpen);
		if (command) onCommand(command);
	});
	// One line short of the terminal: Ink clears the whole screen on every frame that fills it.
	return <Screen state={state} columns={columns} rows={rows - 1} />;
}
