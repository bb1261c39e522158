/**
 * Leak evidence from a series: the floor (the lows the series returns to after GC) and how fast
 * it rises. Memory that rises and falls with load is not a leak; a floor that keeps climbing is.
 */

export interface Point {
	/** Epoch ms. */
	t: number;
	v: number;
}

export interface Trend {
	/** Units per hour, Theil-Sen over the floor points. */
	slopePerHour: number;
	/** Mann-Kendall probability that the floor is really rising (0..1). */
	confidence: number;
	/** How many floor points the estimate rests on. */
	points: number;
	spanMs: number;
}

export type Verdict = 'growing' | 'flat' | 'warming up';

export interface JudgeOptions {
	/** Slope that counts as growth, in units per hour (1 MB/h for memory, the seed's alert). */
	thresholdPerHour: number;
	/** Less history than this is "warming up". */
	minSpanMs?: number;
	minPoints?: number;
	/** Confidence needed over the whole window... */
	minConfidence?: number;
	/** ...and over its recent half, so a cache that warmed up and then went flat is not a leak. */
	minRecentConfidence?: number;
	/**
	 * How much the floor must really have risen over the window (slope x span), in units: a
	 * steep slope over a minute can be a few hundred KB of GC timing, not evidence.
	 */
	minGrowth?: number;
}

const hourMs = 3_600_000;

/** Median of the pairwise slopes (per ms): robust to a few wild points such as a GC mid-bucket. */
export function theilSen(points: readonly Point[]): number {
	const slopes: number[] = [];
	for (let i = 0; i < points.length; i++) {
		for (let j = i + 1; j < points.length; j++) {
			const dt = points[j]!.t - points[i]!.t;
			if (dt > 0) slopes.push((points[j]!.v - points[i]!.v) / dt);
		}
	}
	if (slopes.length === 0) return 0;
	slopes.sort((a, b) => a - b);
	const mid = slopes.length >> 1;
	return slopes.length % 2 ? slopes[mid]! : (slopes[mid - 1]! + slopes[mid]!) / 2;
}

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 through erf; error < 1.5e-7). */
export function normalCdf(z: number): number {
	const x = Math.abs(z) / Math.SQRT2;
	const t = 1 / (1 + 0.3275911 * x);
	const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
	return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/**
 * Mann-Kendall test for a monotonic upward trend: the probability (one-sided, normal
 * approximation with continuity correction) that the values rise rather than wander.
 */
export function risingConfidence(values: readonly number[]): number {
	const n = values.length;
	if (n < 3) return 0;
	let s = 0;
	for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) s += Math.sign(values[j]! - values[i]!);
	const variance = (n * (n - 1) * (2 * n + 5)) / 18;
	const z = s === 0 ? 0 : (s - Math.sign(s)) / Math.sqrt(variance);
	return normalCdf(z);
}

/**
 * Buckets must be longer than the series' GC cycle, or a bucket that falls on a rising leg of the
 * sawtooth reports a peak's foot as floor (measured: a bounded cache rising 19 -> 35 MB over 8 s
 * between major GCs). So: 1.5 cycles when the series shows big drops (at most 1/6 of the window),
 * else 1/24 of the window, and never under `minBucketMs`.
 */
export function bucketSize(samples: readonly Point[], span: number, minBucketMs: number): number {
	const base = Math.max(minBucketMs, span / 24);
	let drops = 0;
	for (let i = 1; i < samples.length; i++) if (samples[i]!.v < samples[i - 1]!.v * 0.9) drops++;
	if (drops < 2) return base;
	return Math.max(base, Math.min((1.5 * span) / drops, span / 6));
}

/**
 * The floor of a series: the minimum of each time bucket, plus every value measured right after
 * a forced GC (an exact floor); no bucket minimum is left above an exact floor measured after it,
 * and with two exact floors or more, none after the last one counts.
 * Buckets of about 1/24 of the window, at least `minBucketMs`, so each usually spans a GC.
 */
