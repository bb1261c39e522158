import {describeError} from '../errors.js';
import {heapProfileName} from '../file-names.js';
import {writeHeapProfile} from '../heap-profile.js';
import type {Monitor} from '../inspector/monitor.js';
import type {Command} from '../keymap.js';
import {lastObjectCount} from '../model/snapshots-state.js';
import {takeSnapshot} from '../snapshot-flow.js';
import type {Store} from '../store.js';

export interface CommandContext {
	monitor: Monitor;
	store: Store;
	/** Where `s` writes heap snapshots. */
	snapshotDir: string;
	quit: (reason: string) => void;
	onForceQuit: () => void;
}

/**
 * Turns key commands into actions on the monitor and the store. A y/N question (a risky
 * snapshot, arming the near-limit snapshot) waits in `answer` for the next key.
 */
export function createCommandHandler({monitor, store, snapshotDir, quit, onForceQuit}: CommandContext): (command: Command) => void {
	let quitting = false;
	let answer: ((yes: boolean) => void) | undefined;
	let capture: AbortController | undefined;
	const ask = () =>
		new Promise<boolean>(resolve => {
			answer = resolve;
		});
	const log = (text: string) => store.dispatch({type: 'log', t: Date.now(), level: 'error', text});

	const exportProfile = async () => {
		const path = heapProfileName(store.getState().target?.pid, new Date());
		try {
			const bytes = await writeHeapProfile(monitor, path);
			store.dispatch({type: 'profile-written', t: Date.now(), path, bytes});
		} catch (error) {
			log(`heap profile not written: ${describeError(error)}`);
		}
	};

	const snapshot = async () => {
		const state = store.getState();
		if (capture || state.snapshots.capture) {
			store.dispatch({type: 'log', t: Date.now(), level: 'warn', text: 'a heap snapshot is already being taken; esc abandons it'});
			return;
		}
		capture = new AbortController();
		try {
			await takeSnapshot({
				monitor,
				dispatch: store.dispatch,
				target: state.target,
				dir: snapshotDir,
				objectCount: lastObjectCount(state.snapshots),
				confirm: ask,
				signal: capture.signal,
			});
		} finally {
			capture = undefined;
		}
	};

	const armNearLimit = async () => {
		if (store.getState().snapshots.nearLimit) {
			store.dispatch({type: 'log', t: Date.now(), level: 'info', text: 'the near-heap-limit snapshot is already armed'});
			return;
		}
		store.dispatch({type: 'near-limit-confirm', t: Date.now()});
		if (!(await ask())) {
			store.dispatch({type: 'near-limit-cancelled', t: Date.now()});
			return;
		}
		try {
			store.dispatch({type: 'near-limit-armed', t: Date.now(), where: await monitor.armNearLimitSnapshot()});
		} catch (error) {
			store.dispatch({type: 'near-limit-failed', t: Date.now(), message: describeError(error)});
		}
	};

	const escape = () => {
		const state = store.getState();
		if (state.helpOpen) store.dispatch({type: 'toggle-help'});
		else if (capture && state.snapshots.capture && state.snapshots.capture.phase !== 'abandoning') {
			store.dispatch({type: 'snapshot-abandoning', t: Date.now()});
			capture.abort();
		} else if (state.allocations.stackOpen) store.dispatch({type: 'toggle-stack'});
	};

	const reply = (yes: boolean) => {
		const resolve = answer;
		answer = undefined;
		resolve?.(yes);
	};

	return command => {
		switch (command) {
			case 'gc':
				return void monitor.gc();
			case 'baseline':
				return store.dispatch({type: 'baseline', t: Date.now()});
			case 'census':
				return void monitor.census();
			case 'snapshot':
				return void snapshot();
			case 'near-limit':
				return void armNearLimit();
			case 'panel':
				return store.dispatch({type: 'cycle-panel'});
			case 'select-up':
				return store.dispatch({type: 'select-allocation', delta: -1});
			case 'select-down':
				return store.dispatch({type: 'select-allocation', delta: 1});
			case 'stack':
				return store.dispatch({type: 'toggle-stack'});
			case 'internals':
				return store.dispatch({type: 'toggle-internals'});
			case 'export':
				return void exportProfile();
			case 'pause':
				return store.dispatch({type: 'toggle-pause', t: Date.now()});
			case 'help':
				return store.dispatch({type: 'toggle-help'});
			case 'escape':
				return escape();
			case 'confirm':
				return reply(true);
			case 'decline':
				return reply(false);
			case 'quit':
				reply(false);
				if (quitting) onForceQuit();
				quitting = true;
				return quit('quit');
		}
	};
}
