/**
 * The TUI's snapshot diff as state: which two snapshots `d` compares (baseline, latest, picks),
 * the diff's life from reading to the class table and one opened class, and the log lines, all
 * through the same reducer the TUI uses.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {type DiffEvent, diffTotals, initialDiff, readFraction, reduceDiff, rowKey, selectedRow} from '../../src/model/diff-state.js';
import type {ClassCountDiff, ClassDiff} from '../../src/model/heap-snapshot/diff.js';
import {baselineSnapshotIndex, diffPair, type SnapshotRecord} from '../../src/model/snapshots-state.js';
import {type Event, initialState, reduce, type State} from '../../src/model/state.js';
import type {ClassInstances, ComparisonSummary} from '../../src/snapshot-analysis.js';
import {classRow} from '../helpers/diff-rows.js';

const t0 = 1_700_000_000_000;
const pathAt = (i: number) => `/srv/out/web-4242-2026112${i}T193000.heapsnapshot`;

function record(i: number): SnapshotRecord {
	return {path: pathAt(i), bytes: 5_000_000 + i, t: t0 + i * 60_000, heapUsed: 8_000_000, pauseMs: 900, nodeCount: 50_000};
}

const written = (i: number): Event => ({type: 'snapshot-written', snapshot: record(i)});

function run(events: Event[], from: State = initialState({historySize: 60})): State {
	return events.reduce(reduce, from);
}

/** Which of the taken snapshots (1-based, as written) `d` would compare. */
function pairOf(state: State): [number, number] | null {
	const pair = diffPair(state.snapshots);
	if (!pair) return null;
	const index = (r: SnapshotRecord) => state.snapshots.taken.indexOf(r) + 1;
	return [index(pair.base), index(pair.next)];
}

const rows: ClassDiff[] = [
	classRow('(string)', 1218, 2, 1_422_040, 80),
	classRow('{sku, name}', 489, 0, 27_384, 0),
	classRow('{user, items, history, notes}', 62, 0, 4464, 0),
	classRow('Timeout', 3, 5, 300, 500),
];

function summary(overrides: Partial<ComparisonSummary> = {}): ComparisonSummary {
	return {
		base: {path: pathAt(1), bytes: 4_976_771, nodeCount: 50_268, edgeCount: 223_462},
		next: {path: pathAt(2), bytes: 5_492_354, nodeCount: 56_172, edgeCount: 246_634},
		comparable: true,
		reason: null,
		agreement: 1,
		classes: rows,
		...overrides,
	};
}

const instances: ClassInstances = {
	name: '{user, items, history, notes}',
	which: 'new',
	total: 62,
	retainedSize: 1_500_000,
	instances: [1, 2, 3].map(id => ({id, label: `Object @${id}`, selfSize: 72, retainedSize: 25_000 - id, retainers: [{node: `Object @${id}`, edge: '81'}, {node: '(array) @9', edge: 'table'}, {node: 'Map @8', edge: ''}], closure: null})),
};

const started: DiffEvent = {type: 'diff-started', t: t0, base: {path: pathAt(1), t: t0 + 60_000}, next: {path: pathAt(2), t: t0 + 120_000}};

test('fewer than two snapshots: nothing to compare', () => {
	assert.equal(pairOf(run([])), null);
	assert.equal(pairOf(run([written(1)])), null);
	assert.equal(baselineSnapshotIndex(run([written(1)]).snapshots), null);
});

test('no baseline mark: the first snapshot of the session against the latest', () => {
	assert.deepEqual(pairOf(run([written(1), written(2)])), [1, 2]);
	assert.deepEqual(pairOf(run([written(1), written(2), written(3), written(4)])), [1, 4]);
});

test('b marks the next snapshot as the baseline one; with only one after it, the one before the latest', () => {
	const b: Event = {type: 'baseline', t: t0};
	assert.deepEqual(pairOf(run([written(1), written(2), b, written(3), written(4), written(5)])), [3, 5]);
	// One snapshot since b: comparing it with itself says nothing, so the one taken before it.
	assert.deepEqual(pairOf(run([written(1), written(2), b, written(3)])), [2, 3]);
	// None since b: the two newest.
	assert.deepEqual(pairOf(run([written(1), written(2), written(3), b])), [2, 3]);
	// b before any snapshot: the first is the baseline one.
	assert.deepEqual(pairOf(run([b, written(1), written(2), written(3)])), [1, 3]);
});

