/**
 * The snapshot diff in the snapshots panel, fed through the reducer with the events the TUI
 * dispatches: the progress per file, the class table with DevTools' columns, the class-count
 * fallback, one class's instances with retainer paths and closure details, and the failure line.
 * Data shaped as SnapshotComparison returns it for a cache leak (see the client test for real files).
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import stringWidth from 'string-width';
import type {DiffEvent} from '../../src/model/diff-state.js';
import {formatClock} from '../../src/model/format.js';
import type {ClassCountDiff, ClassDiff} from '../../src/model/heap-snapshot/diff.js';
import type {SnapshotRecord} from '../../src/model/snapshots-state.js';
import {type Event, initialState, reduce, type State} from '../../src/model/state.js';
import type {ClassInstances, ComparisonSummary, InstanceView} from '../../src/snapshot-analysis.js';
import {classRow} from '../helpers/diff-rows.js';

// Ink colours (inverse included) only when chalk thinks the output takes them; chalk decides
// once, when it is first imported, so Ink and the views load after this line.
process.env.FORCE_COLOR = '1';
const {render} = await import('ink-testing-library');
const {DiffPanel, retainerLines} = await import('../../src/views/DiffPanel.js');
const {SnapshotsPanel} = await import('../../src/views/SnapshotsPanel.js');

const inverse = '\u001b[7m';
const ansi = /\u001b\[[0-9;]*m/g;
const plain = (text: string) => text.replace(ansi, '');

const t0 = 1_700_000_000_000;
const pathAt = (i: number) => `/srv/out/web-4242-2026112${i}T193000.heapsnapshot`;
const record = (i: number): SnapshotRecord => ({path: pathAt(i), bytes: 5_000_000, t: t0 + i * 60_000, heapUsed: 8_000_000, pauseMs: 900, nodeCount: 50_000});

function run(events: Event[], from: State = initialState({historySize: 60})): State {
	return events.reduce(reduce, from);
}

const twoTaken = () => run([{type: 'snapshot-written', snapshot: record(1)}, {type: 'snapshot-written', snapshot: record(2)}]);
const started: DiffEvent = {type: 'diff-started', t: t0 + 200_000, base: {path: pathAt(1), t: record(1).t}, next: {path: pathAt(2), t: record(2).t}};

const classes: ClassDiff[] = [
	classRow('(string)', 1218, 2, 1_422_040, 80),
	classRow('(compiled code)', 1989, 20, 430_120, 648),
	classRow('{sku, name}', 489, 0, 27_384, 0),
	classRow('Array', 128, 2, 18_032, 216),
	classRow('{user, items, history, notes}', 62, 0, 4464, 0),
	classRow('Function', 40, 1, 2560, 64),
	classRow('Timeout', 3, 5, 300, 500),
	...Array.from({length: 20}, (_, i) => classRow(`Class${i}`, 1, 0, 100 - i, 0)),
];

function summary(overrides: Partial<ComparisonSummary> = {}): ComparisonSummary {
	return {
		base: {path: pathAt(1), bytes: 4_976_771, nodeCount: 50_268, edgeCount: 223_462},
		next: {path: pathAt(2), bytes: 5_492_354, nodeCount: 56_172, edgeCount: 246_634},
		comparable: true,
		reason: null,
		agreement: 1,
		classes,
		...overrides,
	};
}

const done = (s = summary()) => run([started, {type: 'diff-done', t: t0 + 201_500, summary: s}], twoTaken());

function frame(state: State, {width = 80, lines = 8} = {}): string {
	const {lastFrame, unmount} = render(<SnapshotsPanel snapshots={state.snapshots} now={t0 + 203_000} width={width} lines={lines} />);
	const text = lastFrame() ?? '';
	unmount();
	return text;
}

function assertWithin(text: string, width: number, lines: number): void {
	for (const line of text.split('\n')) assert.ok(stringWidth(line) <= width, `line wider than ${width}: ${JSON.stringify(line)}\n${text}`);
	assert.ok(text.split('\n').length <= lines, `more than ${lines} lines:\n${text}`);
}

/** The table's body rows: class, then the numbers (split on the gaps). */
function tableRows(text: string): string[][] {
	const lines = plain(text).split('\n');
	const header = lines.findIndex(line => /^Class\s/.test(line));
	return lines.slice(header + 1).map(line => line.trim().split(/\s{2,}/));
}

