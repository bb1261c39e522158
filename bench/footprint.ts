/**
 * Benchmark 2: leaktop's own footprint while attached at the default 1 s interval.
 *
 * leaktop runs against the busy target, once in the TUI (tmux, 80x24, CI unset) and once
 * headless (`--json`, stdout read by the benchmark). From the first live sample on, the
 * benchmark reads leaktop's own /proc/<pid>/stat (utime + stime) and /proc/<pid>/status
 * (VmRSS, VmHWM) once a second for the window. CPU % of one core is the CPU time spent in the
 * window over the window's wall time; start-up CPU is what the process had used by the time the
 * first sample was on screen. The pane is not polled during the window (polling costs CPU on
 * a 2-core box); it is read once at the end to check the screen is still live.
 *
 * Two short reference rows follow, sampled the same way: an idle `node` and an idle `node`
 * that has only imported Ink, so readers can see how much of the TUI's RSS and CPU is Node's
 * own and how much the Ink/React/Yoga stack costs before it renders anything.
 */
import {
	clockTicks,
	cliPath,
	cpuBetween,
	idlePath,
	commandLine,
	isLeaktop,
	isRunning,
	median,
	now,
	pollPane,
	type ProcSample,
	readProc,
	sessionName,
	shellQuote,
	sleep,
	start,
	type Target,
	targetStats,
	tmux,
	tmuxCapture,
	tmuxKill,
	tmuxStart,
	waitGone,
} from './lib.js';

export interface FootprintResult {
	label: string;
	/** Reference rows (idle Node, idle Node with Ink loaded) are not leaktop; no goal applies. */
	reference: boolean;
	windowMs: number;
	/** CPU % of one core over the window. */
	cpuPercent: number;
	/** CPU % of one core over the second half of the window. */
	cpuPercentSecondHalf: number;
	/** The busiest one-second step of the window (100 Hz ticks: 1 % resolution). */
	maxSecondCpuPercent: number;
	/** CPU seconds used from exec to the first live sample. */
	startupCpuSeconds: number;
	firstRss: number;
	steadyRss: number;
	endRss: number;
	peakRss: number;
	/** headless: NDJSON samples received in the window; tui: heapUsed shown at the end. */
	liveCheck: string;
	/** Requests per second the target served during the window (NaN for reference rows). */
	targetRps: number;
}

export function summarise(label: string, reference: boolean, samples: ProcSample[], liveCheck: string, targetRps: number): FootprintResult {
	const first = samples[0]!;
	const last = samples[samples.length - 1]!;
	let maxSecondCpuPercent = 0;
	for (let i = 1; i < samples.length; i++) maxSecondCpuPercent = Math.max(maxSecondCpuPercent, cpuBetween(samples[i - 1]!, samples[i]!));
	const secondHalf = samples.slice(Math.floor(samples.length / 2));
	return {
		label,
		reference,
		windowMs: last.t - first.t,
		cpuPercent: cpuBetween(first, last),
		cpuPercentSecondHalf: cpuBetween(secondHalf[0]!, last),
		maxSecondCpuPercent,
		startupCpuSeconds: first.cpuTicks / clockTicks,
		firstRss: first.rss,
		steadyRss: median(secondHalf.map(s => s.rss)),
		endRss: last.rss,
		peakRss: Math.max(...samples.map(s => s.hwm)),
		liveCheck,
		targetRps,
	};
}

/** Reads /proc for `pid` now and once a second after, `seconds` times. */
export async function sampleWindow(pid: number, seconds: number): Promise<ProcSample[]> {
	const samples = [readProc(pid)];
	const t0 = samples[0]!.t;
	for (let i = 1; i <= seconds; i++) {
		await sleep(Math.max(0, t0 + i * 1000 - now()));
		if (!isRunning(pid)) throw new Error(`leaktop (pid ${pid}) exited during the footprint window`);
		samples.push(readProc(pid));
	}
	return samples;
}

