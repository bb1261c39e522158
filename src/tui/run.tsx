import {render} from 'ink';
import type {Monitor} from '../inspector/monitor.js';
import type {Command} from '../keymap.js';
import {aborted, exitCodes, type Outcome} from '../outcome.js';
import type {Store} from '../store.js';
import type {VerdictOptions} from '../model/verdict.js';
import {App} from './App.js';
import {heapProfileName, writeHeapProfile} from '../heap-profile.js';
import {describeError} from '../errors.js';

export interface TuiOptions {
	monitor: Monitor;
	store: Store;
	/** Aborted by the CLI on signals and fatal errors. */
	signal: AbortSignal;
	/** Aborted here when a second ctrl+c arrives while detaching. */
	onForceQuit: () => void;
	verdictOptions: VerdictOptions;
	/** Runs after quit while still attached (writes output files). */
	beforeStop?: () => Promise<void>;
}

/** Runs the interactive screen until the user quits, a signal arrives, or the target goes away. */
export async function runTui({monitor, store, signal, onForceQuit, verdictOptions, beforeStop}: TuiOptions): Promise<Outcome> {
	let quit!: (reason: string) => void;
	const quitPressed = new Promise<string>(resolve => {
		quit = resolve;
	});
	let quitting = false;
	const exportProfile = async () => {
		const path = heapProfileName(store.getState().target?.pid, new Date());
		try {
			const bytes = await writeHeapProfile(monitor, path);
			store.dispatch({type: 'profile-written', t: Date.now(), path, bytes});
		} catch (error) {
			store.dispatch({type: 'log', t: Date.now(), level: 'error', text: `heap profile not written: ${describeError(error)}`});
		}
	};
	const onCommand = (command: Command) => {
		switch (command) {
			case 'gc':
				void monitor.gc();
				break;
			case 'baseline':
				store.dispatch({type: 'baseline', t: Date.now()});
				break;
			case 'census':
				void monitor.census();
				break;
			case 'panel':
				store.dispatch({type: 'cycle-panel'});
				break;
			case 'select-up':
				store.dispatch({type: 'select-allocation', delta: -1});
				break;
			case 'select-down':
				store.dispatch({type: 'select-allocation', delta: 1});
				break;
			case 'stack':
				store.dispatch({type: 'toggle-stack'});
				break;
			case 'internals':
				store.dispatch({type: 'toggle-internals'});
				break;
			case 'export':
				void exportProfile();
				break;
			case 'pause':
				store.dispatch({type: 'toggle-pause', t: Date.now()});
				break;
			case 'help':
				store.dispatch({type: 'toggle-help'});
				break;
			case 'quit':
				if (quitting) onForceQuit();
				quitting = true;
				quit('quit');
		}
	};
	// Ctrl-C arrives as a key in raw mode; the keymap turns it into quit.
	const app = render(<App store={store} onCommand={onCommand} verdictOptions={verdictOptions} />, {exitOnCtrlC: false, patchConsole: false});
	try {
		const reason = await Promise.race([quitPressed, aborted(signal), monitor.done]);
		const byTarget = monitor.endedByTarget;
		if (!byTarget) await beforeStop?.();
		await monitor.stop(reason);
		if (byTarget) return {exitCode: exitCodes.error, message: `target went away: ${reason}`};
		return {exitCode: exitCodes.ok};
	} finally {
		app.unmount();
		await app.waitUntilExit().catch(() => undefined);
	}
}
