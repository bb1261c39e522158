/**
 * Heap snapshots as the TUI and the report know them: the one capture that may be running, the
 * files taken, and the near-heap-limit snapshot armed in the target. Pure: no I/O, no timers.
 */
import {type DiffState, initialDiff} from './diff-state.js';
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
	/** How many snapshots had been taken at the last `b`: the next one is the baseline snapshot. */
	baselineFrom: number;
	/** Index into `taken` of the row up/down moved to; null until they are used. */
	selected: number | null;
	/** Paths picked with enter for `d`, at most two, in the order picked. */
	picked: string[];
	diff: DiffState;
}

export const initialSnapshots: SnapshotsState = {capture: null, taken: [], nearLimit: null, nearLimitConfirm: false, baselineFrom: 0, selected: null, picked: [], diff: initialDiff};

/** Objects on the heap at the last snapshot: the better basis for the next estimate. */
export function lastObjectCount(state: SnapshotsState): number | null {
	return state.taken.at(-1)?.nodeCount ?? null;
}

/**
 * The snapshot `d` compares the latest with when none is picked: the first one taken after the
 * last `b` (the session's first without one), or, when that would be the latest itself, the one
 * before the latest. Null with fewer than two snapshots.
 */
export function baselineSnapshotIndex(state: SnapshotsState): number | null {
	if (state.taken.length < 2) return null;
	return Math.min(state.baselineFrom, state.taken.length - 2);
}

export const notEnoughSnapshots = 'take two snapshots first: s now, s again later';

/**
 * The two snapshots `d` compares, earlier first: the two picked; one picked and the latest (or
 * the baseline snapshot, when the latest is the one picked); else the baseline and the latest.
 */
export function diffPair(state: SnapshotsState): {base: SnapshotRecord; next: SnapshotRecord} | null {
	const {taken} = state;
	const baseline = baselineSnapshotIndex(state);
	if (baseline === null) return null;
	const picked = state.picked.map(path => taken.findIndex(s => s.path === path)).filter(i => i >= 0);
	const latest = taken.length - 1;
	let [a, b] = [baseline, latest];
	if (picked.length >= 2) [a, b] = [picked[0]!, picked[1]!];
	else if (picked.length === 1) [a, b] = picked[0] === latest ? [baseline, latest] : [picked[0]!, latest];
	return {base: taken[Math.min(a, b)]!, next: taken[Math.max(a, b)]!};
}

/** up/down on the table: the first press lands on the latest row. */
export function moveSnapshotSelection(state: SnapshotsState, delta: number): SnapshotsState {
	const last = state.taken.length - 1;
	if (last < 0) return state;
	return {...state, selected: state.selected === null ? last : Math.max(0, Math.min(last, state.selected + delta))};
}

/** enter on the table: picks the selected row for `d` (the latest when none is selected), or unpicks it; a third pick replaces the oldest. */
export function togglePick(state: SnapshotsState): SnapshotsState {
	const index = state.selected ?? state.taken.length - 1;
	const path = state.taken[index]?.path;
	if (path === undefined) return state;
	const picked = state.picked.includes(path) ? state.picked.filter(p => p !== path) : [...state.picked, path].slice(-2);
	return {...state, selected: index, picked};
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
