/**
 * Benchmark 3: how long after attaching leaktop first calls each leak fixture a leak, and
 * whether it ever calls a control one.
 *
 * Each fixture (test/fixtures/leaks/*.ts) runs as `node --inspect=127.0.0.1:0 <fixture>.js
 * [--rate R]`. The benchmark attaches in-process with the code path `leaktop --headless` uses
 * (Monitor + store + computeVerdict, 1 s samples, the headless census cadence without
 * --duration from src/commands/watch.ts, the default 1 MB/h threshold) and computes the
 * verdict once a second from the moment the attach resolved:
 *
 * - leaks record the first check whose verdict is `leak` (and which signals were growing);
 *   they stop once the kind that really carries the leak (heap; external for the stream) has
 *   been growing at some check too, or at their cap;
 * - controls are watched for their whole window; every check counts, and the largest heap
 *   floor slope the statistics reported (once past warming up) is kept.
 *
 * Up to `concurrency` fixtures run at once, longest first. Only reports; asserts nothing.
 */
import {fileURLToPath} from 'node:url';
import {censusCadence, historySize} from '../src/commands/watch.js';
import {Monitor} from '../src/inspector/monitor.js';
import {formatBytes, formatDuration} from '../src/model/format.js';
import {initialState, type State} from '../src/model/state.js';
import type {ListenerCensus, MemorySample} from '../src/model/types.js';
import {computeVerdict, defaultVerdictOptions, type Signal, type SignalKind} from '../src/model/verdict.js';
import {createStore} from '../src/store.js';
import {now, sleep, start, table, waitForText} from './lib.js';

export const leakFixtures = ['listeners', 'closure', 'cache', 'stream', 'timers', 'promises'] as const;
export const controlFixtures = ['lru', 'sawtooth', 'churn'] as const;

export interface DetectionCase {
	fixture: string;
	/** `--rate` passed to the fixture; null for the fixture's default (5 MB/min). */
	rate: number | null;
	control: boolean;
	/** Leaks: give up after this long. Controls: watch this long. */
	capMs: number;
	/** Leaks: the issue's goal for this rate. */
	goalMs: number | null;
	/** Leaks: the kind that carries the leak (external for the stream, heap for the others). */
	expectedKind: SignalKind | null;
}

const expectedKind = (fixture: string): SignalKind => (fixture === 'stream' ? 'external' : 'heap');

/** The default suite: 6 leaks at 1 and at 5 MB/min, 3 controls at their default rate. */
export function detectionCases(filter?: readonly string[]): DetectionCase[] {
	const cases: DetectionCase[] = [
		...controlFixtures.map(fixture => ({fixture, rate: null, control: true, capMs: 240_000, goalMs: null, expectedKind: null})),
		...leakFixtures.map(fixture => ({fixture, rate: 1, control: false, capMs: 240_000, goalMs: 180_000, expectedKind: expectedKind(fixture)})),
		...leakFixtures.map(fixture => ({fixture, rate: 5, control: false, capMs: 120_000, goalMs: 60_000, expectedKind: expectedKind(fixture)})),
	];
	if (!filter) return cases;
	const unknown = filter.filter(f => !cases.some(c => c.fixture === f));
	if (unknown.length) throw new Error(`unknown fixture(s) ${unknown.join(', ')}; known: ${[...leakFixtures, ...controlFixtures].join(', ')}`);
	return cases.filter(c => filter.includes(c.fixture));
}

/** A generous bound on the suite's wall time, for the watchdog: list scheduling never exceeds sum/m + max. */
export function detectionBudgetMs(cases: readonly DetectionCase[], concurrency: number): number {
	const perCase = cases.map(c => c.capMs + 20_000);
	return perCase.reduce((a, b) => a + b, 0) / concurrency + Math.max(0, ...perCase) + 60_000;
}

/**
 * What the CLI does for `leaktop --url U --headless` (no --duration): its defaults, 1 s samples,
 * 512 KiB allocation sampling (each profile read gives an exact heap floor) and census on.
 */
const cliConfig = {headless: true, durationMs: undefined, intervalMs: 1000, census: 'on', samplingIntervalBytes: 512 * 1024} as const;

const fixturePath = (name: string) => fileURLToPath(new URL(`../test/fixtures/leaks/${name}.js`, import.meta.url));

export interface SignalBrief {
	kind: SignalKind;
	series: string;
	verdict: Signal['verdict'];
	slopePerHour: number;
	unit: Signal['unit'];
	confidence: number;
	points: number;
	spanMs: number;
	current: number;
}

export interface Check {
	/** ms since the attach resolved. */
	atMs: number;
	leak: boolean;
	/** heap, external and rss, every check. */
	memory: SignalBrief[];
	/** Every signal that was `growing` at this check (memory or counts). */
	growing: SignalBrief[];
}

