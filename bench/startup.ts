/**
 * Benchmark 1: time from start to first live data.
 *
 * Each run measures, one after the other against the same busy target:
 * - `node -e 0` spawn to exit: Node's own start-up on this machine (the reference);
 * - `node -e` printing one line inside tmux, found by the same pane polling as the TUI: the
 *   floor that Node plus tmux plus the polling harness put under the TUI figure;
 * - `leaktop --version` spawn to exit: Node plus loading the CLI module graph;
 * - headless `--json`: spawn to the `attached to pid` status line on stderr, and to the first
 *   NDJSON sample on stdout;
 * - the TUI in a real terminal (tmux, 80x24, CI unset so Ink renders live): `tmux new-session` to
 *   the first capture showing the memory panel, and to the first capture where the heapUsed row
 *   shows a number.
 * Kinds are interleaved run by run so that noise from other jobs on the box spreads evenly.
 */
import {
	cliPath,
	commandLine,
	isLeaktop,
	isRunning,
	now,
	pollPane,
	sessionName,
	shellQuote,
	start,
	type Target,
	tmux,
	tmuxKill,
	tmuxStart,
	waitGone,
} from './lib.js';

export const startupKinds = ['nodeBare', 'nodeTmux', 'version', 'headlessAttached', 'headlessSample', 'tuiFrame', 'tuiLive', 'headlessDetach', 'tuiQuit'] as const;
export type StartupKind = (typeof startupKinds)[number];
export type StartupRun = Record<StartupKind, number>;

/** The TUI's memory panel header row: any frame of the screen at all. */
const framePattern = /^memory\s+now/m;
/** The heapUsed row with a number in the `now` column: live data on screen. */
const livePattern = /^heapUsed\s+\d/m;

const nodeCommand = (args: string[]) => `exec env -u CI ${[process.execPath, ...args].map(shellQuote).join(' ')}`;

async function timeToExit(args: string[]): Promise<number> {
	const t0 = now();
	const p = start(process.execPath, args);
	const code = await p.exited;
	const elapsed = now() - t0;
	if (code !== 0) throw new Error(`node ${args.join(' ')} exited with ${code}: ${p.stderr().slice(-400)}`);
	return elapsed;
}

async function nodeInTmux(): Promise<number> {
	const name = sessionName('node');
	const t0 = now();
	const pid = await tmuxStart(name, nodeCommand(['-e', `process.stdout.write('node-up\\n'); setTimeout(() => {}, 10000)`]));
	try {
		const {times} = await pollPane(name, t0, [/^node-up$/m]);
		return times[0]!;
	} finally {
		await waitGone(pid, {signalFirst: 'SIGTERM'});
		await tmuxKill(name);
	}
}

async function headless(target: Target): Promise<{attached: number; sample: number; detach: number}> {
	const t0 = now();
	const p = start(process.execPath, [cliPath, '--port', String(target.inspectorPort), '--json']);
	try {
		const [attached, sample] = await Promise.all([p.when('stderr', /attached to pid \d+/), p.when('stdout', /"heapUsed":\d/)]);
		const detach = await p.stop();
		return {attached: attached - t0, sample: sample - t0, detach};
	} finally {
		await p.stop();
	}
}

async function tui(target: Target): Promise<{frame: number; live: number; quit: number}> {
	const name = sessionName('tui');
	const t0 = now();
	const pid = await tmuxStart(name, nodeCommand([cliPath, '--port', String(target.inspectorPort)]));
	try {
		const {times} = await pollPane(name, t0, [framePattern, livePattern]);
		if (!isLeaktop(pid)) throw new Error(`pane pid ${pid} is not leaktop: ${commandLine(pid)}`);
		// Quit the way a user does; the time includes the safe detach and restoring the terminal.
		const tq = now();
		await tmux(['send-keys', '-t', `=${name}:`, 'q']);
		await waitGone(pid, {termAfterMs: 5000});
		return {frame: times[0]!, live: times[1]!, quit: now() - tq};
	} finally {
		if (isRunning(pid)) await waitGone(pid, {signalFirst: 'SIGTERM'});
		await tmuxKill(name);
	}
}

export async function startupRun(target: Target): Promise<StartupRun> {
	const nodeBare = await timeToExit(['-e', '0']);
	const nodeTmux = await nodeInTmux();
	const version = await timeToExit([cliPath, '--version']);
	const h = await headless(target);
	const t = await tui(target);
	return {
		nodeBare,
		nodeTmux,
		version,
		headlessAttached: h.attached,
		headlessSample: h.sample,
		headlessDetach: h.detach,
		tuiFrame: t.frame,
		tuiLive: t.live,
		tuiQuit: t.quit,
	};
}

/** One warm-up run (discarded: cold file cache, first tmux pane), then `runs` measured ones. */
export async function startupBench(target: Target, runs: number, log: (line: string) => void): Promise<StartupRun[]> {
	await startupRun(target);
	const results: StartupRun[] = [];
	for (let i = 0; i < runs; i++) {
		const r = await startupRun(target);
		log(`startup ${i + 1}/${runs}: node -e 0 ${r.nodeBare.toFixed(0)} ms, headless sample ${r.headlessSample.toFixed(0)} ms, tui live ${r.tuiLive.toFixed(0)} ms`);
		results.push(r);
	}
	return results;
}
