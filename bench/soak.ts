/**
 * Benchmark 8: a soak. `leaktop demo` (every leak scenario at once) runs in the TUI in tmux,
 * 80x24, for `minutes`, sampling every `intervalMs`. The TUI keeps its last 3600 samples (an
 * hour at the default 1 s): sampling 4 times a second fills that ring after 15 minutes, so a
 * 30-minute soak shows whether RSS stays flat once every history is at its cap. Every 10 s the benchmark reads leaktop's own RSS and CPU from /proc;
 * every minute it presses `?` and times how long the help takes to show, then `esc` and how
 * long it takes to close. The goals: leaktop's RSS stays flat (its histories are bounded rings)
 * and the screen answers keys at the end as at the start. Only reports; asserts nothing.
 */
import {cliPath, commandLine, cpuBetween, isLeaktop, now, pollPane, type ProcSample, readProc, sessionName, shellQuote, sleep, tmux, tmuxKill, tmuxStart, waitGone} from './lib.js';

export interface SoakPoint {
	atS: number;
	rss: number;
	/** leaktop's CPU over the 10 s before, % of one core. */
	cpuPercent: number;
}

export interface KeyCheck {
	atS: number;
	openMs: number;
	closeMs: number;
}

export interface SoakResult {
	minutes: number;
	intervalMs: number;
	/** When the TUI's sample ring (3600 samples) is full: from here on nothing may grow. */
	ringFullAtS: number;
	points: SoakPoint[];
	keys: KeyCheck[];
	/** heapUsed the demo app showed at the end: how much it leaked meanwhile. */
	appHeapAtEnd: string;
}

const readEveryMs = 10_000;
const keysEveryMs = 60_000;
const helpShown = /^keys \(esc or \? closes this help\)/m;

/** The TUI's history: `historySize` in src/commands/watch.ts. */
const tuiRingSamples = 3600;

export async function soakBench(minutes: number, intervalMs: number, log: (line: string) => void): Promise<SoakResult> {
	const name = sessionName('soak');
	const command = `exec env -u CI NODE_ENV=production ${shellQuote(process.execPath)} ${shellQuote(cliPath)} demo --interval ${intervalMs}ms`;
	const ringFullAtS = (tuiRingSamples * intervalMs) / 1000;
	const pid = await tmuxStart(name, command);
	try {
		const t0 = now();
		await pollPane(name, t0, [/^heapUsed\s+\d/m], {timeoutMs: 30_000});
		if (!isLeaktop(pid)) throw new Error(`pane pid ${pid} is not leaktop: ${commandLine(pid)}`);
		const points: SoakPoint[] = [];
		const keys: KeyCheck[] = [];
		let previous: ProcSample = readProc(pid);
		const end = t0 + minutes * 60_000;
		let nextKeys = t0 + keysEveryMs;
		while (now() < end) {
			await sleep(Math.min(readEveryMs, end - now()));
			const reading = readProc(pid);
			points.push({atS: Math.round((reading.t - t0) / 1000), rss: reading.rss, cpuPercent: cpuBetween(previous, reading)});
			previous = reading;
			if (now() >= nextKeys) {
				nextKeys += keysEveryMs;
				keys.push(await timeKeys(name, Math.round((now() - t0) / 1000)));
				// The key checks cost CPU: the next reading starts after them.
				previous = readProc(pid);
			}
			if (points.length % 30 === 0) log(`soak: ${Math.round((now() - t0) / 60_000)} of ${minutes} minutes, leaktop RSS ${(reading.rss / 1e6).toFixed(1)} MB`);
		}
		const screen = await tmux(['capture-pane', '-p', '-t', `=${name}:`]);
		const appHeapAtEnd = /^heapUsed\s+([\d.]+ [KMG]?B)/m.exec(screen)?.[1] ?? 'not shown';
		await tmux(['send-keys', '-t', `=${name}:`, 'q']);
		await waitGone(pid, {termAfterMs: 10_000});
		return {minutes, intervalMs, ringFullAtS, points, keys, appHeapAtEnd};
	} finally {
		await tmuxKill(name);
	}
}

