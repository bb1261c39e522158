/**
 * Benchmark 10: what the in-process agent (`node --import leaktop/agent app.js`) costs the app
 * it runs in: throughput, memory, and the cost it reports itself.
 *
 * Throughput, as benchmark 4 measures leaktop over CDP: two copies of the busy HTTP target
 * (bench/target-app.ts, self-load off, no `--inspect`: a production process) run side by side,
 * both pinned to CPU 0, each driven by its own load generator (bench/load.ts) on CPU 1. One of
 * them is started with `--import dist/src/agent/register.js` and the row's LEAKTOP_* settings,
 * the other without the agent; the one without is the reference at the very same time, so the
 * machine's drift cancels in their ratio. The agent's work (its samples over the in-process
 * inspector session, prom-client's default metrics, answering scrapes) runs inside the app, on
 * CPU 0. Every run starts a fresh pair; rows rotate within each round, and which twin carries
 * the agent alternates. The `none` row starts both without the agent: the method's noise floor.
 * The `off` row switches the agent off with SIGUSR2 once it serves (its modules loaded,
 * prom-client's default metrics and the server still running, no inspector session, no samples):
 * against `default`, what collecting itself costs.
 * The agent's /metrics is scraped when the counted window opens and after it closes (its
 * collector time and samples over the window); the `1s-scraped` row also scrapes it every second
 * from the start of the load, as a harsh Prometheus would.
 *
 * Memory: one app per row, all at once, with the target's own self-load (200 req/s), unpinned.
 * /proc/<pid>/status (VmRSS) and the app's /stats (heapUsed) are read once a second for the
 * window; the table gives the medians of its second half and the difference from the app
 * without the agent in the same round. Then each agent is scraped `scrapes` times, alternating
 * with the app's own /stats (the cost of an HTTP request on the same process), one at a time.
 *
 * Render at a full history: bench/agent-render.ts times the same render path over a store
 * filled with 6 hours of samples, and the heap that history holds, which the short windows
 * above cannot reach. Only reports; asserts nothing. Every process is stopped by pid.
 */