test('up/down select a snapshot (the first press lands on the latest), enter picks it; picks decide the pair', () => {
	let state = run([written(1), written(2), written(3), written(4)]);
	assert.equal(state.snapshots.selected, null);
	state = run([{type: 'select-snapshot', delta: -1}], state);
	assert.equal(state.snapshots.selected, 3, 'the latest row');
	assert.equal(state.panel, 'snapshots');
	state = run([{type: 'select-snapshot', delta: -1}, {type: 'select-snapshot', delta: -1}], state);
	assert.equal(state.snapshots.selected, 1);
	state = run([{type: 'pick-snapshot'}], state);
	assert.deepEqual(state.snapshots.picked, [pathAt(2)]);
	// One picked: it against the latest.
	assert.deepEqual(pairOf(state), [2, 4]);
	state = run([{type: 'select-snapshot', delta: 5}, {type: 'pick-snapshot'}], state);
	assert.equal(state.snapshots.selected, 3, 'clamped at the last row');
	// The latest picked alone would compare with itself: the baseline one against it.
	assert.deepEqual(pairOf(run([{type: 'select-snapshot', delta: -2}, {type: 'pick-snapshot'}], state)), [1, 4]);
	// Two picked: those two, earlier first, whatever order they were picked in.
	state = run([{type: 'select-snapshot', delta: -3}, {type: 'pick-snapshot'}], state);
	assert.equal(state.snapshots.selected, 0);
	assert.deepEqual(state.snapshots.picked, [pathAt(4), pathAt(1)], 'a third pick replaces the oldest');
	assert.deepEqual(pairOf(state), [1, 4]);
	// enter on a picked row unpicks it.
	state = run([{type: 'pick-snapshot'}], state);
	assert.deepEqual(state.snapshots.picked, [pathAt(4)]);
	assert.deepEqual(pairOf(state), [1, 4]);
	// enter before any up/down picks the latest.
	const fresh = run([{type: 'pick-snapshot'}], run([written(1), written(2), written(3)]));
	assert.deepEqual(fresh.snapshots.picked, [pathAt(3)]);
	assert.equal(fresh.snapshots.selected, 2);
	// No snapshots: nothing to select or pick.
	assert.equal(run([{type: 'select-snapshot', delta: 1}, {type: 'pick-snapshot'}]).snapshots.selected, null);
});

test('reading: progress per file, then comparing, then the table; the time taken counts from the start', () => {
	let diff = reduceDiff(initialDiff, started);
	assert.equal(diff.status, 'reading');
	assert.equal(readFraction(diff.read.base), 0);
	diff = reduceDiff(diff, {type: 'diff-progress', progress: {stage: 'reading', file: 'base', bytesRead: 1_048_576, totalBytes: 4_194_304}});
	assert.equal(readFraction(diff.read.base), 0.25);
	assert.equal(diff.read.next, null);
	diff = reduceDiff(diff, {type: 'diff-progress', progress: {stage: 'reading', file: 'base', bytesRead: 4_194_304, totalBytes: 4_194_304}});
	diff = reduceDiff(diff, {type: 'diff-progress', progress: {stage: 'reading', file: 'next', bytesRead: 1_000, totalBytes: 4_000}});
	assert.equal(readFraction(diff.read.base), 1);
	assert.equal(readFraction(diff.read.next), 0.25);
	diff = reduceDiff(diff, {type: 'diff-progress', progress: {stage: 'comparing'}});
	assert.equal(diff.status, 'comparing');
	diff = reduceDiff(diff, {type: 'diff-done', t: t0 + 1_250, summary: summary()});
	assert.equal(diff.status, 'done');
	assert.equal(diff.durationMs, 1_250);
	assert.equal(selectedRow(diff)?.name, '(string)');
});

test('the table: up/down clamp at both ends; enter opens the selected class until its instances arrive', () => {
	let diff = reduceDiff(reduceDiff(initialDiff, started), {type: 'diff-done', t: t0 + 1000, summary: summary()});
	diff = reduceDiff(diff, {type: 'diff-select', delta: -1});
	assert.equal(diff.selected, 0);
	diff = reduceDiff(diff, {type: 'diff-select', delta: 9});
	assert.equal(diff.selected, 3);
	diff = reduceDiff(diff, {type: 'diff-select', delta: -1});
	assert.equal(selectedRow(diff)?.name, '{user, items, history, notes}');
	diff = reduceDiff(diff, {type: 'diff-open'});
	assert.deepEqual(diff.opened, {key: ',{user, items, history, notes}', name: '{user, items, history, notes}', status: 'loading', instances: null, error: null, selected: 0});
	// While a class is open, up/down move between its instances, not the classes.
	assert.equal(reduceDiff(diff, {type: 'diff-select', delta: 1}).selected, 2);
	// An answer about another class (opened before, closed since) is not this one's.
	assert.equal(reduceDiff(diff, {type: 'diff-instances', key: ',(string)', instances}).opened?.status, 'loading');
	diff = reduceDiff(diff, {type: 'diff-instances', key: ',{user, items, history, notes}', instances});
	assert.equal(diff.opened?.status, 'done');
	diff = reduceDiff(diff, {type: 'diff-select-instance', delta: 1});
	diff = reduceDiff(diff, {type: 'diff-select-instance', delta: 7});
	assert.equal(diff.opened?.selected, 2);
	diff = reduceDiff(diff, {type: 'diff-select-instance', delta: -9});
	assert.equal(diff.opened?.selected, 0);
	diff = reduceDiff(diff, {type: 'diff-close-class'});
	assert.equal(diff.opened, null);
	assert.equal(selectedRow(diff)?.name, '{user, items, history, notes}', 'back on the same row');
	const failed = reduceDiff(reduceDiff(diff, {type: 'diff-open'}), {type: 'diff-instances-failed', key: ',{user, items, history, notes}', message: 'the snapshot diff worker exited (code 1)'});
	assert.equal(failed.opened?.status, 'failed');
	assert.equal(failed.opened?.error, 'the snapshot diff worker exited (code 1)');
});

