/** How often costly work may run. Pure: no I/O, no timers. */

/** `--census`: automatic censuses while the target is quiet, whatever its load, or never. */
export const censusModes = ['on', 'always', 'off'] as const;
export type CensusMode = (typeof censusModes)[number];

export function isCensusMode(value: string): value is CensusMode {
	return (censusModes as readonly string[]).includes(value);
}

/**
 * How long to wait before the next run of something costly (a census, a profile poll) so that
 * those runs take at most `budget` of wall time: the last one's duration divided by the
 * budget, kept within [minMs, maxMs].
 */
export function budgetedDelayMs(lastDurationMs: number, budget = 0.01, minMs = 30_000, maxMs = 600_000): number {
	if (!Number.isFinite(lastDurationMs) || lastDurationMs < 0 || !(budget > 0)) return maxMs;
	return Math.min(maxMs, Math.max(minMs, Math.ceil(lastDurationMs / budget)));
}

/**
 * The floor under the delay after the `done`-th run of something that starts frequent and
 * spaces out: `stepMs`, 2 x `stepMs`, ... up to `steadyMs`.
 */
export function rampedMinimumMs(done: number, stepMs: number, steadyMs: number): number {
	return Math.min(steadyMs, stepMs * Math.max(1, done));
}

/**
 * What a later census costs a busy target, as a multiple of how long the call took: each
 * `Runtime.queryObjects` deoptimises the hot code, which then runs at half speed for a second or
 * so. Measured on the overhead benchmark's server: a census every 5 s took 23 % of its
 * throughput while each lasted 140 ms, about 8x.
 */
export const censusHiddenCost = 8;

/**
 * How much slower a busy process runs after its first census, for minutes, even after leaktop
 * has detached: `Runtime.queryObjects` clears every inline cache in the heap (V8's
 * HeapProfiler::QueryObjects calls FeedbackVector::ClearSlots so that no cache keeps an object
 * alive). Measured on the overhead benchmark's server at full load: 14-16 % fewer requests for
 * the 5 minutes watched after one census and a detach; later censuses deepened it to ~22 %.
 */
export const censusLastingSlowdown = 0.15;

/** The share of the target's time automatic censuses may cost, as issue 4 set it. */
export const autoCensusBudget = 0.01;

/**
 * The busiest event loop an automatic census may run on: the slowdown hits only the time the
 * loop runs JavaScript, so a loop busy `u` of the time loses about `u x 15 %`, which must stay
 * within the 1 % budget: under ~6.7 % busy. A test fixture or an idle service qualifies; a
 * loaded server does not, and gets censuses only on `l` (or with `--census always`).
 */
export const maxAutoCensusUtilization = autoCensusBudget / censusLastingSlowdown;

/** The wait before reconnect attempt `attempt` (1-based): 0.5 s, 1 s, 2 s... up to 15 s. */
export function reconnectDelayMs(attempt: number): number {
	return Math.min(15_000, 500 * 2 ** Math.max(0, attempt - 1));
}

/** Event loop readings from two samples of the target (its clock, cumulative busy ms). */
export interface LoopReading {
	t: number;
	loopActiveMs: number;
}

/**
 * The share of wall time the target's event loop was busy between two readings; null when they
 * cannot tell (under half a second apart, or out of order).
 */
export function loopUtilization(earlier: LoopReading, later: LoopReading): number | null {
	const wallMs = later.t - earlier.t;
	if (!(wallMs >= 500)) return null;
	return Math.min(1, Math.max(0, (later.loopActiveMs - earlier.loopActiveMs) / wallMs));
}

/**
 * The delay after the `done`-th automatic census: 30 s, 60 s, 120 s... doubling to `maxMs`, or
 * longer when the last one's cost would pass `budget` of wall time. The first three censuses
 * give the listener series the three points a trend needs, so they are held to the call's own
 * duration; after that its full cost counts.
 */
export function censusDelayMs(done: number, lastDurationMs: number, {firstMs = 30_000, maxMs = 600_000, budget = 0.01} = {}): number {
	const doubling = firstMs * 2 ** Math.max(0, done - 1);
	const cost = done <= 2 ? lastDurationMs : lastDurationMs * censusHiddenCost;
	return Math.min(maxMs, Math.max(doubling, budgetedDelayMs(cost, budget, 0, maxMs)));
}
