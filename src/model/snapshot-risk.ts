/**
 * Before a heap snapshot: how long the target will stop and how much extra memory it will need,
 * against what it can still use. A snapshot of a leaking process in a small container is how a
 * debugging session turns into an OOM kill. Pure: no I/O, no timers.
 */
import {formatBytes, formatCost} from './format.js';

/** What the target can still use, read just before the snapshot. */
export interface Headroom {
	heapUsed: number;
	rss: number;
	/** `process.constrainedMemory()` when the process runs under a real limit, else null. */
	containerLimit: number | null;
	/** `os.freemem()` in the target: the host's free memory as the target's kernel sees it. */
	freeMemory: number | null;
}

/**
 * The cost model, calibrated by bench/snapshot.ts (bench/RESULTS.md section 6): 50-300 MB heaps
 * paused 80-110 ms per MB (3.4-4.6 s per million objects) on a quiet machine and up to 171 ms
 * under load, and took 12-14x heapUsed (520-580 bytes per object) of extra memory. The pause
 * grows faster than the heap and an OOM warning must err high, so the constants sit at the
 * upper end. Per-object figures are used once an earlier snapshot counted the objects.
 */
export interface SnapshotCostModel {
	pauseMsPerHeapMB: number;
	pauseMsPerMillionObjects: number;
	/** Extra peak memory of the target while it builds and serializes the snapshot. */
	extraBytesPerHeapByte: number;
	extraBytesPerObject: number;
	fileBytesPerHeapByte: number;
	/** Risky when the extra memory would take more than this share of what is left. */
	maxShareOfHeadroom: number;
	/** Risky when the pause would be longer than this (health checks, load balancers). */
	maxPauseMs: number;
}

export const defaultCostModel: SnapshotCostModel = {
	pauseMsPerHeapMB: 120,
	pauseMsPerMillionObjects: 5000,
	extraBytesPerHeapByte: 18,
	extraBytesPerObject: 650,
	fileBytesPerHeapByte: 1.8,
	maxShareOfHeadroom: 0.5,
	maxPauseMs: 30_000,
};

export interface SnapshotEstimate {
	pauseMs: number;
	extraBytes: number;
	fileBytes: number;
	/** What the estimate rests on. */
	basis: 'heap size' | 'object count';
	/** Memory the target can still take: the smaller of the container's and the host's. */
	availableBytes: number | null;
	risky: boolean;
	/** Why it is risky, one short clause each. */
	reasons: string[];
}

export function estimateSnapshot(headroom: Headroom, objectCount: number | null = null, model: SnapshotCostModel = defaultCostModel): SnapshotEstimate {
	const byObjects = objectCount !== null && objectCount > 0;
	const pauseMs = byObjects ? (objectCount / 1e6) * model.pauseMsPerMillionObjects : (headroom.heapUsed / 1e6) * model.pauseMsPerHeapMB;
	const extraBytes = byObjects ? Math.max(objectCount * model.extraBytesPerObject, headroom.heapUsed) : headroom.heapUsed * model.extraBytesPerHeapByte;
	const candidates = [headroom.containerLimit === null ? null : headroom.containerLimit - headroom.rss, headroom.freeMemory].filter((n): n is number => n !== null);
	const availableBytes = candidates.length > 0 ? Math.max(0, Math.min(...candidates)) : null;
	const reasons: string[] = [];
	if (availableBytes !== null && extraBytes > availableBytes * model.maxShareOfHeadroom) {
		reasons.push(`it may need ${formatBytes(extraBytes)} more memory and only ${formatBytes(availableBytes)} is free${headroom.containerLimit !== null ? ' under the container limit' : ''}: the target could be OOM-killed`);
	}
	if (pauseMs > model.maxPauseMs) reasons.push(`the target will stop for about ${formatCost(pauseMs)}: health checks may fail`);
	return {
		pauseMs,
		extraBytes,
		fileBytes: headroom.heapUsed * model.fileBytesPerHeapByte,
		basis: byObjects ? 'object count' : 'heap size',
		availableBytes,
		risky: reasons.length > 0,
		reasons,
	};
}

/** One line for the TUI and stderr: what the snapshot will cost. */
export function describeEstimate(estimate: SnapshotEstimate): string {
	const free = estimate.availableBytes === null ? '' : ` of ${formatBytes(estimate.availableBytes)} free`;
	return `pause about ${formatCost(estimate.pauseMs)}, +${formatBytes(estimate.extraBytes)} target memory${free}, file about ${formatBytes(estimate.fileBytes)} (from ${estimate.basis})`;
}
