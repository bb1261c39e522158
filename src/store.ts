import {type Event, reduce, type State} from './model/state.js';

/**
 * Holds the current state and tells subscribers when it changes: the inspector feeds it
 * events, the TUI reads it with useSyncExternalStore, the headless runner reads it at the end.
 */
export interface Store {
	getState(): State;
	dispatch(event: Event): void;
	subscribe(listener: () => void): () => void;
	/** Sees every event right after the state took it (the recording); returns the unsubscribe. */
	onEvent(listener: (event: Event) => void): () => void;
}

export function createStore(initial: State): Store {
	let state = initial;
	const listeners = new Set<() => void>();
	const taps = new Set<(event: Event) => void>();
	return {
		getState: () => state,
		dispatch(event) {
			state = reduce(state, event);
			for (const tap of taps) tap(event);
			for (const listener of listeners) listener();
		},
		subscribe(listener) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
		onEvent(listener) {
			taps.add(listener);
			return () => taps.delete(listener);
		},
	};
}
