/**
 * Benchmark 4: what attaching leaktop costs a busy HTTP server, at each sampling interval.
 *
 * Two identical targets run side by side. Each is bench/target-app.ts with its self-load off
 * (BENCH_TARGET_RPS=0), started with `--inspect=127.0.0.1:0`. Both are pinned to CPU 0, where
 * they split the core. Each has its own load generator (bench/load.ts), and the generators and
 * leaktop run on CPU 1. In each run leaktop attaches to one target of the pair, and the other
 * target is the reference at the very same time. Both get the same share of the core, so a
 * target with leaktop attached serves fewer requests only because leaktop makes it do extra
 * work: the CDP calls it answers, the census, the sampling profiler.
 *
 * Why the pair: on this shared 2-core VM, one target alone on its core served anywhere from
 * 13k to 19k req/s in back-to-back 10 s runs of the same setting, at the same ~97 % CPU. That
 * is far more than the 3 % the goal is about. The box's speed drifts, and both targets of a
 * pair drift together, so their ratio stays within about 1-2 %.
 *
 * Rows alternate within each round, and each round starts one row later than the previous one.
 * Which target gets leaktop alternates between runs, which cancels any difference between the
 * two targets. The `none` row attaches nothing and measures the pair's own noise floor.
 *
 * Every run starts a fresh pair: a listener census leaves a busy target slower for minutes,
 * even after leaktop detaches (it clears V8's inline caches), so a target that had leaktop
 * attached in one run would still carry that in the next. Both loads start together, and
 * leaktop attaches headless (`--headless --port P [--sampling X]`) to the loaded target, as it
 * would to a server in production: its census gate then sees a busy event loop. The first
 * `warmupSeconds` of load are not counted (the JIT warms up, leaktop attaches). After the window
 * leaktop gets SIGTERM, and the run waits for it to exit. Only reports; asserts nothing.
 */
import {
	benchFile,
	canPin,
	type Child,
	cliPath,
	cpuBetween,
	loadPath,
	median,
	pct,
	pinnedCommand,
	type ProcSample,
	readProc,
	readSamplingSummary,
	type SamplingSummary,
	samplingText,
	start,
	table,
	type Target,
	unusualStderr,
} from './lib.js';
import type {LoadResult} from './load.js';

export interface OverheadRow {
	key: string;
	label: string;
	/** leaktop's extra flags; null: no leaktop attached (the pair's noise floor). */
	leaktopArgs: string[] | null;
}

export const overheadRows: readonly OverheadRow[] = [
	{key: 'none', label: 'no leaktop attached (noise floor: target vs target)', leaktopArgs: null},
	{key: 'off', label: 'leaktop `--sampling off`', leaktopArgs: ['--sampling', 'off']},
	{key: 'census-off', label: 'leaktop `--census off --sampling off`', leaktopArgs: ['--census', 'off', '--sampling', 'off']},
	{key: 'default', label: 'leaktop, defaults (512 KiB sampling, census on: waits while the target is busy)', leaktopArgs: []},
	{key: 'census-always', label: 'leaktop `--census always`, default sampling (512 KiB)', leaktopArgs: ['--census', 'always']},
	{key: 'census-off-default', label: 'leaktop `--census off`, default sampling (512 KiB)', leaktopArgs: ['--census', 'off']},
	{key: '128KiB', label: 'leaktop `--sampling 128KiB`', leaktopArgs: ['--sampling', '128KiB']},
	{key: '32KiB', label: 'leaktop `--sampling 32KiB`', leaktopArgs: ['--sampling', '32KiB']},
	{key: '4KiB', label: 'leaktop `--sampling 4KiB`', leaktopArgs: ['--sampling', '4KiB']},
];

export interface OverheadOptions {
	/** A subset of overheadRows (`--rows`). */
	rows: readonly OverheadRow[];
	rounds: number;
	/** The counted load window of each run. */
	seconds: number;
	/** Keep-alive connections per load generator. */
	connections: number;
}

/** Load before the counted window: a fresh target's JIT warms up, and leaktop attaches. */
export const warmupSeconds = 5;
/** Both targets share CPU 0; the load generators and leaktop share CPU 1. */
export const targetCpus = [0];
export const clientCpus = [1];
export const overheadTargetEnv = {BENCH_TARGET_RPS: '0'};
/** How long leaktop may take to detach after SIGTERM before it is killed (and the run fails). */
export const leaktopExitMs = 15_000;

export type Pair = readonly [Target, Target];

