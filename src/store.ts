import {type Event, reduce, type State} from './model/state.js';

/**
 * Holds the current state and tells subscribers when it changes: the inspector feeds it
 * events, the TUI reads it with useSyncExternalStore, the headless runner reads it at the end.
 */
export interface Store {
	getState(): State;
	dispatch(event: Event): void;
	subscribe(listener: () => void): () => void;
}

export function createStore(initial: State): Store {
	let state = initial;
	const listeners = new Set<() => void>();
	return {
		getState: () => state,
		dispatch(event) {
			state = reduce(state, event);
			for (const listener of listeners) listener();
		},
		subscribe(listener) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
	};
}
