import {floorPoints, judge, type Point, timeToLimitMs, type Verdict} from './growth.js';
import type {State} from './state.js';
import type {ListenerCensus, MemorySample, TargetInfo} from './types.js';
import {formatDuration} from './format.js';
import {formatRate} from './rate.js';

export type SignalKind = 'heap' | 'external' | 'rss' | 'resources' | 'listeners' | 'promises' | 'watch';

/** One line of evidence: how one series' floor moves. */
export interface Signal {
	kind: SignalKind;
	/** heapUsed, external, rss; a resource type (Timeout); `Emitter.event` for listeners; a watch's expression. */
	series: string;
	verdict: Verdict;
	slopePerHour: number;
	unit: 'bytes' | 'count';
	confidence: number;
	/** Floor points the slope rests on, and the time they span. */
	points: number;
	spanMs: number;
	current: number;
	/** The latest floor point (the value the slope is fitted to); null before the first. */
	floor: number | null;
	/** Change since the baseline. */
	growth: number;
	/** The limit this series runs into, and when at this slope (null: none known, or not growing). */
	limit: number | null;
	timeToLimitMs: number | null;
}

export interface LeakVerdict {
	leak: boolean;
	signals: Signal[];
}

export interface VerdictOptions {
	/** Memory growth that counts, bytes per hour: 1 MB/h by default (the seed's alert). */
	thresholdBytesPerHour: number;
	/** Growth in resource or listener counts that counts, per hour. */
	thresholdCountPerHour: number;
}

export const defaultVerdictOptions: VerdictOptions = {thresholdBytesPerHour: 1_000_000, thresholdCountPerHour: 60};

interface MemorySeries {
	kind: 'heap' | 'external' | 'rss';
	series: 'heapUsed' | 'external' | 'rss';
	limit: (target: TargetInfo | null) => number | null;
	/** The values whose floor is judged; the series itself unless said otherwise. */
	judged: (samples: readonly MemorySample[]) => number[];
	/** Evidence needed before a verdict; see nativeRss for why RSS waits longer. */
	minSpanMs?: number;
}

/**
 * RSS not explained by the JS heap or by external memory: the native part, where only an RSS
 * signal can point. RSS keeps pages once touched, so it is measured against the highest
 * heapTotal and external seen so far; otherwise a heap that grew then shrank, or a cache that
 * warmed up, would read as an RSS leak (measured: a warming LRU cache showed +2 GB/h of RSS).
 */
export function nativeRss(samples: readonly MemorySample[]): number[] {
	let heapHigh = 0;
	let externalHigh = 0;
	return samples.map(s => {
		heapHigh = Math.max(heapHigh, s.heapTotal);
		externalHigh = Math.max(externalHigh, s.external);
		return s.rss - heapHigh - externalHigh;
	});
}

// `external` already includes `arrayBuffers` (Node's memoryUsage docs), so it is the one
// off-heap series: adding the two would count ArrayBuffers twice.
const memorySeries: readonly MemorySeries[] = [
	{kind: 'heap', series: 'heapUsed', limit: t => t?.heapSizeLimit ?? null, judged: samples => samples.map(s => s.heapUsed)},
	{kind: 'external', series: 'external', limit: () => null, judged: samples => samples.map(s => s.external)},
	// Native memory warms up for minutes after start (JIT code, allocator arenas: measured +8.5 MB
	// in the first 90 s of an app with no leak; the churn control still rose ~10 MB over its first
	// 2 minutes, and was called an rss leak at 125-142 s once no census forced memory-reducing
	// GCs). Native leaks are slow: 5 minutes of evidence costs the signal little.
	{kind: 'rss', series: 'rss', limit: t => t?.constrainedMemory ?? null, judged: nativeRss, minSpanMs: 300_000},
];

function sinceBaseline(state: State): MemorySample[] {
	const baseline = state.baselineT ?? -Infinity;
	return state.samples.items.filter(s => s.t >= baseline);
}

/**
 * The rise a memory floor needs before its slope is called a leak: 2 MB, or 2 % of the floor on
 * big heaps, where GC timing alone moves the floor by megabytes. A 1 MB/h leak is called after
 * about 2 hours; a 5 MB/min one within a minute.
 */