export interface OverheadRun extends TwinRun {
	row: OverheadRow;
	round: number;
	/** Which target of the pair leaktop attached to (the first one in the `none` row's runs, with nothing attached). */
	measured: 0 | 1;
	/** leaktop's own CPU over the window; NaN without leaktop. */
	leaktopCpuPercent: number;
	/** What leaktop printed on stderr besides its attach, verdict and report lines. */
	leaktopUnusual: string[];
	/** What leaktop's report says about sampling; undefined without leaktop. */
	sampling: SamplingSummary | undefined;
}

export interface OverheadResult {
	options: OverheadOptions;
	runs: OverheadRun[];
	/** Whether taskset pinned the processes as described. */
	pinned: boolean;
}

/** About the expected wall time: each run is the window, the warm-up and 2-3 s of start, attach and detach. */
export const overheadExpectedMs = ({rows, rounds, seconds}: OverheadOptions) => rounds * rows.length * (seconds + warmupSeconds + 3) * 1000;
/** For the watchdog: well past the expected time. */
export const overheadBudgetMs = (options: OverheadOptions) => 2 * overheadExpectedMs(options) + 60_000;

export async function runLoad(target: Target, options: Pick<OverheadOptions, 'seconds' | 'connections'>, onWindow: (edge: 'start' | 'end') => void): Promise<LoadResult> {
	const args = [loadPath, '--port', String(target.httpPort), '--connections', String(options.connections), '--seconds', String(options.seconds), '--warmup', String(warmupSeconds)];
	const load = start(...pinnedCommand(clientCpus, process.execPath, args));
	try {
		await load.when('stdout', /^window start$/m, (warmupSeconds + 10) * 1000);
		onWindow('start');
		await load.when('stdout', /^\{.*\}$/m, (options.seconds + 10) * 1000);
		onWindow('end');
		const code = await load.exited;
		if (code !== 0) throw new Error(`the load generator exited with ${code}: ${load.stderr().slice(-400)}`);
		return JSON.parse(/^\{.*\}$/m.exec(load.stdout())![0]) as LoadResult;
	} finally {
		await load.stop();
	}
}

interface Readings {
	targets: [ProcSample, ProcSample];
	leaktop: ProcSample | undefined;
}

/**
 * Loads both targets at once. /proc is read when the first target's window opens and when
 * it closes; both generators start together, so their windows match to within milliseconds.
 */
async function runPairLoad(pair: Pair, options: OverheadOptions, leaktop: () => Child | undefined) {
	const read = (): Readings => {
		const attached = leaktop();
		return {targets: [readProc(pair[0].proc.pid), readProc(pair[1].proc.pid)], leaktop: attached && readProc(attached.pid)};
	};
	const readings: Partial<Record<'start' | 'end', Readings>> = {};
	const loads = await Promise.all([
		runLoad(pair[0], options, edge => (readings[edge] = read())),
		runLoad(pair[1], options, () => undefined),
	]);
	return {loads, first: readings.start!, last: readings.end!};
}

async function measureRow(pair: Pair, row: OverheadRow, round: number, measured: 0 | 1, options: OverheadOptions): Promise<OverheadRun> {
	const target = pair[measured];
	const other = (1 - measured) as 0 | 1;
	let leaktop: Child | undefined;
	const reportPath = benchFile(`overhead-${row.key}-${round}.json`);
	const loadStarted = Date.now();
	const pairLoad = runPairLoad(pair, options, () => leaktop);
	pairLoad.catch(() => undefined);
	try {
		if (row.leaktopArgs) {
			const args = [cliPath, '--headless', '--port', String(target.inspectorPort), '--report', reportPath, ...row.leaktopArgs];
			leaktop = start(...pinnedCommand(clientCpus, process.execPath, args));
			await leaktop.when('stderr', /attached to pid/, warmupSeconds * 1000);
			if (Date.now() - loadStarted > (warmupSeconds - 1) * 1000) throw new Error(`leaktop took ${Date.now() - loadStarted} ms to attach: too close to the counted window`);
		}
		const {loads, first, last} = await pairLoad;
		let leaktopUnusual: string[] = [];
		if (leaktop) {
			if (leaktop.child.exitCode !== null) throw new Error(`leaktop exited during the load window: ${leaktop.stderr().slice(-400)}`);
			// The safe detach stops the profiler and writes the report; give it time before SIGKILL.
			await leaktop.stop(leaktopExitMs);
			const code = await leaktop.exited;
			leaktopUnusual = unusualStderr(leaktop.stderr());
			if (code !== 0) throw new Error(`leaktop ${row.leaktopArgs!.join(' ')} exited with ${code}: ${leaktop.stderr().slice(-400)}`);
		}
		return {
			row,
			round,
			measured,
			load: loads[measured],
			reference: loads[other],
			targetCpuPercent: cpuBetween(first.targets[measured], last.targets[measured]),
			referenceCpuPercent: cpuBetween(first.targets[other], last.targets[other]),
			leaktopCpuPercent: first.leaktop && last.leaktop ? cpuBetween(first.leaktop, last.leaktop) : Number.NaN,
			leaktopUnusual,
			sampling: leaktop ? readSamplingSummary(reportPath) : undefined,
		};
	} finally {
		await leaktop?.stop();
		await pairLoad.catch(() => undefined);
	}
}