import {execFileSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import type {RenderResult} from './agent-render.js';
import {
	agentRegisterPath,
	canPin,
	cpuBetween,
	mb,
	median,
	now,
	pct,
	percentile,
	type ProcSample,
	readProc,
	sleep,
	startTarget,
	type Target,
	table,
	waitForText,
} from './lib.js';
import {clientCpus, lossText, overheadTargetEnv, ratioOf, rpsText, runLoad, targetCpus, twinCells, type TwinRun, warmupSeconds} from './overhead.js';

const agentRenderPath = fileURLToPath(new URL('./agent-render.js', import.meta.url));

export interface AgentRow {
	key: string;
	label: string;
	/** The agent's LEAKTOP_* settings beyond the metrics port; null: no agent. */
	env: Record<string, string> | null;
	/** Scrape /metrics this often from the start of the load; null: only at the window's edges. */
	scrapeEveryMs: number | null;
	/** Switch collection off with SIGUSR2 once the agent serves: what a loaded but idle agent costs. */
	switchedOff?: boolean;
}

export const agentRows: readonly AgentRow[] = [
	{key: 'none', label: 'no agent (noise floor: app vs app)', env: null, scrapeEveryMs: null},
	{key: 'default', label: 'agent, defaults (10 s interval, sampling off, census off)', env: {}, scrapeEveryMs: null},
	{key: 'off', label: 'agent loaded, collection switched off (`kill -USR2`): its modules, prom-client\'s default metrics and the server only', env: {}, scrapeEveryMs: null, switchedOff: true},
	{key: '1s', label: 'agent, `LEAKTOP_INTERVAL=1s`', env: {LEAKTOP_INTERVAL: '1s'}, scrapeEveryMs: null},
	{key: '1s-scraped', label: 'agent, `LEAKTOP_INTERVAL=1s`, /metrics scraped every 1 s', env: {LEAKTOP_INTERVAL: '1s'}, scrapeEveryMs: 1000},
];
const noAgent = agentRows[0]!;

export interface AgentOptions {
	rows: readonly AgentRow[];
	/** Throughput rounds (`--runs`, 5). */
	rounds: number;
	/** The counted load window of each throughput run (`--seconds`, 30). */
	seconds: number;
	connections: number;
	/** Memory rounds, and each one's window (`--seconds`, 60). */
	memoryRounds: number;
	memorySeconds: number;
	/** Scrapes timed per agent after each memory window. */
	scrapes: number;
}

export const agentGoalRow = 'default';
const goalLoss = 0.01;
/** Renders timed at a full history, per interval. */
const renderRuns = 50;

/** LEAKTOP_* from the benchmark's own environment must not reach either twin. */
const cleanEnv: NodeJS.ProcessEnv = {LEAKTOP_METRICS_PORT: undefined, LEAKTOP_INTERVAL: undefined, LEAKTOP_SAMPLING: undefined, LEAKTOP_CENSUS: undefined};

export const agentExpectedMs = (o: AgentOptions) => o.rounds * o.rows.length * (o.seconds + warmupSeconds + 3) * 1000 + o.memoryRounds * (o.memorySeconds + 15) * 1000 + 20_000;
export const agentBudgetMs = (o: AgentOptions) => 2 * agentExpectedMs(o) + 60_000;

interface App extends Target {
	/** The agent's /metrics; undefined without the agent. */
	metricsUrl: string | undefined;
}

/** The target app, with the agent and the row's settings when the row has them. */
async function startApp(row: AgentRow, env: NodeJS.ProcessEnv, cpus: readonly number[] | undefined): Promise<App> {
	const withAgent = row.env !== null;
	const target = await startTarget({
		noInspect: true,
		nodeArgs: withAgent ? ['--import', agentRegisterPath] : [],
		env: {...cleanEnv, ...env, ...(withAgent ? {LEAKTOP_METRICS_PORT: '127.0.0.1:0', ...row.env} : {})},
		...(cpus ? {cpus} : {}),
	});
	if (!withAgent) return {...target, metricsUrl: undefined};
	try {
		const [line, url] = await waitForText(target.proc.stderr, /^leaktop agent: (?:serving (http:\/\/\S+\/metrics)|.*the agent is off)/m, 'the agent line');
		if (!url) throw new Error(`the agent did not start: ${line}`);
		if (row.switchedOff) {
			process.kill(target.proc.pid, 'SIGUSR2');
			await waitForText(target.proc.stderr, /^leaktop agent: collection off/m, 'the agent switching off');
		}
		return {...target, metricsUrl: url};
	} catch (error) {
		await target.proc.stop();
		throw error;
	}
}

/** What the app printed on stderr besides the agent's serving line (and its switching off, in the `off` row). */
const unusualAgentStderr = (stderr: string) =>
	stderr
		.split('\n')
		.map(line => line.trim())
		.filter(line => line && !/^leaktop agent: (serving |collection off )/.test(line));

interface Scrape {
	/** now() when the body had arrived. */
	t: number;
	ms: number;
	bytes: number;
	collectorSeconds: number;
	samples: number;
}

function metricValue(body: string, name: string): number {
	const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(body);
	return match ? Number(match[1]) : Number.NaN;
}

async function scrape(url: string): Promise<Scrape> {
	const started = now();
	const response = await fetch(url);
	const body = await response.text();
	const t = now();
	if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${body.slice(0, 200)}`);
	return {t, ms: t - started, bytes: Buffer.byteLength(body), collectorSeconds: metricValue(body, 'leaktop_collector_seconds_total'), samples: metricValue(body, 'leaktop_samples_total')};
}

async function timeGet(url: string): Promise<number> {
	const started = now();
	const response = await fetch(url);
	await response.arrayBuffer();
	return now() - started;
}

/** A scrape every `everyMs`, one at a time (a tick that finds the last one still running is skipped). */
function scrapeEvery(url: string, everyMs: number): {stop(): Promise<{scrapes: Scrape[]; errors: string[]}>} {
	const scrapes: Scrape[] = [];
	const errors: string[] = [];
	let running: Promise<void> | undefined;
	const timer = setInterval(() => {
		if (running) return;
		running = scrape(url)
			.then(
				s => void scrapes.push(s),
				(error: unknown) => void errors.push(String(error)),
			)
			.finally(() => (running = undefined));
	}, everyMs);
	return {
		async stop() {
			clearInterval(timer);
			await running;
			return {scrapes, errors};
		},
	};
}

// ---------------------------------------------------------------------------------------------
// Throughput

export interface AgentRun extends TwinRun {
	row: AgentRow;
	round: number;
	/** Which twin carried the agent (the first in the `none` row's runs, with no agent). */
	measured: 0 | 1;
	/** VmRSS when the window closed. */
	targetRss: number;
	referenceRss: number;
	/** From the scrapes at the window's edges; undefined without the agent. */
	collector: {seconds: number; wallSeconds: number; samples: number} | undefined;
	/** The periodic scrapes during the load (the `1s-scraped` row). */
	scrapes: Scrape[];
	scrapeErrors: string[];
	unusual: string[];
}

async function measureRun(row: AgentRow, round: number, measured: 0 | 1, options: AgentOptions): Promise<AgentRun> {
	const apps: App[] = [];
	let periodic: ReturnType<typeof scrapeEvery> | undefined;
	try {
		for (const i of [0, 1] as const) apps.push(await startApp(i === measured ? row : noAgent, overheadTargetEnv, targetCpus));
		const pair = apps as [App, App];
		const app = pair[measured];
		const other = pair[1 - measured]!;
		const url = app.metricsUrl;
		if (url && row.scrapeEveryMs) periodic = scrapeEvery(url, row.scrapeEveryMs);
		const readings: Partial<Record<'start' | 'end', [ProcSample, ProcSample]>> = {};
		let first: Promise<Scrape> | undefined;
		const loads = await Promise.all([
			runLoad(pair[0], options, edge => {
				readings[edge] = [readProc(pair[0].proc.pid), readProc(pair[1].proc.pid)];
				if (edge === 'start' && url) {
					first = scrape(url);
					first.catch(() => undefined);
				}
			}),
			runLoad(pair[1], options, () => undefined),
		]);
		const {scrapes, errors} = (await periodic?.stop()) ?? {scrapes: [], errors: []};
		periodic = undefined;
		let collector: AgentRun['collector'];
		if (url) {
			const [a, b] = [await first!, await scrape(url)];
			// Switched off, the agent serves no collector metrics.
			if (Number.isFinite(a.collectorSeconds)) collector = {seconds: b.collectorSeconds - a.collectorSeconds, wallSeconds: (b.t - a.t) / 1000, samples: b.samples - a.samples};
		}
		for (const a of pair) if (a.proc.child.exitCode !== null) throw new Error(`an app exited during the load: ${a.proc.stderr().slice(-400)}`);
		const [start, end] = [readings.start!, readings.end!];
		const o = (1 - measured) as 0 | 1;
		return {
			row,
			round,
			measured,
			load: loads[measured],
			reference: loads[o],
			targetCpuPercent: cpuBetween(start[measured], end[measured]),
			referenceCpuPercent: cpuBetween(start[o], end[o]),
			targetRss: end[measured].rss,
			referenceRss: end[o].rss,
			collector,
			// Only those answered inside the counted window.
			scrapes: scrapes.filter(s => s.t >= start[0].t && s.t <= end[0].t),
			scrapeErrors: errors,
			unusual: [...unusualAgentStderr(app.proc.stderr()), ...unusualAgentStderr(other.proc.stderr())],
		};
	} finally {
		await periodic?.stop();
		for (const a of apps) await a.proc.stop();
	}
}

// ---------------------------------------------------------------------------------------------
// Memory and scrape time

export interface MemoryRun {
	row: AgentRow;
	round: number;
	/** Medians over the second half of the window. */
	rss: number;
	heapUsed: number;
	/** VmHWM at the end of the window. */
	peakRss: number;
	/** Timed one at a time after the window, alternating; empty without the agent. */
	scrapeMs: number[];
	statsMs: number[];
	bytes: number;
	served: number;
}

async function memoryRound(round: number, options: AgentOptions): Promise<MemoryRun[]> {
	const apps: App[] = [];
	let scrapers: (ReturnType<typeof scrapeEvery> | undefined)[] = [];
	try {
		for (const row of options.rows) apps.push(await startApp(row, {}, undefined));
		scrapers = options.rows.map((row, i) => (apps[i]!.metricsUrl && row.scrapeEveryMs ? scrapeEvery(apps[i]!.metricsUrl!, row.scrapeEveryMs) : undefined));
		const readings = apps.map(() => [] as {t: number; rss: number; hwm: number; heapUsed: number; served: number}[]);
		const t0 = now();
		for (let second = 1; second <= options.memorySeconds; second++) {
			await sleep(Math.max(0, t0 + second * 1000 - now()));
			await Promise.all(
				apps.map(async (app, i) => {
					const proc = readProc(app.proc.pid);
					const response = await fetch(`http://127.0.0.1:${app.httpPort}/stats`);
					const stats = (await response.json()) as {heapUsed: number; served: number};
					readings[i]!.push({t: proc.t, rss: proc.rss, hwm: proc.hwm, heapUsed: stats.heapUsed, served: stats.served});
				}),
			);
		}
		for (const s of scrapers) await s?.stop();
		scrapers = [];
		const runs: MemoryRun[] = [];
		for (const [i, row] of options.rows.entries()) {
			const app = apps[i]!;
			const scrapeMs: number[] = [];
			const statsMs: number[] = [];
			let bytes = Number.NaN;
			if (app.metricsUrl) {
				for (let n = 0; n < options.scrapes; n++) {
					const s = await scrape(app.metricsUrl);
					scrapeMs.push(s.ms);
					bytes = s.bytes;
					statsMs.push(await timeGet(`http://127.0.0.1:${app.httpPort}/stats`));
				}
			}
			const secondHalf = readings[i]!.slice(Math.floor(readings[i]!.length / 2));
			const last = readings[i]!.at(-1)!;
			runs.push({
				row,
				round,
				rss: median(secondHalf.map(r => r.rss)),
				heapUsed: median(secondHalf.map(r => r.heapUsed)),
				peakRss: last.hwm,
				scrapeMs,
				statsMs,
				bytes,
				served: last.served,
			});
		}
		for (const app of apps) if (app.proc.child.exitCode !== null) throw new Error(`an app exited during the memory window: ${app.proc.stderr().slice(-400)}`);
		return runs;
	} finally {
		for (const s of scrapers) await s?.stop();
		for (const app of apps) await app.proc.stop();
	}
}

