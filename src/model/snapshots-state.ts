/**
 * Heap snapshots as the TUI and the report know them: the one capture that may be running, the
 * files taken, and the near-heap-limit snapshot armed in the target. Pure: no I/O, no timers.
 */
import type {SnapshotEstimate} from './snapshot-risk.js';

export interface SnapshotRecord {
	path: string;
	bytes: number;
	/** Local epoch ms when the file was complete. */
	t: number;
	/** heapUsed just before the capture. */
	heapUsed: number;
	/** How long the target's main thread was stopped. */
	pauseMs: number;
	/** Nodes in the snapshot: objects on the heap. */
	nodeCount: number | null;
}

/**
 * checking: reading what the target can spare; confirm: waiting for y/N after a risk warning;
 * building: the target walks its heap; writing: chunks streaming to disk; abandoning: the user
 * gave up, the target finishes its pause.
 */
export type CapturePhase = 'checking' | 'confirm' | 'building' | 'writing' | 'abandoning';

export interface Capture {
	phase: CapturePhase;
	estimate: SnapshotEstimate | null;
	/** Building progress, as V8 reports it. */
	done: number;
	total: number;
	bytesWritten: number;
	/** Local epoch ms. */
	startedAt: number;
	path: string | null;
}

export interface NearLimitSnapshot {
	/** Local epoch ms. */
	armedAt: number;
	/** Where the process will write it. */
	where: string;
}

export interface SnapshotsState {
	capture: Capture | null;
	taken: SnapshotRecord[];
	nearLimit: NearLimitSnapshot | null;
	/** A near-limit arming waiting for y/N. */
	nearLimitConfirm: boolean;
}

export const initialSnapshots: SnapshotsState = {capture: null, taken: [], nearLimit: null, nearLimitConfirm: false};

/** Objects on the heap at the last snapshot: the better basis for the next estimate. */
export function lastObjectCount(state: SnapshotsState): number | null {
	return state.taken.at(-1)?.nodeCount ?? null;
}

/**
 * 0..1 for a progress bar: building counts for the first half, writing the second (against the
 * estimated file size, never reaching 1 before the file is complete).
 */
export function progressFraction(progress: CaptureProgress, expectedFileBytes: number | null): number {
	if (progress.phase === 'building') return progress.total > 0 ? (0.5 * progress.done) / progress.total : 0;
	return expectedFileBytes ? 0.5 + 0.5 * Math.min(0.99, progress.bytes / expectedFileBytes) : 0.5;
}

export function captureProgress(capture: Capture): number {
	const expected = capture.estimate?.fileBytes ?? null;
	if (capture.phase === 'building') return progressFraction({phase: 'building', done: capture.done, total: capture.total}, expected);
	if (capture.phase === 'writing') return progressFraction({phase: 'writing', bytes: capture.bytesWritten}, expected);
	return 0;
}

/** What a capture reports as it goes (the inspector's `SnapshotProgress`). */
export type CaptureProgress = {phase: 'building'; done: number; total: number} | {phase: 'writing'; bytes: number};
