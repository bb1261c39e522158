import {render} from 'ink';
import type {Monitor} from '../inspector/monitor.js';
import {aborted, exitCodes, type Outcome} from '../outcome.js';
import type {Store} from '../store.js';
import type {VerdictOptions} from '../model/verdict.js';
import {App} from './App.js';
import {countFindings} from './count-findings.js';
import {createCommandHandler} from './commands.js';
import {runTimeBox} from './time-box.js';
import {historyPath, loadHistory, saveHistory} from './history-file.js';

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
	/** Where `s` writes heap snapshots. */
	snapshotDir: string;
	/** `--duration`: the time box; undefined for none. */
	durationMs?: number;
}

/** Runs the interactive screen until the user quits, a signal arrives, or the target goes away. */
export async function runTui({monitor, store, signal, onForceQuit, verdictOptions, beforeStop, snapshotDir, durationMs}: TuiOptions): Promise<Outcome> {
	let quit!: (reason: string) => void;
	const quitPressed = new Promise<string>(resolve => {
		quit = resolve;
	});
	const timeBox = durationMs === undefined ? undefined : runTimeBox({store, limitMs: durationMs, onExpire: quit});
	const historyFile = historyPath();
	const history = {entries: await loadHistory(historyFile)};
	const commands = createCommandHandler({monitor, store, snapshotDir, quit, onForceQuit, extendTimeBox: timeBox?.extend, history, saveHistory: entries => saveHistory(historyFile, entries), countFindings: () => countFindings(store, verdictOptions)});
	// Ctrl-C arrives as a key in raw mode; the keymap turns it into quit.
	const app = render(<App store={store} onCommand={commands.handle} onPromptKey={commands.editPrompt} verdictOptions={verdictOptions} />, {exitOnCtrlC: false, patchConsole: false});
	try {
		const reason = await Promise.race([quitPressed, aborted(signal), monitor.done]);
		const byTarget = monitor.endedByTarget;
		if (!byTarget) await beforeStop?.();
		await monitor.stop(reason);
		if (byTarget) return {exitCode: exitCodes.error, message: `target went away: ${reason}`};
		return {exitCode: exitCodes.ok};
	} finally {
		timeBox?.stop();
		// A diff's worker thread would keep the process alive.
		await commands.close();
		app.unmount();
		await app.waitUntilExit().catch(() => undefined);
	}
}
