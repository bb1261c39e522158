/**
 * The TUI's snapshot diff: reading the two files (progress per file), comparing, the class
 * table with its selection, and one opened class with its new instances. Pure: no I/O, no
 * timers; the work itself runs in a worker (src/snapshot-diff-client.ts).
 */
import type {ClassCountDiff, ClassDiff} from './heap-snapshot/diff.js';
import type {ClassInstances, ComparisonProgress, ComparisonSummary} from '../snapshot-analysis.js';

/**
 * idle: no diff on screen; reading: the worker parses the files; comparing: both read, matching
 * ids; done: the class table; failed: one line says why.
 */
export type DiffStatus = 'idle' | 'reading' | 'comparing' | 'done' | 'failed';

export interface DiffFile {
	path: string;
	/** Local epoch ms the snapshot was taken. */
	t: number;
}

export interface FileProgress {
	bytesRead: number;
	totalBytes: number;
}

export type DiffRow = ClassDiff | ClassCountDiff;

export interface OpenedClass {
	/** What the worker is asked about: the row's key (its name for class-count rows). */
	key: string;
	name: string;
	status: 'loading' | 'done' | 'failed';
	/** Null when done but the class has no instances left to show. */
	instances: ClassInstances | null;
	error: string | null;
	/** The instance whose retainer path is shown. */
	selected: number;
}

export interface DiffState {
	status: DiffStatus;
	base: DiffFile | null;
	next: DiffFile | null;
	/** Local epoch ms. */
	startedAt: number;
	/** How long reading and comparing took, once done. */
	durationMs: number | null;
	read: {base: FileProgress | null; next: FileProgress | null};
	summary: ComparisonSummary | null;
	error: string | null;
	/** Index into summary.classes; the table does not re-sort, so an index is stable. */
	selected: number;
	opened: OpenedClass | null;
}

export const initialDiff: DiffState = {
	status: 'idle',
	base: null,
	next: null,
	startedAt: 0,
	durationMs: null,
	read: {base: null, next: null},
	summary: null,
	error: null,
	selected: 0,
	opened: null,
};

export type DiffEvent =
	| {type: 'diff-started'; t: number; base: DiffFile; next: DiffFile}
	| {type: 'diff-progress'; progress: ComparisonProgress}
	| {type: 'diff-done'; t: number; summary: ComparisonSummary}
	| {type: 'diff-failed'; t: number; message: string}
	/** esc on the table, or while reading (then the worker was stopped). */
	| {type: 'diff-closed'; t: number}
	| {type: 'diff-select'; delta: number}
	/** enter on the table: the selected class, its instances being looked up. */
	| {type: 'diff-open'}
	| {type: 'diff-instances'; key: string; instances: ClassInstances | null}
	| {type: 'diff-instances-failed'; key: string; message: string}
	| {type: 'diff-select-instance'; delta: number}
	| {type: 'diff-close-class'};

export const rowKey = (row: DiffRow): string => ('key' in row ? row.key : row.name);

export function isDiffRunning(diff: DiffState): boolean {
	return diff.status === 'reading' || diff.status === 'comparing';
}

export function selectedRow(diff: DiffState): DiffRow | null {
	return diff.summary?.classes[diff.selected] ?? null;
}

const clamp = (value: number, count: number) => Math.max(0, Math.min(count - 1, value));

export function reduceDiff(diff: DiffState, event: DiffEvent): DiffState {
	switch (event.type) {
		case 'diff-started':
			return {...initialDiff, status: 'reading', base: event.base, next: event.next, startedAt: event.t};
		case 'diff-progress': {
			if (!isDiffRunning(diff)) return diff;
			const {progress} = event;
			if (progress.stage === 'comparing') return {...diff, status: 'comparing'};
			return {...diff, read: {...diff.read, [progress.file]: {bytesRead: progress.bytesRead, totalBytes: progress.totalBytes}}};
		}
		case 'diff-done':
			if (!isDiffRunning(diff)) return diff;
			return {...diff, status: 'done', summary: event.summary, durationMs: event.t - diff.startedAt, selected: 0};
		case 'diff-failed':
			if (diff.status === 'idle') return diff;
			return {...diff, status: 'failed', error: event.message, opened: null};
		case 'diff-closed':
			return initialDiff;
		case 'diff-select': {
			const count = diff.summary?.classes.length ?? 0;
			if (diff.status !== 'done' || diff.opened || count === 0) return diff;
			return {...diff, selected: clamp(diff.selected + event.delta, count)};
		}
		case 'diff-open': {
			const row = diff.status === 'done' && !diff.opened ? selectedRow(diff) : null;
			if (!row) return diff;
			return {...diff, opened: {key: rowKey(row), name: row.name, status: 'loading', instances: null, error: null, selected: 0}};
		}
		case 'diff-instances':
			if (diff.opened?.key !== event.key) return diff;
			return {...diff, opened: {...diff.opened, status: 'done', instances: event.instances}};
		case 'diff-instances-failed':
			if (diff.opened?.key !== event.key) return diff;
			return {...diff, opened: {...diff.opened, status: 'failed', error: event.message}};
		case 'diff-select-instance': {
			const count = diff.opened?.instances?.instances.length ?? 0;
			if (!diff.opened || count === 0) return diff;
			return {...diff, opened: {...diff.opened, selected: clamp(diff.opened.selected + event.delta, count)}};
		}
		case 'diff-close-class':
			return diff.opened ? {...diff, opened: null} : diff;
	}
}

/** Totals over the table, for the title and the log. */
export interface DiffTotals {
	newCount: number;
	deletedCount: number;
	sizeDelta: number;
	countDelta: number;
}

export function diffTotals(summary: ComparisonSummary): DiffTotals {
	const totals = {newCount: 0, deletedCount: 0, sizeDelta: 0, countDelta: 0};
	for (const row of summary.classes) {
		if ('newCount' in row) {
			totals.newCount += row.newCount;
			totals.deletedCount += row.deletedCount;
		}
		totals.sizeDelta += row.sizeDelta;
		totals.countDelta += row.countDelta;
	}
	return totals;
}

/** 0..1 of one file read; 0 before its first chunk. */
export function readFraction(progress: FileProgress | null): number {
	return progress && progress.totalBytes > 0 ? Math.min(1, progress.bytesRead / progress.totalBytes) : 0;
}