export interface DetectionResult {
	case: DetectionCase;
	/** Set when the run could not complete (fixture failed to start, target went away...). */
	error: string | null;
	/** Leaks: ms from attach to the first `leak` check; null if not within the cap. */
	detectedMs: number | null;
	/** Signals growing at the first `leak` check. */
	atDetection: SignalBrief[];
	/** Leaks: ms from attach to the first check with a signal of the expected kind growing. */
	expectedMs: number | null;
	/** ms since attach of each check that said `leak`. */
	leakAt: number[];
	/** How long the fixture was watched. */
	watchedMs: number;
	checks: number;
	leakChecks: number;
	/** Largest heap floor slope over the checks past warming up (controls and leaks alike). */
	maxHeap: (SignalBrief & {atMs: number}) | null;
	/** The same, over the checks after the first minute (past the fixtures' own warm-up). */
	maxHeapAfterMinute: (SignalBrief & {atMs: number}) | null;
	last: Check | null;
	censuses: {atMs: number; durationMs: number; listeners: number; emitters: number}[];
	/**
	 * Everything, for `--series`: the checks, and the raw samples, exact heap floors and
	 * censuses (with `atMs` added), enough to rebuild the state and replay computeVerdict.
	 */
	series: {
		checks: Check[];
		samples: (MemorySample & {atMs: number})[];
		heapFloors: {atMs: number; t: number; v: number}[];
		censuses: ListenerCensus[];
	};
}

function brief(s: Signal): SignalBrief {
	return {kind: s.kind, series: s.series, verdict: s.verdict, slopePerHour: s.slopePerHour, unit: s.unit, confidence: s.confidence, points: s.points, spanMs: s.spanMs, current: s.current};
}

/** Starts one fixture, attaches as the headless CLI does, checks the verdict once a second. */
async function runCase(c: DetectionCase, log: (line: string) => void): Promise<DetectionResult> {
	const label = `${c.fixture}${c.rate === null ? '' : ` --rate ${c.rate}`}`;
	const result: DetectionResult = {
		case: c,
		error: null,
		detectedMs: null,
		atDetection: [],
		expectedMs: null,
		leakAt: [],
		watchedMs: 0,
		checks: 0,
		leakChecks: 0,
		maxHeap: null,
		maxHeapAfterMinute: null,
		last: null,
		censuses: [],
		series: {checks: [], samples: [], heapFloors: [], censuses: []},
	};
	const proc = start(process.execPath, ['--inspect=127.0.0.1:0', fixturePath(c.fixture), ...(c.rate === null ? [] : ['--rate', String(c.rate)])]);
	let monitor: Monitor | undefined;
	let state: State | undefined;
	let attachedAt = 0;
	let attachedAtEpoch = 0;
	try {
		const [, url] = await waitForText(proc.stderr, /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/\S+)/, `the inspector line of ${label}`);
		await waitForText(proc.stdout, /ready \d+/, `the ready line of ${label}`);
		const store = createStore(initialState({historySize: historySize(cliConfig), samplingIntervalBytes: cliConfig.samplingIntervalBytes}));
		monitor = await Monitor.attach({kind: 'url', url: url!}, {intervalMs: cliConfig.intervalMs, samplingIntervalBytes: cliConfig.samplingIntervalBytes, ...censusCadence(cliConfig), onEvent: event => store.dispatch(event)});
		attachedAt = now();
		attachedAtEpoch = Date.now();
		log(`detection: ${label}: attached (pid ${proc.pid}), ${c.control ? 'watching' : 'cap'} ${c.capMs / 1000}s`);
		for (let i = 1; i * 1000 <= c.capMs; i++) {
			await sleep(attachedAt + i * 1000 - now());
			if (monitor.endedByTarget) throw new Error(`target went away after ${Math.round((now() - attachedAt) / 1000)}s: ${store.getState().endReason}`);
			const atMs = now() - attachedAt;
			const verdict = computeVerdict(store.getState(), defaultVerdictOptions);
			const check: Check = {
				atMs,
				leak: verdict.leak,
				memory: verdict.signals.filter(s => s.unit === 'bytes').map(brief),
				growing: verdict.signals.filter(s => s.verdict === 'growing').map(brief),
			};
			result.series.checks.push(check);
			result.last = check;
			result.checks++;
			result.watchedMs = atMs;
			const heap = check.memory.find(s => s.kind === 'heap');
			if (heap && heap.verdict !== 'warming up') {
				if (!result.maxHeap || heap.slopePerHour > result.maxHeap.slopePerHour) result.maxHeap = {...heap, atMs};
				if (atMs > 60_000 && (!result.maxHeapAfterMinute || heap.slopePerHour > result.maxHeapAfterMinute.slopePerHour)) result.maxHeapAfterMinute = {...heap, atMs};
			}
			if (verdict.leak) {
				result.leakChecks++;
				result.leakAt.push(atMs);
				if (result.detectedMs === null) {
					result.detectedMs = atMs;
					result.atDetection = check.growing;
					log(`detection: ${label}: ${c.control ? 'FLAGGED (control)' : 'leak'} after ${(atMs / 1000).toFixed(0)}s: ${check.growing.map(describeSignal).join('; ')}`);
				}
			}
			if (c.expectedKind && result.expectedMs === null && check.growing.some(g => g.kind === c.expectedKind)) {
				result.expectedMs = atMs;
				if (result.detectedMs !== atMs) log(`detection: ${label}: ${c.expectedKind} growing after ${(atMs / 1000).toFixed(0)}s`);
			}
			if (!c.control && result.detectedMs !== null && result.expectedMs !== null) break;
		}
		if (result.detectedMs === null && !c.control) log(`detection: ${label}: not flagged within ${c.capMs / 1000}s`);
		else if (result.expectedMs === null && !c.control) log(`detection: ${label}: ${c.expectedKind} not growing within ${c.capMs / 1000}s`);
		if (c.control) log(`detection: ${label}: done, ${result.leakChecks} of ${result.checks} checks said leak`);
		state = store.getState();
	} catch (error) {
		result.error = error instanceof Error ? error.message : String(error);
		log(`detection: ${label}: failed: ${result.error}`);
	} finally {
		await monitor?.stop('benchmark done');
		await proc.stop();
	}
	if (state) {
		// Samples and floors carry the target clock: times count from the first sample.
		const first = state.samples.items[0];
		const offset = first ? first.t : 0;
		result.series.samples = state.samples.items.map(s => ({...s, atMs: s.t - offset}));
		result.series.heapFloors = state.heapFloors.items.map(p => ({...p, atMs: p.t - offset}));
		result.series.censuses = [...state.censuses.items];
		result.censuses = state.censuses.items.map(census => ({
			atMs: census.t - attachedAtEpoch,
			durationMs: census.durationMs,
			listeners: census.rows.reduce((sum, row) => sum + row.count, 0),
			emitters: census.emitterCount,
		}));
	}
	return result;
}

