/**
 * Benchmark 9: leaktop's own CPU and RSS with 10 local targets attached, side by side with 1.
 *
 * Ten targets (`dist/bench/target-app.js`, each loading itself at BENCH_TARGET_RPS=20 so its
 * heap moves) start once. leaktop then attaches, in turn: headless (`--json`) to the first
 * target, headless to all ten (`--port` repeated), the TUI (tmux 120x40) to the first, and the
 * TUI overview to all ten. Each is sampled as in benchmark 2, from its first live sample for the
 * window; the rows with one and ten targets run back to back, so their ratio is read on the same
 * machine state. Ten monitors sample at the default 1 s, each with its own allocation sampling
 * and census cadence, as a real session over a deployment would.
 */
import {type FootprintResult, sampleWindow, summarise} from './footprint.js';
import {cliPath, commandLine, isLeaktop, isRunning, mb, now, pct, pollPane, sessionName, shellQuote, start, startTarget, type Target, table, tmux, tmuxCapture, tmuxKill, tmuxStart, waitGone} from './lib.js';

export const fleetSize = 10;

export interface FleetResult extends FootprintResult {
	targets: number;
}

function portArgs(targets: readonly Target[]): string[] {
	return targets.flatMap(t => ['--port', String(t.inspectorPort)]);
}

async function headless(targets: readonly Target[], seconds: number): Promise<FleetResult> {
	const p = start(process.execPath, [cliPath, ...portArgs(targets), '--json']);
	try {
		await p.when('stdout', /"heapUsed":\d/);
		const linesBefore = p.stdout().split('\n').length;
		const samples = await sampleWindow(p.pid, seconds);
		const lines = p.stdout().split('\n').length - linesBefore;
		return {...summarise(`headless \`--json\`, ${targets.length} target${targets.length === 1 ? '' : 's'}`, false, samples, `${lines} samples in ${seconds} s (${(lines / seconds / targets.length).toFixed(2)}/s per target)`, Number.NaN), targets: targets.length};
	} finally {
		await p.stop();
	}
}

async function tui(targets: readonly Target[], seconds: number): Promise<FleetResult> {
	const name = sessionName('fleet');
	const command = `exec env -u CI ${[process.execPath, cliPath, ...portArgs(targets)].map(shellQuote).join(' ')}`;
	const pid = await tmuxStart(name, command, {columns: 120, rows: 40});
	// One target opens on its full view, several on the overview; both show a live heap number.
	const live = targets.length === 1 ? /^heapUsed\s+\d/m : new RegExp(`^127\\.0\\.0\\.1:${targets.at(-1)!.inspectorPort}\\s+\\d+\\s+\\d`, 'm');
	try {
		await pollPane(name, now(), [live], {timeoutMs: 20_000});
		if (!isLeaktop(pid)) throw new Error(`pane pid ${pid} is not leaktop: ${commandLine(pid)}`);
		const samples = await sampleWindow(pid, seconds);
		const screen = await tmuxCapture(name);
		const rows = screen.split('\n').filter(line => /^127\.0\.0\.1:\d+\s+\d+\s+\d/.test(line)).length;
		const liveCheck = targets.length === 1 ? `heapUsed ${/^heapUsed\s+(\S+ \S+)/m.exec(screen)?.[1] ?? '?'} at the end` : `${rows} live rows at the end`;
		await tmux(['send-keys', '-t', `=${name}:`, 'q']);
		await waitGone(pid, {termAfterMs: 10_000});
		return {...summarise(`TUI (tmux 120x40), ${targets.length === 1 ? '1 target' : `overview of ${targets.length}`}`, false, samples, liveCheck, Number.NaN), targets: targets.length};
	} finally {
		if (isRunning(pid)) await waitGone(pid, {signalFirst: 'SIGTERM'});
		await tmuxKill(name);
	}
}

export async function fleetBench(seconds: number, log: (line: string) => void): Promise<FleetResult[]> {
	log(`fleet: starting ${fleetSize} targets...`);
	const targets = await Promise.all(Array.from({length: fleetSize}, () => startTarget({env: {BENCH_TARGET_RPS: '20'}})));
	try {
		const results: FleetResult[] = [];
		for (const [what, measure] of [
			['headless, 1 target', () => headless(targets.slice(0, 1), seconds)],
			[`headless, ${fleetSize} targets`, () => headless(targets, seconds)],
			['TUI, 1 target', () => tui(targets.slice(0, 1), seconds)],
			[`TUI, ${fleetSize} targets`, () => tui(targets, seconds)],
		] as const) {
			log(`fleet: ${what}...`);
			const r = await measure();
			log(`fleet ${what}: ${r.cpuPercent.toFixed(2)} % CPU, RSS ${mb(r.steadyRss)} (peak ${mb(r.peakRss)})`);
			results.push(r);
		}
		return results;
	} finally {
		await Promise.all(targets.map(t => t.proc.stop()));
	}
}

export function fleetBudgetMs(seconds: number): number {
	return 4 * (seconds + 30) * 1000 + 30_000;
}

export function fleetTable(results: readonly FleetResult[]): string {
	const one = (r: FleetResult) => results.find(o => o.targets === 1 && o.label.split(',')[0] === r.label.split(',')[0]);
	return table(
		['leaktop', 'CPU (one core)', 'CPU vs 1 target', 'RSS (steady)', 'RSS vs 1 target', 'peak RSS', 'live check'],
		results.map(r => {
			const base = one(r);
			const ratio = (a: number, b: number | undefined) => (b === undefined || r.targets === 1 ? '1' : `${(a / b).toFixed(2)}x`);
			return [r.label, pct(r.cpuPercent), ratio(r.cpuPercent, base?.cpuPercent), mb(r.steadyRss), ratio(r.steadyRss, base?.steadyRss), mb(r.peakRss), r.liveCheck];
		}),
	);
}

export function fleetNotes(results: readonly FleetResult[], seconds: number): string[] {
	const headless10 = results.find(r => r.targets === fleetSize && r.label.startsWith('headless'));
	const tui10 = results.find(r => r.targets === fleetSize && r.label.startsWith('TUI'));
	return [
		`Each row is leaktop's own process over a ${seconds} s window from its first live sample: CPU time over wall time (100 % is one core), RSS as in section 2.`,
		headless10 && tui10
			? `With ${fleetSize} targets: headless ${pct(headless10.cpuPercent)} of a core and ${mb(headless10.steadyRss)}, the TUI overview ${pct(tui10.cpuPercent)} and ${mb(tui10.steadyRss)}. Per target and per sample that is ${((headless10.cpuPercent / 100) * 1000 / fleetSize).toFixed(1)} ms of CPU headless.`
			: 'A row is missing: see the log.',
		'The ten targets load themselves at 20 requests per second each, so their heaps move and every sample changes a row; their own CPU is not counted here.',
	];
}