function renderAtFullHistory(intervalMs: number): RenderResult {
	const samples = Math.min(4320, Math.max(360, Math.ceil((6 * 3_600_000) / intervalMs)));
	const out = execFileSync(process.execPath, ['--expose-gc', agentRenderPath, '--samples', String(samples), '--interval-ms', String(intervalMs), '--runs', String(renderRuns)], {encoding: 'utf8', timeout: 120_000});
	return JSON.parse(out.trim().split('\n').at(-1)!) as RenderResult;
}

export interface AgentResult {
	options: AgentOptions;
	runs: AgentRun[];
	memory: MemoryRun[];
	render: RenderResult[];
	pinned: boolean;
}

export async function agentBench(options: AgentOptions, log: (line: string) => void): Promise<AgentResult> {
	const {rows} = options;
	const runs: AgentRun[] = [];
	for (let round = 0; round < options.rounds; round++) {
		for (let i = 0; i < rows.length; i++) {
			const row = rows[(i + round) % rows.length]!;
			const measured = ((round * rows.length + i) % 2) as 0 | 1;
			const run = await measureRun(row, round, measured, options);
			log(
				`agent round ${round + 1}/${options.rounds}, ${row.key} on twin ${measured ? 'B' : 'A'}: ${Math.round(run.load.rps)} vs ${Math.round(run.reference.rps)} req/s ` +
					`(ratio ${(run.load.rps / run.reference.rps).toFixed(3)}), CPU ${run.targetCpuPercent.toFixed(0)} % vs ${run.referenceCpuPercent.toFixed(0)} %` +
					(run.collector ? `, collector ${(run.collector.seconds * 1000).toFixed(1)} ms in ${run.collector.wallSeconds.toFixed(1)} s (${run.collector.samples} samples)` : ''),
			);
			runs.push(run);
		}
	}
	const memory: MemoryRun[] = [];
	for (let round = 0; round < options.memoryRounds; round++) {
		log(`agent memory round ${round + 1}/${options.memoryRounds}: ${rows.length} apps at once for ${options.memorySeconds} s, then ${options.scrapes} timed scrapes each`);
		const results = await memoryRound(round, options);
		log(`agent memory round ${round + 1}: ${results.map(r => `${r.row.key} RSS ${mb(r.rss)} heapUsed ${mb(r.heapUsed)}${r.scrapeMs.length ? ` scrape ${median(r.scrapeMs).toFixed(1)} ms` : ''}`).join('; ')}`);
		memory.push(...results);
	}
	const render: RenderResult[] = [];
	for (const intervalMs of [10_000, 1000]) {
		const r = renderAtFullHistory(intervalMs);
		log(`agent render at ${r.samples} samples (${intervalMs / 1000} s interval): median ${median(r.renderMs).toFixed(2)} ms, history ${mb(r.historyHeapBytes)}`);
		render.push(r);
	}
	return {options, runs, memory, render, pinned: canPin([...targetCpus, ...clientCpus])};
}