export function minFloorGrowth(floors: readonly Point[]): number {
	const sorted = floors.map(p => p.v).sort((a, b) => a - b);
	const median = sorted[sorted.length >> 1] ?? 0;
	return Math.max(2_000_000, 0.02 * median);
}

function memorySignal(spec: MemorySeries, samples: readonly MemorySample[], state: State, options: VerdictOptions): Signal {
	const judged = spec.judged(samples);
	const points: Point[] = samples.map((s, i) => ({t: s.t, v: judged[i]!}));
	// Forced GCs and censuses give exact heap floors; the other series only have their buckets.
	const forced = spec.kind === 'heap' ? state.heapFloors.items : [];
	const floors = floorPoints(points, forced);
	// The 2 % rule is about the size of the series itself (for rss, all of it).
	const series = samples.map(s => s[spec.series]);
	const scale = samples.map((s, i) => ({t: s.t, v: series[i]!}));
	const {verdict, trend} = judge(floors, {thresholdPerHour: options.thresholdBytesPerHour, minGrowth: minFloorGrowth(scale), ...(spec.minSpanMs ? {minSpanMs: spec.minSpanMs} : {})});
	const current = series.at(-1) ?? 0;
	const limit = spec.limit(state.target);
	return {
		kind: spec.kind,
		series: spec.series,
		verdict,
		slopePerHour: trend.slopePerHour,
		unit: 'bytes',
		confidence: trend.confidence,
		points: trend.points,
		spanMs: trend.spanMs,
		current,
		floor: floors.at(-1)?.v ?? null,
		growth: current - (series[0] ?? current),
		limit,
		timeToLimitMs: verdict === 'growing' ? timeToLimitMs(current, trend.slopePerHour, limit) : null,
	};
}

/**
 * Counts move in small steps with traffic (a keep-alive socket more, a timer fewer): a count's
 * floor must also have risen by this much before its slope is called a leak.
 */
export const minCountGrowth = 20;

function countSignal(kind: 'resources' | 'listeners' | 'promises' | 'watch', series: string, points: readonly Point[], bucketed: boolean, options: VerdictOptions): Signal {
	// Census counts are exact, and censuses are few: every one is a floor point.
	const floors = bucketed ? floorPoints(points) : points;
	const common = {thresholdPerHour: options.thresholdCountPerHour, minGrowth: minCountGrowth};
	const {verdict, trend} = judge(floors, bucketed ? common : {...common, minPoints: 3, minConfidence: 0.8, minRecentConfidence: 0});
	const current = points.at(-1)?.v ?? 0;
	return {
		kind,
		series,
		verdict,
		slopePerHour: trend.slopePerHour,
		unit: 'count',
		confidence: trend.confidence,
		points: trend.points,
		spanMs: trend.spanMs,
		current,
		floor: floors.at(-1)?.v ?? null,
		growth: current - (points[0]?.v ?? current),
		limit: null,
		timeToLimitMs: null,
	};
}

export function resourceTypes(samples: readonly MemorySample[]): string[] {
	return [...new Set(samples.flatMap(s => Object.keys(s.resources)))].sort();
}

export function censusesSinceBaseline(state: State): ListenerCensus[] {
	// Censuses carry local time; the baseline is on the target clock. Through the latest offset:
	const latest = state.samples.items.at(-1);
	const offset = latest && state.lastSampleAt !== null ? latest.t - state.lastSampleAt : 0;
	const baseline = state.baselineT ?? -Infinity;
	return state.censuses.items.filter(c => c.t + offset >= baseline);
}

const listenerKey = (emitter: string, event: string) => `${emitter}.${event}`;

