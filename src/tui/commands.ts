import {describeError} from '../errors.js';
import {completeLine, emptyLine, editLine, type ParsedLine, parseCommandLine} from '../model/command-line.js';
import {type HistoryWalk, newer, older, startWalk, withLine} from '../model/command-history.js';
import type {Question} from '../model/state.js';
import {heapProfileName} from '../file-names.js';
import {writeHeapProfile} from '../heap-profile.js';
import type {Monitor} from '../inspector/monitor.js';
import type {Command, KeyPress} from '../keymap.js';
import {diffPair, lastObjectCount, notEnoughSnapshots} from '../model/snapshots-state.js';
import {type DiffRun, startDiff} from '../snapshot-diff-client.js';
import {takeSnapshot} from '../snapshot-flow.js';
import type {Store} from '../store.js';

export interface CommandContext {
	monitor: Monitor;
	store: Store;
	/** Where `s` writes heap snapshots. */
	snapshotDir: string;
	quit: (reason: string) => void;
	onForceQuit: () => void;
	/** `+`: extends the time box; undefined when the session has none. */
	extendTimeBox?: () => void;
	/**
	 * The command line's history as saved, oldest first; each run line is added to it, in place:
	 * the targets of a fleet share one history, as they share one file.
	 */
	history?: {entries: string[]};
	saveHistory?: (entries: readonly string[]) => Promise<string | null>;
	/** esc with nothing open to close: one of several targets goes back to the overview. */
	back?: () => void;
	/** How many findings the current state has: enter on the main view opens the first one's evidence. */
	countFindings?: () => number;
}

export interface CommandHandler {
	handle(command: Command): void;
	/** A key that is no binding while the command line is open: it edits the line. */
	editPrompt(press: KeyPress): void;
	/** Stops what the handler itself runs (a snapshot diff's worker thread); called once the TUI ends, however it ends. */
	close(): Promise<void>;
}

/** Commands that call into the target: while the connection is down they say so instead. */
const callsTarget: ReadonlySet<Command> = new Set<Command>(['gc', 'census', 'snapshot', 'near-limit', 'export']);

/** How long tab waits for the target's global names before it completes without them. */
const globalsWaitMs = 300;

/** Instances shown per class: the ones that retain the most. */
const instancesShown = 10;

/**
 * Turns key commands into actions on the monitor and the store. A y/N question (a risky
 * snapshot, arming the near-limit snapshot) waits in `answer` for the next key. up, down, enter
 * and esc act on what the lower panel shows: the snapshots panel (its table, or a diff), else
 * the allocations.
 */