// ---------------------------------------------------------------------------------------------
// Report

const msText = (x: number) => (Number.isFinite(x) ? `${x.toFixed(x < 10 ? 2 : 1)} ms` : '-');
const signedMb = (bytes: number) => (Number.isFinite(bytes) ? `${bytes >= 0 ? '+' : ''}${(bytes / 1e6).toFixed(1)} MB` : '-');

export function agentThroughputTable(result: AgentResult): string {
	const rows = result.options.rows.map(row => {
		const runs = result.runs.filter(r => r.row.key === row.key);
		const {cells, loss} = twinCells(runs);
		const costs = runs.flatMap(r => (r.collector ? [(100 * r.collector.seconds) / r.collector.wallSeconds] : []));
		const samples = runs.flatMap(r => (r.collector ? [r.collector.samples] : []));
		return [
			row.label,
			...cells,
			`${pct(median(runs.map(r => r.targetCpuPercent)))} / ${pct(median(runs.map(r => r.referenceCpuPercent)))}`,
			`${median(runs.map(r => r.load.p99Ms)).toFixed(1)} ms`,
			signedMb(median(runs.map(r => r.targetRss - r.referenceRss))),
			costs.length ? `${median(costs).toFixed(3)} % (${median(samples)} samples)` : '',
			row.key === agentGoalRow ? `<= 1 %: ${loss <= goalLoss ? 'met' : 'NOT met'}` : '',
		];
	});
	return table(
		[
			'row',
			'req/s with the agent (median)',
			'req/s with the agent (min - max)',
			'req/s, the twin without it at the same time (median)',
			'loss in req/s (median of the per-run ratios)',
			'loss, best to worst run',
			'loss per CPU-second (median)',
			'CPU, with / without (median)',
			'p99 latency with (median)',
			'RSS with - without, window end (median)',
			'collector time / wall time in the window (median)',
			'goal',
		],
		rows,
	);
}

