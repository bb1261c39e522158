import {useInput} from 'ink';
import {useMemo, useSyncExternalStore} from 'react';
import {computeVerdict, type VerdictOptions} from '../model/verdict.js';
import {type Command, commandFor} from '../keymap.js';
import type {Store} from '../store.js';
import {Screen} from '../views/Screen.js';
import {keyPress} from './key-press.js';
import {useTerminalSize} from './use-terminal-size.js';
import {useNow} from './use-now.js';

export interface AppProps {
	store: Store;
	onCommand: (command: Command) => void;
	verdictOptions: VerdictOptions;
}

/** Connects the store and the keyboard to the pure Screen view. */
export function App({store, onCommand, verdictOptions}: AppProps) {
	const state = useSyncExternalStore(store.subscribe, store.getState);
	const verdict = useMemo(() => computeVerdict(state, verdictOptions), [state, verdictOptions]);
	const {columns, rows} = useTerminalSize();
	// The time box counts down every second, whatever the sampling interval.
	const now = useNow(state.timeBox ? 1000 : null);
	useInput((input, key) => {
		const asking = state.snapshots.capture?.phase === 'confirm' || state.snapshots.nearLimitConfirm;
		const command = commandFor(keyPress(input, key), asking);
		if (command) onCommand(command);
	});
	// One line short of the terminal: Ink clears the whole screen on every frame that fills it.
	return <Screen state={state} verdict={verdict} columns={columns} rows={rows - 1} now={now} />;
}
