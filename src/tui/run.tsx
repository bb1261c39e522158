import {render} from 'ink';
import type {Monitor} from '../inspector/monitor.js';
import type {Command} from '../keymap.js';
import {aborted, exitCodes, type Outcome} from '../outcome.js';
import type {Store} from '../store.js';
import type {VerdictOptions} from '../model/verdict.js';
import {App} from './App.js';

export interface TuiOptions {
	monitor: Monitor;
	store: Store;
	/** Aborted by the CLI on signals and fatal errors. */
	signal: AbortSignal;
	/** Aborted here when a second ctrl+c arrives while detaching. */
	onForceQuit: () => void;
	verdictOptions: VerdictOptions;
}

/** Runs the interactive screen until the user quits, a signal arrives, or the target goes away. */
export async function runTui({monitor, store, signal, onForceQuit, verdictOptions}: TuiOptions): Promise<Outcome> {
	let quit!: (reason: string) => void;
	const quitPressed = new Promise<string>(resolve => {
		quit = resolve;
	});
	let quitting = false;
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
		await monitor.stop(reason);
		if (byTarget) return {exitCode: exitCodes.error, message: `target went away: ${reason}`};
		return {exitCode: exitCodes.ok};
	} finally {
		app.unmount();
		await app.waitUntilExit().catch(() => undefined);
	}
}
