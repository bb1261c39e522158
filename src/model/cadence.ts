/** How often costly work may run. Pure: no I/O, no timers. */

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
 * What a census really costs a busy target, as a multiple of how long the call took:
 * `Runtime.queryObjects` runs a memory-reducing full GC, and its after-effects (code and new
 * space to rebuild) outlast the call. Measured on the overhead benchmark's server: a census
 * every 5 s took 23 % of its throughput while each lasted 140 ms, about 8x.
 */
export const censusHiddenCost = 8;

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