export function floorPoints(samples: readonly Point[], forced: readonly Point[] = [], minBucketMs = 5000): Point[] {
	if (samples.length === 0) return [];
	const start = samples[0]!.t;
	const span = samples[samples.length - 1]!.t - start;
	const bucketMs = bucketSize(samples, span, minBucketMs);
	const buckets = new Map<number, Point>();
	for (const p of samples) {
		const key = Math.floor((p.t - start) / bucketMs);
		const low = buckets.get(key);
		if (!low || p.v < low.v) buckets.set(key, p);
	}
	const end = samples[samples.length - 1]!.t;
	const floors = [...buckets.entries()]
		// A last bucket shorter than half a bucket has not had its chance to see a GC yet.
		.filter(([key]) => end - (start + key * bucketMs) >= bucketMs / 2 || key === 0)
		.map(([, p]) => p);
	// An exact floor just after the last sample counts too: a headless run takes its last census then.
	const inWindow = forced.filter(p => p.t >= start && p.t <= end + bucketMs).sort((a, b) => a.t - b.t);
	// A bucket minimum above a later exact floor was garbage waiting for a major GC, not floor
	// (measured: a bounded cache's minima climbed 8.5 -> 19.3 MB, then a full GC showed 8.1 MB).
	// Lower it to that exact floor; a real leak's earlier minima are below it anyway.
	const laterExact = new Array<number>(inWindow.length + 1).fill(Infinity);
	for (let i = inWindow.length - 1; i >= 0; i--) laterExact[i] = Math.min(inWindow[i]!.v, laterExact[i + 1]!);
	// Once forced GCs come regularly (a census every 10-30 s), minima after the last one have
	// had no GC to disprove them: wait for the next exact floor rather than read a rising
	// leg of the sawtooth as growth.
	const lastExact = inWindow.length >= 2 ? inWindow[inWindow.length - 1]!.t : Infinity;
	let next = 0;
	const clamped = floors.filter(p => p.t <= lastExact).map(p => {
		while (next < inWindow.length && inWindow[next]!.t <= p.t) next++;
		return {t: p.t, v: Math.min(p.v, laterExact[next]!)};
	});
	return [...clamped, ...inWindow].sort((a, b) => a.t - b.t);
}

export function trendOf(floors: readonly Point[]): Trend {
	return {
		slopePerHour: theilSen(floors) * hourMs,
		confidence: risingConfidence(floors.map(p => p.v)),
		points: floors.length,
		spanMs: floors.length > 1 ? floors[floors.length - 1]!.t - floors[0]!.t : 0,
	};
}

export interface Judgement {
	verdict: Verdict;
	trend: Trend;
	/** The same statistics over the recent half of the floor points. */
	recent: Trend;
}

export function judge(floors: readonly Point[], options: JudgeOptions): Judgement {
	const {thresholdPerHour, minSpanMs = 30_000, minPoints = 6, minConfidence = 0.95, minRecentConfidence = 0.8, minGrowth = 0} = options;
	const trend = trendOf(floors);
	const recent = trendOf(floors.slice(Math.floor(floors.length / 2)));
	if (trend.spanMs < minSpanMs || trend.points < minPoints) return {verdict: 'warming up', trend, recent};
	const growing =
		trend.slopePerHour >= thresholdPerHour &&
		(trend.slopePerHour * trend.spanMs) / hourMs >= minGrowth &&
		trend.confidence >= minConfidence &&
		recent.slopePerHour >= thresholdPerHour &&
		// Half the rise over half the window: a cache that filled early and then stayed within
		// a few hundred KB must not pass on the strength of its warm-up alone.
		(recent.slopePerHour * recent.spanMs) / hourMs >= minGrowth / 2 &&
		recent.confidence >= minRecentConfidence;
	return {verdict: growing ? 'growing' : 'flat', trend, recent};
}

/** Milliseconds until a series growing at `slopePerHour` from `current` reaches `limit`. */
export function timeToLimitMs(current: number, slopePerHour: number, limit: number | null): number | null {
	if (limit === null || slopePerHour <= 0 || current >= limit) return null;
	return ((limit - current) / slopePerHour) * hourMs;
}
