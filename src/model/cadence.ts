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