/** Listener rows as `{key: count}` per census, for the rows of the latest census. */
function listenerSeries(censuses: readonly ListenerCensus[], top: number): Map<string, Point[]> {
	const latest = censuses.at(-1);
	const series = new Map<string, Point[]>();
	if (!latest) return series;
	const first = censuses[0]!;
	const firstCounts = new Map(first.rows.map(r => [listenerKey(r.emitter, r.event), r.count]));
	const keys = latest.rows
		.map(r => ({key: listenerKey(r.emitter, r.event), growth: r.count - (firstCounts.get(listenerKey(r.emitter, r.event)) ?? 0)}))
		.sort((a, b) => b.growth - a.growth)
		.slice(0, top)
		.map(r => r.key);
	for (const key of keys) series.set(key, []);
	for (const census of censuses) {
		const counts = new Map(census.rows.map(r => [listenerKey(r.emitter, r.event), r.count]));
		for (const key of keys) series.get(key)!.push({t: census.t, v: counts.get(key) ?? 0});
	}
	return series;
}

/** The options in force: `:threshold` overrides the memory threshold leaktop started with. */
export function effectiveVerdictOptions(state: Pick<State, 'thresholdBytesPerHour'>, options: VerdictOptions): VerdictOptions {
	return state.thresholdBytesPerHour === null ? options : {...options, thresholdBytesPerHour: state.thresholdBytesPerHour};
}

/** The whole judgement for the current state: every series, and whether any of them leaks. */
export function computeVerdict(state: State, given: VerdictOptions = defaultVerdictOptions): LeakVerdict {
	const options = effectiveVerdictOptions(state, given);
	const samples = sinceBaseline(state);
	const signals: Signal[] = memorySeries.map(spec => memorySignal(spec, samples, state, options));
	for (const type of resourceTypes(samples)) {
		signals.push(countSignal('resources', type, samples.map(s => ({t: s.t, v: s.resources[type] ?? 0})), true, options));
	}
	const censuses = censusesSinceBaseline(state);
	for (const [key, points] of listenerSeries(censuses, 5)) {
		signals.push(countSignal('listeners', key, points, false, options));
	}
	// Counted with every census since it was added: older recordings have no such series.
	const promises = censuses.flatMap(c => (typeof c.promises === 'number' ? [{t: c.t, v: c.promises}] : []));
	if (promises.length > 0) signals.push(countSignal('promises', 'Promise', promises, false, options));
	// A watch read every sample is judged like a resource count: its floor must keep rising. It
	// is the user's own evidence, shown in the watches panel and the report, but not a leak
	// verdict by itself: a watched request counter rises in every healthy process.
	const baseline = state.baselineT ?? -Infinity;
	for (const watch of state.watches) {
		if (watch.points.items.length === 0) continue;
		signals.push(countSignal('watch', watch.expression, watch.points.items.filter(p => p.t >= baseline), true, options));
	}
	return {leak: signals.some(s => s.verdict === 'growing' && s.kind !== 'watch'), signals};
}

/** No leak yet, and the heap (the primary series) has too little history to say more. */
export function isCollectingEvidence(verdict: LeakVerdict): boolean {
	return !verdict.leak && verdict.signals.some(s => s.kind === 'heap' && s.verdict === 'warming up');
}

/** How a memory series reads in a sentence; counts read as their series' own name. */
export const seriesNames: Record<SignalKind, string> = {heap: 'heap floor', external: 'external floor', rss: 'rss floor', resources: '', listeners: '', promises: '', watch: ''};

/** What grows and how fast: `heap floor +12.0 MB/h`, `Timeout +120/h`. */
export function signalRate(signal: Signal): string {
	return signal.unit === 'bytes' ? `${seriesNames[signal.kind]} ${formatRate(signal.slopePerHour)}` : `${signal.series} ${signal.slopePerHour > 0 ? '+' : ''}${Math.round(signal.slopePerHour)}/h`;
}

/** The one line at the top of the screen. */
export function headline(verdict: LeakVerdict): string {
	const growing = verdict.signals.filter(s => s.verdict === 'growing' && s.kind !== 'watch');
	if (growing.length === 0) {
		return isCollectingEvidence(verdict) ? 'collecting evidence: floors need about 30 s and 6 points' : 'no sustained growth yet';
	}
	const first = growing[0]!;
	const what = signalRate(first);
	const limit = first.timeToLimitMs === null ? '' : `, limit in ${formatDuration(first.timeToLimitMs)}`;
	const more = growing.length > 1 ? ` (+${growing.length - 1} more)` : '';
	return `${what}, ${Math.round(first.confidence * 100)} % confidence${limit}${more}`;
}