export function createCommandHandler({monitor, store, snapshotDir, quit, onForceQuit, extendTimeBox, history = {entries: []}, saveHistory, back, countFindings = () => 0}: CommandContext): CommandHandler {
	let quitting = false;
	let walk: HistoryWalk = startWalk;
	/** The target's global names, read when the line opens, for tab (which waits for them). */
	let globals: Promise<string[]> = Promise.resolve([]);
	let answer: ((yes: boolean) => void) | undefined;
	let capture: AbortController | undefined;
	let diffRun: DiffRun | undefined;
	/**
	 * One y/N question at a time: a second one (an :eval refused while the snapshot question is
	 * open) is answered no at once, so that a y meant for the first never runs the second.
	 */
	const ask = () => {
		if (answer) {
			store.dispatch({type: 'log', t: Date.now(), level: 'warn', text: 'another question is waiting for y/N: answer it first'});
			return Promise.resolve(false);
		}
		return new Promise<boolean>(resolve => {
			answer = resolve;
		});
	};
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

	const stopDiff = async () => {
		const run = diffRun;
		diffRun = undefined;
		await run?.stop();
	};

	const diff = () => {
		const {snapshots} = store.getState();
		const pair = diffPair(snapshots);
		if (!pair) {
			store.dispatch({type: 'log', t: Date.now(), level: 'info', text: notEnoughSnapshots});
			return;
		}
		const {diff: shown} = snapshots;
		if (diffRun && shown.status !== 'idle' && shown.base?.path === pair.base.path && shown.next?.path === pair.next.path) {
			// The same two files: show what is there rather than read them again.
			store.dispatch({type: 'show-panel', panel: 'snapshots'});
			return;
		}
		void stopDiff();
		const run = startDiff(pair.base.path, pair.next.path, {
			onProgress: progress => {
				if (diffRun === run) store.dispatch({type: 'diff-progress', progress});
			},
			onEvidence: evidence => {
				if (diffRun === run && evidence) store.dispatch({type: 'snapshot-evidence', t: Date.now(), evidence});
			},
		});
		diffRun = run;
		store.dispatch({type: 'diff-started', t: Date.now(), base: {path: pair.base.path, t: pair.base.t}, next: {path: pair.next.path, t: pair.next.t}});
		run.summary.then(
			summary => {
				if (diffRun === run) store.dispatch({type: 'diff-done', t: Date.now(), summary});
			},
			(error: unknown) => {
				if (diffRun !== run) return;
				store.dispatch({type: 'diff-failed', t: Date.now(), message: describeError(error)});
				void stopDiff();
			},
		);
	};

	const openClass = () => {
		store.dispatch({type: 'diff-open'});
		const opened = store.getState().snapshots.diff.opened;
		const run = diffRun;
		if (!opened || opened.status !== 'loading' || !run) return;
		const {key} = opened;
		run.instances(key, instancesShown).then(
			instances => store.dispatch({type: 'diff-instances', key, instances}),
			(error: unknown) => store.dispatch({type: 'diff-instances-failed', key, message: describeError(error)}),
		);
	};

	/** up/down: the diff's classes or instances, the snapshots table, or the allocations. */
	const select = (delta: number) => {
		const {panel, snapshots} = store.getState();
		if (panel === 'findings') return store.dispatch({type: 'select-finding', delta});
		if (panel !== 'snapshots') return store.dispatch({type: 'select-allocation', delta});
		const {diff: shown} = snapshots;
		if (shown.status === 'idle') return store.dispatch({type: 'select-snapshot', delta});
		if (shown.opened) return store.dispatch({type: 'diff-select-instance', delta});
		return store.dispatch({type: 'diff-select', delta});
	};

	const enter = () => {
		const {panel, snapshots} = store.getState();
		// The findings show at the top of the main view: there, enter opens the first one's evidence.
		if (panel === 'findings' || (panel === 'chart' && countFindings() > 0)) return store.dispatch({type: 'toggle-finding'});
		if (panel !== 'snapshots') return store.dispatch({type: 'toggle-stack'});
		if (snapshots.diff.status === 'idle') return store.dispatch({type: 'pick-snapshot'});
		if (snapshots.diff.status === 'done' && !snapshots.diff.opened) openClass();
	};

	const escape = () => {
		const state = store.getState();
		const shown = state.snapshots.diff;
		if (state.helpOpen) store.dispatch({type: 'toggle-help'});
		else if (capture && state.snapshots.capture && state.snapshots.capture.phase !== 'abandoning') {
			store.dispatch({type: 'snapshot-abandoning', t: Date.now()});
			capture.abort();
		} else if (state.panel === 'snapshots' && shown.opened) store.dispatch({type: 'diff-close-class'});
		else if (state.panel === 'snapshots' && shown.status !== 'idle') {
			// Leaving the diff frees the worker and the snapshot it holds; reading stops mid-file.
			store.dispatch({type: 'diff-closed', t: Date.now()});
			void stopDiff();
		} else if (state.panel === 'findings' && state.findingsView.open) store.dispatch({type: 'toggle-finding'});
		else if (state.allocations.stackOpen) store.dispatch({type: 'toggle-stack'});
		else back?.();
	};

	const openPrompt = () => {
		walk = startWalk;
		store.dispatch({type: 'prompt-open'});
		globals = monitor.globalNames().catch(() => []);
	};

	const setLine = (line = emptyLine, candidates: string[] = []) => store.dispatch({type: 'prompt-set', line, candidates});
	const promptLine = () => store.getState().prompt ?? emptyLine;

	/**
	 * The line's edits run in order: a tab waits for the global names, and keys typed after it
	 * must not overtake it.
	 */
	let promptSteps: Promise<void> = Promise.resolve();
	const inOrder = (step: () => void | Promise<void>) => {
		promptSteps = promptSteps.then(step).catch(fail);
	};

	const edit = (press: KeyPress) =>
		inOrder(() => {
			const line = store.getState().prompt && editLine(promptLine(), press);
			if (line) setLine(line);
		});

	const editPrompt = (press: KeyPress) => {
		// Keys typed fast (or sent by tmux) can arrive as one chunk: a tab or a return in it still acts.
		const parts = press.ctrl ? [press.input] : press.input.split(/([\t\r])/).filter(part => part !== '');
		if (parts.length <= 1 && !/^[\t\r]$/.test(press.input)) return edit(press);
		for (const part of parts) {
			if (part === '\t') handle('prompt-complete');
			else if (part === '\r') return handle('prompt-run');
			else edit({...press, input: part});
		}
	};

	const walkHistory = (step: typeof older) => {
		const moved = step(history.entries, walk, promptLine().text);
		walk = moved.walk;
		setLine({text: moved.text, cursor: moved.text.length});
	};

	/** A refused expression: ask, and run it with side effects only on y. */
	const askToRun = async (question: Question, run: () => Promise<unknown>) => {
		store.dispatch({type: 'question', t: Date.now(), question});
		const yes = await ask();
		store.dispatch({type: 'question-answered', t: Date.now(), yes});
		if (yes) await run();
	};

	const fail = (error: unknown) => log(describeError(error));

	/** Keys and typed commands that call into the target say why they cannot while the connection is down. */
	const refusedWhileReconnecting = () => {
		if (!monitor.reconnecting) return false;
		store.dispatch({type: 'log', t: Date.now(), level: 'warn', text: 'not connected (reconnecting): try again once the target answers'});
		return true;
	};

	const runParsed = async (parsed: ParsedLine) => {
		switch (parsed.kind) {
			case 'key':
				return handle(parsed.command);
			case 'help':
				return store.dispatch({type: 'toggle-help', page: 'commands'});
			case 'threshold':
				return store.dispatch({type: 'threshold-set', t: Date.now(), bytesPerHour: parsed.bytesPerHour});
			case 'interval':
				return monitor.setIntervalMs(parsed.ms);
			case 'unwatch':
				if (!monitor.removeWatch(parsed.n)) log(`no watch ${parsed.n}: the watches panel numbers them`);
				return;
			case 'watch':
				try {
					await monitor.addWatch(parsed.expression);
				} catch (error) {
					return log(`:watch ${parsed.expression}: ${describeError(error)}`);
				}
				return store.dispatch({type: 'show-panel', panel: 'watches'});
			case 'sampling':
				return monitor.setSampling(parsed.bytes);
			case 'eval': {
				const {expression} = parsed;
				const result = await monitor.evaluate(expression, {sideEffects: false});
				if (result.kind === 'refused') await askToRun({kind: 'eval', expression, reason: result.reason}, () => monitor.evaluate(expression, {sideEffects: true}));
				return;
			}
			case 'count': {
				const {expression} = parsed;
				const result = await monitor.count(expression, {sideEffects: false});
				if (result.kind === 'refused') await askToRun({kind: 'count', expression, reason: result.reason}, () => monitor.count(expression, {sideEffects: true}));
				return;
			}
		}
	};

	const runPrompt = () => {
		const {text} = promptLine();
		store.dispatch({type: 'prompt-close'});
		if (text.trim() === '') return;
		history.entries = withLine(history.entries, text);
		void saveHistory?.(history.entries).then(problem => problem && store.dispatch({type: 'log', t: Date.now(), level: 'warn', text: problem}));
		let parsed: ParsedLine;
		try {
			parsed = parseCommandLine(text);
		} catch (error) {
			return fail(error);
		}
		const callsTheTarget = parsed.kind === 'watch' || parsed.kind === 'eval' || parsed.kind === 'count' || parsed.kind === 'sampling';
		if (callsTheTarget && refusedWhileReconnecting()) return;
		runParsed(parsed).catch(fail);
	};

	const reply = (yes: boolean) => {
		const resolve = answer;
		answer = undefined;
		resolve?.(yes);
	};

	const handle = (command: Command): void => {
		if (callsTarget.has(command) && refusedWhileReconnecting()) return;
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
				return select(-1);
			case 'select-down':
				return select(1);
			case 'stack':
				return enter();
			case 'diff':
				return diff();
			case 'internals':
				return store.dispatch({type: 'toggle-internals'});
			case 'export':
				return void exportProfile();
			case 'pause':
				return store.dispatch({type: 'toggle-pause', t: Date.now()});
			case 'extend':
				if (extendTimeBox) return extendTimeBox();
				return store.dispatch({type: 'log', t: Date.now(), level: 'info', text: 'no time box to extend: start leaktop with --duration 15m to set one'});
			case 'help':
				return store.dispatch({type: 'toggle-help'});
			case 'escape':
				return escape();
			case 'confirm':
				return reply(true);
			case 'decline':
				return reply(false);
			case 'command-line':
				return openPrompt();
			case 'prompt-run':
				return inOrder(runPrompt);
			case 'prompt-cancel':
				return inOrder(() => store.dispatch({type: 'prompt-close'}));
			case 'prompt-complete':
				return inOrder(async () => {
					// A busy target (a snapshot, a heap walk) must not hold the line: complete commands only.
					const names = await Promise.race([globals, new Promise<string[]>(resolve => setTimeout(() => resolve([]), globalsWaitMs))]);
					if (!store.getState().prompt) return;
					const {line, candidates} = completeLine(promptLine(), names);
					setLine(line, candidates);
				});
			case 'prompt-older':
				return inOrder(() => walkHistory(older));
			case 'prompt-newer':
				return inOrder(() => walkHistory(newer));
			case 'quit':
				reply(false);
				if (quitting) onForceQuit();
				quitting = true;
				return quit('quit');
		}
	};
	return {handle, editPrompt, close: stopDiff};
}