test('nothing to select or open while reading, nor in an empty table', () => {
	const reading = reduceDiff(initialDiff, started);
	assert.equal(reduceDiff(reading, {type: 'diff-select', delta: 1}), reading);
	assert.equal(reduceDiff(reading, {type: 'diff-open'}), reading);
	const empty = reduceDiff(reading, {type: 'diff-done', t: t0, summary: summary({classes: []})});
	assert.equal(reduceDiff(empty, {type: 'diff-select', delta: 1}), empty);
	assert.equal(reduceDiff(empty, {type: 'diff-open'}), empty);
});

test('after esc (closed) the worker\'s late progress, table or failure change nothing', () => {
	const closed = reduceDiff(reduceDiff(initialDiff, started), {type: 'diff-closed', t: t0 + 10});
	assert.deepEqual(closed, initialDiff);
	for (const late of [
		{type: 'diff-progress', progress: {stage: 'comparing'}},
		{type: 'diff-done', t: t0 + 20, summary: summary()},
		{type: 'diff-failed', t: t0 + 20, message: 'the snapshot diff was stopped'},
	] satisfies DiffEvent[]) {
		assert.equal(reduceDiff(closed, late), closed, late.type);
	}
});

test('class-count rows (different processes) are keyed by name; totals add deltas only', () => {
	const counts: ClassCountDiff[] = [{name: 'Object', baseCount: 10, count: 25, countDelta: 15, baseSize: 1000, size: 2500, sizeDelta: 1500}];
	assert.equal(rowKey(counts[0]!), 'Object');
	assert.deepEqual(diffTotals(summary({comparable: false, classes: counts})), {newCount: 0, deletedCount: 0, countDelta: 15, sizeDelta: 1500});
	assert.deepEqual(diffTotals(summary()), {newCount: 1772, deletedCount: 7, countDelta: 1765, sizeDelta: 1_453_608});
});

test('through the reducer: the snapshots panel comes up; start, result, failure and cancel are logged', () => {
	let state = run([written(1), written(2), {type: 'cycle-panel'}, started]);
	assert.equal(state.panel, 'snapshots');
	assert.equal(state.snapshots.diff.status, 'reading');
	assert.equal(state.log.items.at(-1)!.text, 'comparing heap snapshots web-4242-20261121T193000.heapsnapshot -> web-4242-20261122T193000.heapsnapshot (in a worker thread)');
	const done = run([{type: 'diff-done', t: t0 + 1_250, summary: summary()}], state);
	assert.deepEqual(done.log.items.at(-1), {t: t0 + 1_250, level: 'info', text: 'snapshot diff in 1s: 1772 new, 7 deleted objects, +1.5 MB'});
	const reason = 'different processes (web pid 1, web pid 2); comparing class counts only';
	const counts = run([{type: 'diff-done', t: t0 + 300, summary: summary({comparable: false, reason, classes: []})}], state);
	assert.deepEqual(counts.log.items.at(-1), {t: t0 + 300, level: 'warn', text: `snapshot diff in 300 ms: ${reason}`});
	const failed = run([{type: 'diff-failed', t: t0 + 300, message: '/srv/out/x.heapsnapshot is truncated'}], state);
	assert.equal(failed.snapshots.diff.status, 'failed');
	assert.deepEqual(failed.log.items.at(-1), {t: t0 + 300, level: 'error', text: 'snapshot diff failed: /srv/out/x.heapsnapshot is truncated'});
	const cancelled = run([{type: 'diff-closed', t: t0 + 300}], state);
	assert.equal(cancelled.snapshots.diff.status, 'idle');
	assert.equal(cancelled.log.items.at(-1)!.text, 'snapshot diff cancelled: the worker reading the files was stopped');
	// Closing a finished diff is routine: no log line.
	const closed = run([{type: 'diff-closed', t: t0 + 2000}], done);
	assert.equal(closed.log.items.length, done.log.items.length);
	state = run([{type: 'show-panel', panel: 'chart'}], done);
	assert.equal(state.panel, 'chart');
	assert.equal(run([{type: 'show-panel', panel: 'snapshots'}], state).snapshots.diff.status, 'done', 'the diff waits behind other panels');
});