const rps = (before: {served: number; uptimeMs: number}, after: {served: number; uptimeMs: number}) =>
	((after.served - before.served) / (after.uptimeMs - before.uptimeMs)) * 1000;

async function headlessFootprint(target: Target, seconds: number): Promise<FootprintResult> {
	const p = start(process.execPath, [cliPath, '--port', String(target.inspectorPort), '--json']);
	try {
		await p.when('stdout', /"heapUsed":\d/);
		const before = await targetStats(target);
		const linesBefore = p.stdout().split('\n').length;
		const samples = await sampleWindow(p.pid, seconds);
		const lines = p.stdout().split('\n').length - linesBefore;
		const after = await targetStats(target);
		return summarise('headless `--json`', false, samples, `${lines} samples in ${seconds} s`, rps(before, after));
	} finally {
		await p.stop();
	}
}

async function tuiFootprint(target: Target, seconds: number): Promise<FootprintResult> {
	const name = sessionName('footprint');
	const t0 = now();
	const command = `exec env -u CI ${[process.execPath, cliPath, '--port', String(target.inspectorPort)].map(shellQuote).join(' ')}`;
	const pid = await tmuxStart(name, command);
	try {
		await pollPane(name, t0, [/^heapUsed\s+\d/m]);
		if (!isLeaktop(pid)) throw new Error(`pane pid ${pid} is not leaktop: ${commandLine(pid)}`);
		const before = await targetStats(target);
		const firstScreen = await tmuxCapture(name);
		const samples = await sampleWindow(pid, seconds);
		const after = await targetStats(target);
		const lastScreen = await tmuxCapture(name);
		const heap = /^heapUsed\s+(\S+ \S+)/m.exec(lastScreen)?.[1] ?? '?';
		// The header's "up Ns" is the target's uptime from the latest sample: it must have moved.
		const uptime = (screen: string) => /\bup (\S+)/.exec(screen)?.[1] ?? '?';
		const liveCheck = `heapUsed ${heap}; target uptime on screen ${uptime(firstScreen)} -> ${uptime(lastScreen)}`;
		await tmux(['send-keys', '-t', `=${name}:`, 'q']);
		await waitGone(pid, {termAfterMs: 5000});
		return summarise('TUI (tmux 80x24)', false, samples, liveCheck, rps(before, after));
	} finally {
		if (isRunning(pid)) await waitGone(pid, {signalFirst: 'SIGTERM'});
		await tmuxKill(name);
	}
}

/** An idle Node process (optionally with Ink loaded), sampled the same way for a short window. */
async function referenceFootprint(label: string, args: string[], seconds: number): Promise<FootprintResult> {
	const p = start(process.execPath, [idlePath, ...args]);
	try {
		await p.when('stdout', /ready/);
		return summarise(label, true, await sampleWindow(p.pid, seconds), 'reference', Number.NaN);
	} finally {
		await p.stop();
	}
}

export const referenceSeconds = 5;

export async function footprintBench(target: Target, seconds: number, log: (line: string) => void): Promise<FootprintResult[]> {
	const runs: [string, () => Promise<FootprintResult>][] = [
		['tui', () => tuiFootprint(target, seconds)],
		['headless', () => headlessFootprint(target, seconds)],
		['idle node', () => referenceFootprint('reference: idle `node`', [], referenceSeconds)],
		['idle node + ink', () => referenceFootprint("reference: idle `node` after `import('ink')`", ['--ink'], referenceSeconds)],
	];
	const results: FootprintResult[] = [];
	for (const [what, measure] of runs) {
		log(`footprint: ${what}...`);
		const r = await measure();
		log(`footprint ${what}: ${r.cpuPercent.toFixed(2)} % CPU, RSS ${(r.steadyRss / 1e6).toFixed(1)} MB (peak ${(r.peakRss / 1e6).toFixed(1)} MB)`);
		results.push(r);
	}
	return results;
}