export function agentMemoryTable(result: AgentResult): string {
	const {memory} = result;
	const delta = (row: AgentRow, value: (r: MemoryRun) => number) => {
		const diffs = memory
			.filter(r => r.row.key === row.key)
			.flatMap(r => {
				const base = memory.find(b => b.round === r.round && b.row.key === noAgent.key);
				return base ? [value(r) - value(base)] : [];
			});
		return diffs.length ? `${signedMb(median(diffs))} (${signedMb(Math.min(...diffs))} to ${signedMb(Math.max(...diffs))})` : '-';
	};
	const rows = result.options.rows.map(row => {
		const runs = memory.filter(r => r.row.key === row.key);
		const scrapes = runs.flatMap(r => r.scrapeMs);
		const stats = runs.flatMap(r => r.statsMs);
		const agent = row.env !== null;
		return [
			row.label,
			mb(median(runs.map(r => r.rss))),
			agent ? delta(row, r => r.rss) : '',
			mb(median(runs.map(r => r.heapUsed))),
			agent ? delta(row, r => r.heapUsed) : '',
			mb(median(runs.map(r => r.peakRss))),
			agent ? `${msText(median(scrapes))} / ${msText(percentile(scrapes, 90))}` : '',
			agent ? msText(median(stats)) : '',
			agent ? `${(median(runs.map(r => r.bytes)) / 1000).toFixed(1)} kB` : '',
		];
	});
	return table(
		[
			'row',
			'RSS (median of the 2nd half)',
			'RSS vs no agent, same round (median, min to max)',
			'heapUsed (median of the 2nd half)',
			'heapUsed vs no agent (median, min to max)',
			'peak RSS (VmHWM)',
			'one /metrics scrape, median / p90',
			"the app's own /stats, median",
			'/metrics size',
		],
		rows,
	);
}

