import {render} from 'ink';
import {allDone, endSession} from '../headless.js';
import type {Monitor} from '../inspector/monitor.js';
import {aborted, type Outcome} from '../outcome.js';
import type {Store} from '../store.js';
import type {VerdictOptions} from '../model/verdict.js';
import {createCommandHandler} from './commands.js';
import {countFindings} from './count-findings.js';
import {FleetApp, type FleetAppMember} from './FleetApp.js';
import {createFleetView} from './fleet-view.js';
import {historyPath, loadHistory, saveHistory} from './history-file.js';
import {runTimeBox} from './time-box.js';

export interface FleetTuiOptions {
	title: string;
	noun: string;
	members: ReadonlyArray<{name: string; monitor: Monitor; store: Store}>;
	signal: AbortSignal;
	onForceQuit: () => void;
	verdictOptions: VerdictOptions;
	snapshotDir: string;
	durationMs?: number;
}

/** Runs the overview of several targets until the user quits, a signal arrives, or every target goes away. */
export async function runFleetTui({title, noun, members, signal, onForceQuit, verdictOptions, snapshotDir, durationMs}: FleetTuiOptions): Promise<Outcome> {
	let quit!: (reason: string) => void;
	const quitPressed = new Promise<string>(resolve => {
		quit = resolve;
	});
	let quitting = false;
	const quitFromOverview = () => {
		if (quitting) onForceQuit();
		quitting = true;
		quit('quit');
	};
	// Every target has the same box: each full view counts down, and + extends them all.
	const timeBoxes = durationMs === undefined ? [] : members.map(m => runTimeBox({store: m.store, limitMs: durationMs, onExpire: quit}));
	const extendTimeBox = timeBoxes.length === 0 ? undefined : () => timeBoxes.forEach(box => box.extend());
	const view = createFleetView(members.length);
	const historyFile = historyPath();
	const history = {entries: await loadHistory(historyFile)};
	const appMembers: FleetAppMember[] = members.map(({name, monitor, store}) => ({
		name,
		store,
		commands: createCommandHandler({monitor, store, snapshotDir, quit, onForceQuit, extendTimeBox, history, saveHistory: entries => saveHistory(historyFile, entries), back: view.close, countFindings: () => countFindings(store, verdictOptions)}),
	}));
	const app = render(<FleetApp title={title} noun={noun} members={appMembers} view={view} verdictOptions={verdictOptions} onQuit={quitFromOverview} />, {exitOnCtrlC: false, patchConsole: false});
	const targets = members.map(m => ({name: m.name, monitor: m.monitor}));
	try {
		const reason = await Promise.race([quitPressed, aborted(signal), allDone(targets)]);
		return await endSession(targets, reason, {headless: false});
	} finally {
		for (const box of timeBoxes) box.stop();
		await Promise.all(appMembers.map(m => m.commands.close()));
		app.unmount();
		await app.waitUntilExit().catch(() => undefined);
	}
}
