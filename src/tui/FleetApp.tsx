import {useInput} from 'ink';
import {useCallback, useRef, useSyncExternalStore} from 'react';
import {commandFor} from '../keymap.js';
import {fleetRow, fleetVerdict} from '../model/fleet.js';
import type {State} from '../model/state.js';
import {timeLeftMs} from '../model/time-box.js';
import {computeVerdict, type LeakVerdict, type VerdictOptions} from '../model/verdict.js';
import type {Store} from '../store.js';
import {FleetScreen} from '../views/FleetScreen.js';
import {App} from './App.js';
import type {CommandHandler} from './commands.js';
import type {FleetViewStore} from './fleet-view.js';
import {keyPress} from './key-press.js';
import {useNow} from './use-now.js';
import {useTerminalSize} from './use-terminal-size.js';

export interface FleetAppMember {
	name: string;
	store: Store;
	commands: CommandHandler;
}

export interface FleetAppProps {
	title: string;
	noun: string;
	/** The same array for the whole session. */
	members: readonly FleetAppMember[];
	view: FleetViewStore;
	verdictOptions: VerdictOptions;
	onQuit: () => void;
}

/** The overview of several targets, or one target's full view while it is open. */
export function FleetApp(props: FleetAppProps) {
	const {view, members, verdictOptions} = props;
	const {open, selected} = useSyncExternalStore(view.subscribe, view.get);
	const member = members[selected]!;
	if (open) return <App key={member.name} store={member.store} onCommand={member.commands.handle} onPromptKey={member.commands.editPrompt} verdictOptions={verdictOptions} targetName={member.name} />;
	return <Overview {...props} selected={selected} />;
}

/** Every target's state, as one array that changes only when one of them does. */
function useStates(stores: readonly Store[]): readonly State[] {
	const cache = useRef<readonly State[]>([]);
	const subscribe = useCallback(
		(listener: () => void) => {
			const offs = stores.map(store => store.subscribe(listener));
			return () => {
				for (const off of offs) off();
			};
		},
		[stores],
	);
	const read = useCallback(() => {
		const next = stores.map(store => store.getState());
		if (next.length !== cache.current.length || next.some((state, i) => state !== cache.current[i])) cache.current = next;
		return cache.current;
	}, [stores]);
	return useSyncExternalStore(subscribe, read);
}

function Overview({title, noun, members, view, verdictOptions, onQuit, selected}: FleetAppProps & {selected: number}) {
	const stores = useRef(members.map(m => m.store)).current;
	const states = useStates(stores);
	// A target's verdict is computed once per state: each sample changes one row, not all of them.
	const verdicts = useRef(new WeakMap<State, LeakVerdict>()).current;
	const verdictOf = (state: State) => {
		let verdict = verdicts.get(state);
		if (!verdict) verdicts.set(state, (verdict = computeVerdict(state, verdictOptions)));
		return verdict;
	};
	const rows = states.map((state, i) => fleetRow(members[i]!.name, state, verdictOf(state)));
	const {columns, rows: height} = useTerminalSize();
	const timeBox = states[0]?.timeBox ?? null;
	const now = useNow(timeBox ? 1000 : null);
	useInput((input, key) => {
		const command = commandFor(keyPress(input, key), false, 'overview');
		if (command === 'select-up') view.select(-1);
		else if (command === 'select-down') view.select(1);
		else if (command === 'open-target') view.open();
		else if (command === 'quit') onQuit();
	});
	return <FleetScreen title={title} targets={rows} fleet={fleetVerdict(rows, noun)} selected={selected} columns={columns} rows={height - 1} timeLeftMs={timeBox && timeLeftMs(timeBox, now)} />;
}