export function agentRenderTable(result: AgentResult): string {
	return table(
		['interval', 'samples kept (6 h)', 'render one /metrics, median', 'p90', 'max', 'heap the history holds', '/metrics size'],
		result.render.map(r => [
			`${r.intervalMs / 1000} s`,
			String(r.samples),
			msText(median(r.renderMs)),
			msText(percentile(r.renderMs, 90)),
			msText(Math.max(...r.renderMs)),
			mb(r.historyHeapBytes),
			`${(r.bytes / 1000).toFixed(1)} kB`,
		]),
	);
}

export function agentNotes(result: AgentResult): string[] {
	const {rows, rounds, seconds, connections, memoryRounds, memorySeconds, scrapes} = result.options;
	const perRun = rows.map(row => `${row.key} ${result.runs.filter(r => r.row.key === row.key).map(r => `${rpsText(r.load.rps)}/${rpsText(r.reference.rps)}`).join(', ')}`).join('; ');
	const floor = result.runs.filter(r => r.row.key === noAgent.key).map(ratioOf);
	const lossCounts = rows
		.filter(row => row.env !== null)
		.map(row => {
			const ratios = result.runs.filter(r => r.row.key === row.key).map(ratioOf);
			return `${row.key} ${ratios.filter(r => r < 1).length} of ${ratios.length}`;
		})
		.join(', ');
	const defaultRatios = result.runs.filter(r => r.row.key === agentGoalRow).map(ratioOf);
	const offRatios = result.runs.filter(r => r.row.switchedOff).map(ratioOf);
	const scraped = result.runs.flatMap(r => r.scrapes.map(s => s.ms));
	const scrapeErrors = result.runs.reduce((n, r) => n + r.scrapeErrors.length, 0);
	const unusual = [...new Set(result.runs.flatMap(r => r.unusual.map(line => `${r.row.key}: ${line}`)))];
	const collectorPerSample = result.runs.flatMap(r => (r.collector && r.collector.samples > 0 ? [(1000 * r.collector.seconds) / r.collector.samples] : []));
	const cpu = median(result.runs.flatMap(r => [r.targetCpuPercent, r.referenceCpuPercent]));
	const served = median(result.memory.map(r => r.served / memorySeconds));
	return [
		`Throughput: ${rounds} rounds of ${rows.length} rows, ${seconds} s counted per run after ${warmupSeconds} s of uncounted load, ${connections} keep-alive connections per twin; every run started a fresh pair, and neither twin had \`--inspect\`.`,
		result.pinned
			? `Cores: both twins were pinned to CPU 0 (taskset) and split it, a median ${cpu.toFixed(0)} % of the core each; the load generators ran on CPU 1. The agent runs inside its app, so all of its work came out of that app's share of CPU 0.`
			: 'Cores: taskset was unavailable or the box has one CPU, so the twins and the load generators shared the cores as the scheduler chose.',
		(floor.length
			? `Noise: in the \`none\` row (no agent on either twin) the median loss was ${lossText(median(floor))} and single runs ranged from ${lossText(Math.max(...floor))} to ${lossText(Math.min(...floor))}. `
			: '') +
			`Runs that lost throughput to the agent, per row: ${lossCounts}. Single runs scatter by about as much as the effect: read the medians, and compare rows measured in the same run.`,
		...(defaultRatios.length && offRatios.length
			? [
					`Presence vs collecting: the defaults row lost ${lossText(median(defaultRatios))} and the same agent switched off (no session, no samples) ${lossText(median(offRatios))}, medians of their per-run ratios; ` +
						'what the agent costs by being loaded (its modules and their heap, prom-client\'s default metrics, the idle server) is the `off` row, and collecting adds the difference.',
				]
			: []),
		'Collector time is `leaktop_collector_seconds_total` (the time its in-process inspector calls took on the app\'s main thread), read at the window\'s start and end, over the wall time between the two scrapes' +
			(collectorPerSample.length ? `; a median ${median(collectorPerSample).toFixed(2)} ms per sample under this load.` : '.') +
			' It does not count prom-client\'s default metrics (an event-loop-delay histogram and a GC observer run all the time) nor the time to answer scrapes; the req/s loss counts everything.',
		scraped.length
			? `The \`1s-scraped\` row's scrapes inside the counted window, under full load (queued behind the app's own requests): ${scraped.length}, median ${msText(median(scraped))}, p90 ${msText(percentile(scraped, 90))}${scrapeErrors ? `; ${scrapeErrors} failed` : ''}.`
			: 'No periodic scrapes were taken.',
		`Memory: ${memoryRounds} rounds; in each, one app per row ran at once for ${memorySeconds} s with its own self-load (a median ${served.toFixed(0)} req/s served), unpinned. RSS from /proc/<pid>/status, heapUsed from the app's /stats, once a second; the deltas compare with the app without the agent in the same round. ` +
			`Then ${scrapes} scrapes of each agent, one at a time, each followed by a GET of the app's own /stats (same process, same kind of HTTP round trip) for comparison; the scrape includes computing the verdict over the history and prom-client's default metrics.`,
		'Render at a full history: `node --expose-gc dist/bench/agent-render.js`, the agent\'s render path (the same families, verdict and prom-client registry with default metrics) over a store filled with the 6 hours of synthetic samples the agent keeps, timed in-process (no HTTP), ' +
			`${renderRuns} renders after 5 uncounted; the heap the history holds is heapUsed after a forced GC, filled minus empty.`,
		`Requests per second of each throughput run, in round order, with / without the agent: ${perRun}.`,
		unusual.length ? `The apps printed these lines on stderr besides the agent's serving line: ${unusual.map(line => `"${line}"`).join('; ')}.` : "The apps printed nothing on stderr besides the agent's serving line.",
	];
}
