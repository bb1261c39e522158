import {useInput} from 'ink';
import {useMemo, useSyncExternalStore} from 'react';
import {computeVerdict, type VerdictOptions} from '../model/verdict.js';
import {findingsFor} from '../model/findings.js';
import {type Command, commandFor, type KeyPress} from '../keymap.js';
import type {Store} from '../store.js';
import {Screen} from '../views/Screen.js';
import {keyPress} from './key-press.js';
import {useTerminalSize} from './use-terminal-size.js';
import {useNow} from './use-now.js';

export interface AppProps {
	store: Store;
	onCommand: (command: Command) => void;
	/** A key the command line takes as text or an edit. */
	onPromptKey: (press: KeyPress) => void;
	verdictOptions: VerdictOptions;
	/** One of several targets: its name for the header. */
	targetName?: string;
}

/** Connects the store and the keyboard to the pure Screen view. */
export function App({store, onCommand, onPromptKey, verdictOptions, targetName}: AppProps) {
	const state = useSyncExternalStore(store.subscribe, store.getState);
	const verdict = useMemo(() => computeVerdict(state, verdictOptions), [state, verdictOptions]);
	const findings = useMemo(() => findingsFor(state, verdict, state.snapshotEvidence), [state, verdict]);
	const {columns, rows} = useTerminalSize();
	// The time box counts down every second, whatever the sampling interval.
	const now = useNow(state.timeBox ? 1000 : null);
	useInput((input, key) => {
		const press = keyPress(input, key);
		// The store, not this render's state: ":" then "g" typed before React redraws must reach the line.
		const current = store.getState();
		const asking = current.snapshots.capture?.phase === 'confirm' || current.snapshots.nearLimitConfirm || current.question !== null;
		const mode = current.prompt && !asking ? 'prompt' : 'live';
		// ":watch x" typed fast or pasted arrives as one chunk: open the line with the rest in it.
		if (mode === 'live' && !asking && !press.ctrl && press.input.length > 1 && press.input.startsWith(':')) {
			onCommand('command-line');
			onPromptKey({...press, input: press.input.slice(1)});
			return;
		}
		const command = commandFor(press, asking, mode);
		if (command) onCommand(command);
		else if (mode === 'prompt') onPromptKey(press);
	});
	// One line short of the terminal: Ink clears the whole screen on every frame that fills it.
	return <Screen state={state} verdict={verdict} columns={columns} rows={rows - 1} now={now} targetName={targetName} findings={findings} />;
}