test('two snapshots: the panel says what d compares, by the times in the table', () => {
	const state = twoTaken();
	const text = plain(frame(state));
	assert.equal(text.split('\n')[0], `d: diff ${formatClock(record(1).t)} → ${formatClock(record(2).t)} (baseline → latest) · up/down, enter: pick others`);
	// Picked rows are bold and cyan; the hint says so.
	const picked = run([{type: 'select-snapshot', delta: -1}, {type: 'pick-snapshot'}], run([{type: 'snapshot-written', snapshot: record(3)}], state));
	const colored = frame(picked);
	assert.equal(plain(colored).split('\n')[0], `d: diff ${formatClock(record(1).t)} → ${formatClock(record(3).t)} (picked) · enter on a picked snapshot unpicks it`);
	const selected = colored.split('\n').filter(line => line.includes(inverse));
	assert.equal(selected.length, 1);
	assert.match(plain(selected[0]!), /^web-4242-20261123T193000\.heapsnapshot/);
});

test('reading: one bar per file with its percent and bytes, esc offered; then comparing', () => {
	let state = run([started], twoTaken());
	let lines = plain(frame(state)).split('\n');
	assert.equal(lines[0], `diff ${formatClock(record(1).t)} → ${formatClock(record(2).t)} in a worker: reading, 3s (esc cancels)`);
	assert.match(lines[1]!, /^base ░{20} {3}0% waiting web-4242-20261121T193000\.heapsnapshot$/);
	state = run([{type: 'diff-progress', progress: {stage: 'reading', file: 'base', bytesRead: 3_000_000, totalBytes: 4_000_000}}], state);
	lines = plain(frame(state)).split('\n');
	assert.match(lines[1]!, /^base █{15}░{5}  75% 3\.0 MB of 4\.0 MB web-4242/);
	assert.match(lines[2]!, /^next ░{20}   0% waiting/);
	state = run([{type: 'diff-progress', progress: {stage: 'reading', file: 'base', bytesRead: 4_000_000, totalBytes: 4_000_000}}, {type: 'diff-progress', progress: {stage: 'reading', file: 'next', bytesRead: 500_000, totalBytes: 5_000_000}}], state);
	lines = plain(frame(state)).split('\n');
	assert.match(lines[1]!, /^base █{20} 100% 4\.0 MB of 4\.0 MB/);
	assert.match(lines[2]!, /^next ██░{18}  10% 500\.0 KB of 5\.0 MB/);
	state = run([{type: 'diff-progress', progress: {stage: 'comparing'}}], state);
	lines = plain(frame(state)).split('\n');
	assert.match(lines[0]!, /in a worker: comparing, 3s \(esc cancels\)$/);
	assert.equal(lines[3], 'comparing: matching node ids, counting per class...');
	for (const width of [80, 60]) assertWithin(frame(state, {width}), width, 8);
});