/** Runs the cases, at most `concurrency` at a time, longest cap first. */
export async function detectionBench(cases: readonly DetectionCase[], concurrency: number, log: (line: string) => void): Promise<DetectionResult[]> {
	const queue = cases.map((c, index) => ({c, index})).sort((a, b) => b.c.capMs - a.c.capMs);
	const results: DetectionResult[] = new Array(cases.length);
	const worker = async () => {
		for (let next = queue.shift(); next; next = queue.shift()) results[next.index] = await runCase(next.c, log);
	};
	await Promise.all(Array.from({length: Math.min(concurrency, cases.length)}, worker));
	return results;
}

// ---------------------------------------------------------------------------------------------
// Report

const seconds = (x: number) => `${Math.round(x / 1000)} s`;
const percent = (x: number) => `${(100 * x).toFixed(x >= 0.999 && x < 1 ? 2 : 1)} %`;
const rateLabel = (c: DetectionCase) => (c.rate === null ? 'default (5 MB/min)' : `${c.rate} MB/min`);

function slope(s: SignalBrief): string {
	if (s.unit === 'bytes') return `${s.slopePerHour >= 0 ? '+' : ''}${formatBytes(s.slopePerHour)}/h`;
	return `${s.slopePerHour >= 0 ? '+' : ''}${Math.round(s.slopePerHour)}/h`;
}

/** `heapUsed +62.1 MB/h (99.9 %, 12 floors over 1m10s)`. */
export function describeSignal(s: SignalBrief): string {
	return `${s.series} ${slope(s)} (${percent(s.confidence)}, ${s.points} ${s.unit === 'bytes' ? 'floors' : 'points'} over ${formatDuration(s.spanMs)})`;
}

const kinds = (signals: readonly SignalBrief[]) => [...new Set(signals.map(s => s.kind))].join(', ') || '-';