/** `startPair`: two fresh HTTP targets started with `overheadTargetEnv`, both pinned to `targetCpus`; each run stops its pair. */
export async function overheadBench(startPair: () => Promise<Pair>, options: OverheadOptions, log: (line: string) => void): Promise<OverheadResult> {
	const runs: OverheadRun[] = [];
	const {rows} = options;
	for (let round = 0; round < options.rounds; round++) {
		for (let i = 0; i < rows.length; i++) {
			const row = rows[(i + round) % rows.length]!;
			// Alternate the measured target from run to run (and so, for each row, from round to round).
			const measured = ((round * rows.length + i) % 2) as 0 | 1;
			const pair = await startPair();
			let run: OverheadRun;
			try {
				run = await measureRow(pair, row, round, measured, options);
			} finally {
				for (const target of pair) await target.proc.stop();
			}
			log(
				`overhead round ${round + 1}/${options.rounds}, ${row.key} on target ${measured ? 'B' : 'A'}: ${Math.round(run.load.rps)} vs ${Math.round(run.reference.rps)} req/s ` +
					`(ratio ${(run.load.rps / run.reference.rps).toFixed(3)}), target CPU ${run.targetCpuPercent.toFixed(0)} % vs ${run.referenceCpuPercent.toFixed(0)} %`,
			);
			runs.push(run);
		}
	}
	return {options, runs, pinned: canPin([...targetCpus, ...clientCpus])};
}

// ---------------------------------------------------------------------------------------------
// Report

/** What a run of two twins under the same load measured: benchmark 4's runs and the agent's (10). */
export interface TwinRun {
	/** The load on the measured target, and on the other one at the same time. */
	load: LoadResult;
	reference: LoadResult;
	/** The measured target's CPU and the reference's over the window, % of one core. */
	targetCpuPercent: number;
	referenceCpuPercent: number;
}

export const lossText = (ratio: number) => `${((1 - ratio) * 100).toFixed(1)} %`;
export const rpsText = (x: number) => String(Math.round(x));
export const ratioOf = (run: TwinRun) => run.load.rps / run.reference.rps;
/**
 * The same ratio per second of each target's own CPU time. CFS shares CPU 0 between threads,
 * so a target whose helper threads get busier takes a larger share and hides part of its loss
 * in req/s; this figure does not. It is what one core of its own (a one-CPU container) would
 * show, where every thread of the target competes for that core.
 */
const cpuRatioOf = (run: TwinRun) => run.load.rps / run.targetCpuPercent / (run.reference.rps / run.referenceCpuPercent);

/**
 * The columns every twin table starts with, after the row's label: req/s (median, range), the
 * twin's, the loss in req/s (median, best to worst) and per CPU-second (median); with the
 * losses, for the goal column.
 */
export function twinCells(runs: readonly TwinRun[]): {cells: string[]; loss: number; cpuLoss: number; cpuRatios: number[]} {
	const ratios = runs.map(ratioOf);
	const cpuRatios = runs.map(cpuRatioOf);
	const rps = runs.map(r => r.load.rps);
	return {
		cells: [
			rpsText(median(rps)),
			`${rpsText(Math.min(...rps))} - ${rpsText(Math.max(...rps))}`,
			rpsText(median(runs.map(r => r.reference.rps))),
			lossText(median(ratios)),
			`${lossText(Math.max(...ratios))} to ${lossText(Math.min(...ratios))}`,
			lossText(median(cpuRatios)),
		],
		loss: 1 - median(ratios),
		cpuLoss: 1 - median(cpuRatios),
		cpuRatios,
	};
}