test('the table: DevTools\' Comparison columns at 80 columns, largest size delta first, the selection inverse', () => {
	const state = done();
	const text = frame(state);
	assertWithin(text, 80, 8);
	const lines = plain(text).split('\n');
	assert.ok(`diff ${formatClock(record(1).t)} → ${formatClock(record(2).t)}: 3949 new, 30 deleted, +1.9 MB in 1s (up/down, enter: instances, esc: back)`.startsWith(lines[0]!.replace(/…$/, '')), lines[0]);
	assert.match(lines[1]!, /^Class +#New +#Deleted +#Delta +Alloc\. Size +Freed Size +Size Delta$/);
	assert.equal(lines[1]!.length, 80);
	const body = tableRows(text);
	assert.deepEqual(body[0], ['(string)', '1218', '2', '+1216', '1.4 MB', '80 B', '+1.4 MB']);
	assert.deepEqual(body[4], ['{user, items, history…', '62', '0', '+62', '4.5 KB', '0 B', '+4.5 KB'], 'a long class name is cut, its numbers stay');
	assert.equal(body.length, 6, 'title and header, then as many rows as fit');
	// Numbers end under their titles.
	for (const title of ['#New', '#Deleted', '#Delta', 'Alloc. Size', 'Freed Size', 'Size Delta']) {
		const end = lines[1]!.indexOf(title) + title.length;
		assert.ok(lines.slice(2).every(line => line[end - 1] !== ' ' && (line[end] === ' ' || line[end] === undefined)), `${title} aligned:\n${lines.join('\n')}`);
	}
	const selected = text.split('\n').filter(line => line.includes(inverse));
	assert.equal(selected.length, 1);
	assert.match(plain(selected[0]!), /^\(string\)/);
	// Down past the window's middle: it scrolls, the selection stays in view.
	const moved = run(Array.from({length: 10}, () => ({type: 'diff-select', delta: 1}) as const), state);
	const after = frame(moved);
	assert.match(plain(after.split('\n').find(line => line.includes(inverse))!), /^Class3\s/);
	assert.ok(!tableRows(after).some(row => row[0] === '(string)'), 'scrolled past the first rows');
});

test('narrow terminals drop the alloc and freed sizes before the class name gets too short', () => {
	const text = plain(frame(done(), {width: 60}));
	assertWithin(text, 60, 8);
	assert.match(text.split('\n')[1]!, /^Class +#New +#Deleted +#Delta +Size Delta$/);
	assert.deepEqual(tableRows(text)[0], ['(string)', '1218', '2', '+1216', '+1.4 MB']);
});

test('snapshots of different processes: the reason, then class counts before and after', () => {
	const counts: ClassCountDiff[] = [
		{name: '{user, items, history, notes}', baseCount: 100, count: 162, countDelta: 62, baseSize: 7200, size: 11_664, sizeDelta: 4464},
		{name: 'Timeout', baseCount: 8, count: 6, countDelta: -2, baseSize: 800, size: 600, sizeDelta: -200},
	];
	const reason = 'different processes (web pid 4242, web pid 4343); comparing class counts only';
	const text = plain(frame(done(summary({comparable: false, reason, classes: counts}))));
	assertWithin(text, 80, 8);
	const lines = text.split('\n');
	assert.match(lines[0]!, /^class counts \d\d:\d\d:\d\d → \d\d:\d\d:\d\d in 1s/);
	assert.equal(lines[1], reason);
	assert.match(lines[2]!, /^Class +#Before +#After +#Delta +Size Before +Size After +Size Delta$/);
	assert.deepEqual(tableRows(text).slice(0, 2), [
		['{user, items, history…', '100', '162', '+62', '7.2 KB', '11.7 KB', '+4.5 KB'],
		['Timeout', '8', '6', '-2', '800 B', '600 B', '-200 B'],
	]);
});

const record$ = '{user, items, history, notes}';
const mapPath = [
	{node: 'Object @101697', edge: '81'},
	{node: '(array) @101995', edge: 'table'},
	{node: 'Map @95517', edge: 'cache'},
	{node: 'system / Context @57967', edge: 'context'},
	{node: '(closure) handle @57953', edge: 'handle'},
	{node: 'system / Context @57951', edge: 'previous'},
	{node: 'system / Context @57917', edge: 'previous'},
	{node: 'global /  @6045', edge: ''},
];

function instance(id: number, retainedSize: number, overrides: Partial<InstanceView> = {}): InstanceView {
	return {id, label: `Object @${id}`, selfSize: 72, retainedSize, retainers: mapPath.map((step, i) => (i === 0 ? {...step, node: `Object @${id}`} : step)), closure: null, ...overrides};
}

const recordInstances: ClassInstances = {name: record$, which: 'new', total: 62, retainedSize: 1_550_000, instances: [instance(101697, 25_120), instance(101725, 25_010)]};

/** The table's row 4 (the records) or 5 (Function) opened, and the worker's answer. */
function opened(instances: ClassInstances | null, row = 4): State {
	return run([{type: 'diff-select', delta: row}, {type: 'diff-open'}, {type: 'diff-instances', key: classes[row]!.key, instances}], done());
}

test('retainer lines read as DevTools\' Retainers view: the object, then `edge in holder` up to the root', () => {
	assert.deepEqual(retainerLines(mapPath.slice(0, 3)), ['Object @101697', '← 81 in (array) @101995', '← table in Map @95517']);
});

test('enter on a class: its new instances, largest first, with the retainer path through the Map', () => {
	const loading = run([{type: 'diff-select', delta: 4}, {type: 'diff-open'}], done());
	assert.equal(plain(frame(loading)), `${record$}: finding new instances and their retainer paths...`);
	const state = opened(recordInstances);
	const tall = plain(frame(state, {lines: 12, width: 100})).split('\n');
	assert.equal(tall[0], `${record$}: 62 new, retaining 1.6 MB (esc: back)`);
	assert.equal(tall[1], '1/2 Object @101697, self 72 B, retains 25.1 KB (up/down: largest first)');
	assert.deepEqual(tall.slice(2), retainerLines(mapPath));
	// At 80x8 the path is cut in its middle: the holder near the object and the root end stay.
	const short = frame(state);
	assertWithin(short, 80, 8);
	const lines = plain(short).split('\n');
	assert.deepEqual(lines.slice(2), ['Object @101697', '← 81 in (array) @101995', '← table in Map @95517', '  … 3 more steps', '← previous in system / Context @57917', '← previous in global /  @6045']);
	// down: the next instance.
	const next = plain(frame(run([{type: 'diff-select-instance', delta: 1}], state))).split('\n');
	assert.equal(next[1], '2/2 Object @101725, self 72 B, retains 25.0 KB (up/down: largest first)');
	assert.equal(next[2], 'Object @101725');
	// esc: the table again, on the same row.
	const back = frame(run([{type: 'diff-close-class'}], state));
	assert.match(plain(back.split('\n').find(line => line.includes(inverse))!), /^\{user, items, history…/);
});

test('a Function row: the closure\'s location and what its context captures, above the path', () => {
	const closure = {
		nodeIndex: 700,
		type: 'closure',
		name: 'onRequest',
		id: 5001,
		selfSize: 56,
		functionName: 'onRequest',
		location: {scriptId: 88, scriptName: '/srv/app/server.js', line: 12, column: 5},
		scopes: [{nodeIndex: 710, type: 'hidden', name: 'system / Context', id: 5002, selfSize: 40, variables: [{nodeIndex: 720, type: 'object', name: 'Array', id: 5003, selfSize: 32, variable: 'bigData', retainedSize: 4_200_000}, {nodeIndex: 730, type: 'number', name: 'heap number', id: 5004, selfSize: 16, variable: 'count', retainedSize: 16}], retainedSize: 4_200_100}],
		retainedSize: 4_200_200,
	};
	const functions: ClassInstances = {name: 'Function', which: 'new', total: 40, retainedSize: 4_300_000, instances: [instance(5001, 4_200_200, {label: '(closure) onRequest @5001', selfSize: 56, closure, retainers: [{node: '(closure) onRequest @5001', edge: 'listener'}, {node: 'Server @77', edge: ''}]})]};
	const text = plain(frame(opened(functions, 5), {lines: 8}));
	assertWithin(text, 80, 8);
	const lines = text.split('\n');
	assert.equal(lines[0], 'Function: 40 new, retaining 4.3 MB (esc: back)');
	assert.equal(lines[2], 'function onRequest at /srv/app/server.js:12:5');
	assert.equal(lines[3], 'captures bigData 4.2 MB, count 16 B');
	assert.deepEqual(lines.slice(4), ['(closure) onRequest @5001', '← listener in Server @77']);
	// No location in the snapshot, nothing captured: said so.
	const bare = {...functions, instances: [instance(5001, 100, {closure: {...closure, location: null, scopes: []}, retainers: null})]};
	assert.deepEqual(plain(frame(opened(bare, 5))).split('\n').slice(2), ['function onRequest at location unknown', 'captures nothing', 'no path from a GC root: only weak references keep it']);
});

test('ids not comparable: every instance of the class, said so; none left, and a failed lookup', () => {
	const all = {...recordInstances, which: 'all' as const, total: 162};
	assert.match(plain(frame(opened(all), {width: 120})).split('\n')[0]!, /^\{user, items, history, notes\}: 162 instances \(ids not comparable: all of them\), retaining/);
	assert.match(plain(frame(opened(null))), /^\{user, items, history, notes\}: none found in the later snapshot \(esc: back\)$/);
	const failed = run([{type: 'diff-select', delta: 4}, {type: 'diff-open'}, {type: 'diff-instances-failed', key: `,${record$}`, message: 'the snapshot diff worker exited (code 1)'}], done());
	assert.deepEqual(plain(frame(failed)).split('\n'), [`${record$}: the snapshot diff worker exited (code 1)`, 'esc: back to the classes']);
});

test('a failed diff: the reason, and how to go back', () => {
	const state = run([started, {type: 'diff-failed', t: t0 + 200_300, message: '/srv/out/web-4242-20261121T193000.heapsnapshot: not a heap snapshot (no "snapshot" header)'}], twoTaken());
	const lines = plain(frame(state, {width: 200})).split('\n');
	assert.deepEqual(lines, ['snapshot diff failed: /srv/out/web-4242-20261121T193000.heapsnapshot: not a heap snapshot (no "snapshot" header)', 'esc: back to the snapshots']);
	assertWithin(frame(state), 80, 2);
});

test('a capture started during a diff keeps its lines above it, all within `lines`', () => {
	const state = run([{type: 'snapshot-checking', t: t0 + 202_000}], done());
	const text = plain(frame(state, {lines: 8}));
	assertWithin(text, 80, 8);
	const lines = text.split('\n');
	assert.equal(lines[0], 'checking what the target can spare for a heap snapshot...');
	assert.match(lines[1]!, /^diff \d\d:\d\d:\d\d → /);
});

test('every state fits 80 and 60 columns and the lines given', () => {
	const states: Array<[string, State]> = [
		['reading', run([started], twoTaken())],
		['done', done()],
		['opened', opened(recordInstances)],
		['empty', done(summary({classes: []}))],
	];
	for (const width of [80, 60, 40]) {
		for (const lines of [5, 8, 12]) {
			for (const [name, state] of states) {
				try {
					assertWithin(frame(state, {width, lines}), width, lines);
				} catch (error) {
					throw new Error(`${name} at ${width}x${lines}: ${(error as Error).message}`);
				}
			}
		}
	}
	const {lastFrame, unmount} = render(<DiffPanel diff={initialState({historySize: 1}).snapshots.diff} now={0} width={80} lines={8} />);
	assert.equal(lastFrame(), '', 'idle: nothing');
	unmount();
});
