/**
 * One heap snapshot, as `s` in the TUI and `leaktop snapshot` take it: estimate the cost from
 * what the target can spare, ask when it is risky, then stream it to disk with progress.
 */
import {join} from 'node:path';
import {describeError} from './errors.js';
import type {Monitor} from './inspector/monitor.js';
import {SnapshotAbandonedError} from './inspector/snapshot.js';
import {estimateSnapshot, type SnapshotEstimate} from './model/snapshot-risk.js';
import type {Event} from './model/state.js';
import type {SnapshotRecord} from './model/snapshots-state.js';
import type {TargetInfo} from './model/types.js';
import {snapshotFileName} from './file-names.js';

export interface SnapshotFlow {
	monitor: Monitor;
	dispatch: (event: Event) => void;
	target: TargetInfo | null;
	dir: string;
	/** Objects at the previous snapshot of this process: a better basis than heap size. */
	objectCount: number | null;
	/** Asked only when the estimate is risky; resolves true to go ahead. */
	confirm: (estimate: SnapshotEstimate) => Promise<boolean>;
	/** Abandons the capture (the target still finishes its pause). */
	signal?: AbortSignal;
}

export type SnapshotOutcome = {kind: 'written'; snapshot: SnapshotRecord} | {kind: 'declined'; estimate: SnapshotEstimate | null} | {kind: 'abandoned'; estimate: SnapshotEstimate | null; reason: string} | {kind: 'failed'; message: string};

export async function takeSnapshot({monitor, dispatch, target, dir, objectCount, confirm, signal}: SnapshotFlow): Promise<SnapshotOutcome> {
	dispatch({type: 'snapshot-checking', t: Date.now()});
	let estimate: SnapshotEstimate | null = null;
	try {
		const headroom = await monitor.headroom();
		estimate = estimateSnapshot(headroom, objectCount);
		// Esc while the target was being asked: nothing to ask, nothing to take.
		if (signal?.aborted) {
			const reason = 'heap snapshot abandoned before it started: the target was not paused';
			dispatch({type: 'snapshot-cancelled', t: Date.now(), reason});
			return {kind: 'abandoned', estimate, reason};
		}
		dispatch({type: 'snapshot-estimate', t: Date.now(), estimate, confirm: estimate.risky});
		if (estimate.risky && !(await confirm(estimate))) {
			dispatch({type: 'snapshot-cancelled', t: Date.now(), reason: 'heap snapshot not taken'});
			return {kind: 'declined', estimate};
		}
		const path = join(dir, snapshotFileName(target, new Date()));
		dispatch({type: 'snapshot-started', t: Date.now(), path});
		const captured = await monitor.snapshot({path, signal, onProgress: progress => dispatch({type: 'snapshot-progress', progress})});
		const snapshot: SnapshotRecord = {path: captured.path, bytes: captured.bytes, t: Date.now(), heapUsed: headroom.heapUsed, pauseMs: captured.pauseMs, nodeCount: captured.nodeCount};
		dispatch({type: 'snapshot-written', snapshot});
		return {kind: 'written', snapshot};
	} catch (error) {
		if (error instanceof SnapshotAbandonedError) {
			const reason = describeError(error);
			dispatch({type: 'snapshot-cancelled', t: Date.now(), reason});
			return {kind: 'abandoned', estimate, reason};
		}
		const message = describeError(error);
		dispatch({type: 'snapshot-failed', t: Date.now(), message});
		return {kind: 'failed', message};
	}
}