export const overheadGoalRow = 'default';
const goalLoss = 0.03;

export function overheadTable(result: OverheadResult): string {
	const rows = result.options.rows.map(row => {
		const runs = result.runs.filter(r => r.row.key === row.key);
		const {cells, loss, cpuLoss, cpuRatios} = twinCells(runs);
		return [
			row.label,
			...cells,
			`${lossText(Math.max(...cpuRatios))} to ${lossText(Math.min(...cpuRatios))}`,
			`${pct(median(runs.map(r => r.targetCpuPercent)))} / ${pct(median(runs.map(r => r.referenceCpuPercent)))}`,
			`${median(runs.map(r => r.load.p99Ms)).toFixed(1)} ms`,
			row.leaktopArgs === null ? '' : pct(median(runs.map(r => r.leaktopCpuPercent))),
			row.key === overheadGoalRow ? `<= 3 %: req/s ${loss <= goalLoss ? 'met' : 'NOT met'}, per CPU-second ${cpuLoss <= goalLoss ? 'met' : 'NOT met'}` : '',
		];
	});
	return table(
		['row', 'req/s, measured target (median)', 'req/s, measured (min - max)', 'req/s, the other target at the same time (median)', 'loss in req/s (median of the per-run ratios)', 'loss in req/s, best to worst run', 'loss per CPU-second (median)', 'loss per CPU-second, best to worst', 'CPU, measured / other (median)', 'p99 latency, measured (median)', 'leaktop CPU (median)', 'goal'],
		rows,
	);
}

export function overheadNotes(result: OverheadResult): string[] {
	const {rows, rounds, seconds, connections} = result.options;
	const perRun = rows
		.map(row => `${row.key} ${result.runs.filter(r => r.row.key === row.key).map(r => `${rpsText(r.load.rps)}/${rpsText(r.reference.rps)}`).join(', ')}`)
		.join('; ');
	const sampling = rows
		.filter(row => row.leaktopArgs !== null)
		.map(row => `${row.key}: ${result.runs.filter(r => r.row.key === row.key).map(r => samplingText(r.sampling)).join(' / ')}`)
		.join('; ');
	const unusual = [...new Set(result.runs.flatMap(r => r.leaktopUnusual.map(line => `${r.row.key}: ${line}`)))];
	const cpu = median(result.runs.flatMap(r => [r.targetCpuPercent, r.referenceCpuPercent]));
	const loadCpu = median(result.runs.flatMap(r => [r.load.cpuPercent, r.reference.cpuPercent]));
	return [
		`${rounds} rounds of ${rows.length} rows, ${seconds} s counted per run after ${warmupSeconds} s of uncounted load, ${connections} keep-alive connections per target; ` +
			'every run started a fresh pair of targets, because a census leaves a target slower for minutes, even after leaktop detaches.',
		result.pinned
			? `Cores: both targets were pinned to CPU 0 (taskset) and split it, a median ${cpu.toFixed(0)} % of the core each. The two load generators (a median ${loadCpu.toFixed(0)} % of a core each) and leaktop shared CPU 1, so leaktop's own CPU did not come out of the targets' core.`
			: `Cores: taskset was unavailable or the box has one CPU, so the targets, the load generators and leaktop shared the cores as the scheduler chose. The loss then includes some of leaktop's own CPU.`,
		'The loss in req/s of a run is 1 - (req/s of the target leaktop was attached to) / (req/s of the other target in the same window). The loss per CPU-second divides each req/s by that target\'s own CPU over the window first. The table gives the median over the rounds and the best and worst run. The `none` row attaches nothing, so its spread is the noise floor of the method.',
		"Which loss to read: work leaktop causes on the measured target's main thread lowers both. Work on its helper threads (V8's concurrent GC, the inspector's I/O thread) also runs on CPU 0, and CFS gives the busier process a larger share of the core, so req/s understates that part; the loss per CPU-second counts it in full, as one core of its own (a one-CPU container) would. On a machine with spare cores, helper threads run beside the main thread and the req/s figure is closer.",
		`Requests per second of each run, in round order, measured / other: ${perRun}.`,
		`Allocation sampling per leaktop run, from its \`--report\` (each session lasts about ${seconds + warmupSeconds} s): ${sampling}.`,
		unusual.length
			? `leaktop printed these lines besides its attach, verdict and report lines: ${unusual.map(line => `"${line}"`).join('; ')}.`
			: 'leaktop printed nothing on stderr besides its attach, verdict and report lines in any run.',
	];
}