async function timeKeys(name: string, atS: number): Promise<KeyCheck> {
	const opened = now();
	await tmux(['send-keys', '-t', `=${name}:`, '?']);
	const {times: [openMs]} = await pollPane(name, opened, [helpShown], {timeoutMs: 10_000});
	const closing = now();
	await tmux(['send-keys', '-t', `=${name}:`, 'Escape']);
	let closeMs = Number.NaN;
	while (Number.isNaN(closeMs)) {
		const screen = await tmux(['capture-pane', '-p', '-t', `=${name}:`]);
		if (!helpShown.test(screen)) closeMs = now() - closing;
		else if (now() - closing > 10_000) throw new Error(`the help did not close within 10 s at ${atS} s`);
		else await sleep(10);
	}
	return {atS, openMs: openMs!, closeMs};
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** Least-squares slope of RSS over the points at or after `fromS`, in MB/h; NaN with fewer than 2. */
function rssSlopeMBPerHour(points: SoakPoint[], fromS: number): number {
	const settled = points.filter(p => p.atS >= fromS);
	const n = settled.length;
	if (n < 2) return Number.NaN;
	const meanX = settled.reduce((s, p) => s + p.atS, 0) / n;
	const meanY = settled.reduce((s, p) => s + p.rss, 0) / n;
	const slope = settled.reduce((s, p) => s + (p.atS - meanX) * (p.rss - meanY), 0) / settled.reduce((s, p) => s + (p.atS - meanX) ** 2, 0);
	return (slope * 3600) / 1e6;
}

/**
 * RSS at the first full minute, when the ring fills, at the end and at its highest; the slope
 * from minute 5 on, and from a minute after the ring is full (a GC cycle's slack) to the end.
 */
export function soakSummary({points, ringFullAtS}: SoakResult): {rssAt1Min: number; rssAtRingFull: number; rssEnd: number; rssPeak: number; slopeMBPerHour: number; slopeFullMBPerHour: number} {
	return {
		rssAt1Min: points.find(p => p.atS >= 60)?.rss ?? Number.NaN,
		rssAtRingFull: points.find(p => p.atS >= ringFullAtS)?.rss ?? Number.NaN,
		rssEnd: points.at(-1)?.rss ?? Number.NaN,
		rssPeak: Math.max(...points.map(p => p.rss)),
		slopeMBPerHour: rssSlopeMBPerHour(points, 300),
		slopeFullMBPerHour: rssSlopeMBPerHour(points, ringFullAtS + 60),
	};
}

export function soakTable(result: SoakResult): string {
	const {rssAt1Min, rssAtRingFull, rssEnd, rssPeak, slopeMBPerHour, slopeFullMBPerHour} = soakSummary(result);
	const fullAt = `${Math.round(result.ringFullAtS / 60)} min`;
	const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? Number.NaN;
	const cpu = result.points.map(p => p.cpuPercent);
	const firstKeys = result.keys.slice(0, 5);
	const lastKeys = result.keys.slice(-5);
	const ms = (xs: number[]) => `${Math.round(median(xs))} ms`;
	return [
		'| measurement | value |',
		'| :--- | ---: |',
		`| sample interval | ${result.intervalMs} ms |`,
		`| leaktop RSS after 1 minute | ${mb(rssAt1Min)} |`,
		`| leaktop RSS when the 3600-sample history is full (${fullAt}) | ${mb(rssAtRingFull)} |`,
		`| leaktop RSS at the end (${result.minutes} min) | ${mb(rssEnd)} |`,
		`| leaktop RSS, highest | ${mb(rssPeak)} |`,
		`| RSS slope from minute 5 on | ${slopeMBPerHour.toFixed(1)} MB/h |`,
		`| RSS slope once the history is full (from ${fullAt} + 1 min) | ${slopeFullMBPerHour.toFixed(1)} MB/h |`,
		`| leaktop CPU, median of 10 s windows | ${median(cpu).toFixed(2)} % |`,
		`| \`?\` to help on screen, first 5 minutes (median) | ${ms(firstKeys.map(k => k.openMs))} |`,
		`| \`?\` to help on screen, last 5 minutes (median) | ${ms(lastKeys.map(k => k.openMs))} |`,
		`| \`esc\` to help gone, last 5 minutes (median) | ${ms(lastKeys.map(k => k.closeMs))} |`,
		`| slowest key check | ${Math.round(Math.max(...result.keys.flatMap(k => [k.openMs, k.closeMs])))} ms |`,
		`| the demo app's heapUsed at the end | ${result.appHeapAtEnd} |`,
	].join('\n');
}

export function soakNotes(result: SoakResult): string[] {
	return [
		`leaktop's RSS every 10 s (MB): ${result.points.filter((_, i) => i % 6 === 5).map(p => (p.rss / 1e6).toFixed(1)).join(', ')} (one a minute shown).`,
		`Key checks (open/close ms, one a minute): ${result.keys.map(k => `${Math.round(k.openMs)}/${Math.round(k.closeMs)}`).join(', ')}.`,
	];
}