export function leakTable(results: readonly DetectionResult[]): string {
	const rows = results
		.filter(r => !r.case.control)
		.map(r => {
			const c = r.case;
			const met = r.error ? 'error' : r.detectedMs !== null && r.detectedMs <= c.goalMs! ? 'met' : 'NOT met';
			return [
				`\`${c.fixture}\``,
				rateLabel(c),
				r.error ? `error: ${r.error}` : r.detectedMs === null ? `not within ${seconds(c.capMs)} (cap)` : seconds(r.detectedMs),
				kinds(r.atDetection),
				r.atDetection.map(describeSignal).join('; ') || '-',
				`<= ${seconds(c.goalMs!)}: ${met}`,
				r.error ? '-' : r.expectedMs === null ? `not within ${seconds(c.capMs)}` : `${c.expectedKind}: ${seconds(r.expectedMs)}`,
			];
		});
	return table(['fixture', 'rate', 'detected after', 'kinds at detection', 'growing signals at detection', 'goal met?', 'leak\'s own kind first growing'], rows);
}

export function controlTable(results: readonly DetectionResult[]): string {
	const rows = results
		.filter(r => r.case.control)
		.map(r => {
			const heapAtEnd = r.last?.memory.find(s => s.kind === 'heap');
			return [
				`\`${r.case.fixture}\``,
				rateLabel(r.case),
				r.error ? `error: ${r.error}` : seconds(r.watchedMs),
				String(r.checks),
				r.leakChecks === 0 ? 'no' : `**yes**: ${r.leakChecks} checks, during ${spans(r.leakAt)}`,
				r.detectedMs === null ? '-' : `${seconds(r.detectedMs)}: ${kinds(r.atDetection)} (${r.atDetection.map(describeSignal).join('; ')})`,
				peak(r.maxHeap),
				peak(r.maxHeapAfterMinute),
				heapAtEnd ? `${slope(heapAtEnd)} (${percent(heapAtEnd.confidence)}, ${heapAtEnd.verdict})` : '-',
			];
		});
	return table(
		['fixture', 'rate', 'watched', 'checks', 'ever `leak`?', 'first flagged at', 'max heap floor slope (at, confidence, verdict)', 'the same after the first minute', 'heap floor slope at end'],
		rows,
	);
}

const peak = (p: (SignalBrief & {atMs: number}) | null) => (p ? `${slope(p)} at ${seconds(p.atMs)} (${percent(p.confidence)}, ${p.verdict})` : '-');

/** `29-33 s, 49-63 s, 89 s` from the times of the checks (1 s apart when consecutive). */
function spans(times: readonly number[]): string {
	const secs = times.map(t => Math.round(t / 1000));
	const runs: [number, number][] = [];
	for (const x of secs) {
		const lastRun = runs.at(-1);
		if (lastRun && x - lastRun[1] <= 1) lastRun[1] = x;
		else runs.push([x, x]);
	}
	const text = runs.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`));
	return `${text.length > 8 ? [...text.slice(0, 8), '...'].join(', ') : text.join(', ')} s`;
}

export function detectionNotes(results: readonly DetectionResult[], wallMs: number, concurrency: number): string[] {
	const notes: string[] = [];
	notes.push(`The whole suite took ${formatDuration(wallMs)} of wall time with up to ${concurrency} fixtures at once.`);
	for (const r of results) {
		const c = r.case;
		const label = `\`${c.fixture}\` at ${rateLabel(c)}`;
		const censuses = r.censuses.length ? `${r.censuses.length} censuses (${r.censuses.map(x => `${Math.round(x.durationMs)} ms`).join(', ')})` : 'no census';
		if (r.error) notes.push(`${label}: the run failed: ${r.error}.`);
		else if (!c.control && r.detectedMs === null && r.last) {
			notes.push(`${label}: not flagged within ${seconds(c.capMs)}; memory signals at the last check: ${r.last.memory.map(s => `${describeSignal(s)} ${s.verdict}, rise ${formatBytes((s.slopePerHour * s.spanMs) / 3_600_000)}`).join('; ')}; ${censuses}.`);
		} else if (!c.control && r.detectedMs !== null && r.detectedMs > c.goalMs!) {
			notes.push(`${label}: flagged after ${seconds(r.detectedMs)}, past the ${seconds(c.goalMs!)} goal; ${censuses}.`);
		}
		if (!c.control && !r.error && r.detectedMs !== null && !r.atDetection.some(s => s.kind === c.expectedKind)) {
			const last = r.last?.memory.find(s => s.kind === c.expectedKind);
			notes.push(
				`${label}: the first \`leak\` came from ${kinds(r.atDetection)}, not from ${c.expectedKind}; ` +
					(r.expectedMs === null ? `${c.expectedKind} was not growing within ${seconds(c.capMs)}${last ? ` (last check: ${describeSignal(last)}, ${last.verdict})` : ''}.` : `${c.expectedKind} followed at ${seconds(r.expectedMs)}.`),
			);
		} else if (c.control && r.leakChecks > 0) {
			notes.push(`${label}: control flagged at ${r.leakChecks} of ${r.checks} checks, first at ${seconds(r.detectedMs!)}; ${censuses}.`);
		}
	}
	return notes;
}
