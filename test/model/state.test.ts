import assert from 'node:assert/strict';
import {test} from 'node:test';
import {initialState, reduce, visibleSamples, type Event, type State} from '../../src/model/state.js';
import {sample, target} from './samples.js';

const run = (events: Event[], state: State = initialState({historySize: 3})) => events.reduce(reduce, state);

test('attach sets the target, connection and a log line', () => {
	const state = run([{type: 'attached', target, t: 1}]);
	assert.equal(state.connection, 'connected');
	assert.equal(state.target?.pid, 4242);
	assert.match(state.log.items[0]!.text, /attached to pid 4242/);
});

test('samples fill a bounded history', () => {
	const state = run([1, 2, 3, 4].map(i => ({type: 'sample', sample: sample(i * 1000, i), receivedAt: i}) as Event));
	assert.deepEqual(state.samples.items.map(s => s.heapUsed), [2, 3, 4]);
	assert.equal(state.lastSampleAt, 4);
});

test('pause freezes the visible history while samples keep arriving', () => {
	let state = run([{type: 'sample', sample: sample(1000, 1), receivedAt: 1}, {type: 'toggle-pause', t: 2}]);
	state = reduce(state, {type: 'sample', sample: sample(2000, 2), receivedAt: 2});
	assert.deepEqual(visibleSamples(state).map(s => s.heapUsed), [1]);
	assert.equal(state.samples.items.length, 2);
	state = reduce(state, {type: 'toggle-pause', t: 3});
	assert.deepEqual(visibleSamples(state).map(s => s.heapUsed), [1, 2]);
});

test('a forced GC logs heapUsed before -> after', () => {
	const state = run([{type: 'gc-started', t: 1}, {type: 'gc-finished', t: 2, before: 45_200_000, after: 12_100_000, durationMs: 23}]);
	assert.equal(state.gcRunning, false);
	assert.equal(state.log.items[1]!.text, 'GC: heapUsed 45.2 MB -> 12.1 MB (-33.1 MB) in 23 ms');
});

test('lagging is reported once and cleared by the next sample', () => {
	let state = run([{type: 'attached', target, t: 0}, {type: 'lagging', t: 1, sinceMs: 3000}, {type: 'lagging', t: 2, sinceMs: 3000}]);
	assert.equal(state.connection, 'lagging');
	assert.equal(state.log.items.filter(e => e.level === 'warn').length, 1);
	state = reduce(state, {type: 'sample', sample: sample(3000, 1), receivedAt: 3});
	assert.equal(state.connection, 'connected');
});

test('a close the user did not ask for is logged as an error with its reason', () => {
	const gone = run([{type: 'attached', target, t: 0}, {type: 'closed', t: 1, reason: 'connection to the target closed'}]);
	assert.equal(gone.connection, 'closed');
	assert.equal(gone.endReason, 'connection to the target closed');
	assert.equal(gone.log.items.at(-1)!.level, 'error');
	const detached = run([{type: 'attached', target, t: 0}, {type: 'detaching', t: 1, reason: 'quit'}, {type: 'closed', t: 2, reason: 'detached (quit)'}]);
	assert.equal(detached.log.items.at(-1)!.level, 'info');
});

test('help toggles', () => {
	assert.equal(run([{type: 'toggle-help'}]).helpOpen, true);
	assert.equal(run([{type: 'toggle-help'}, {type: 'toggle-help'}]).helpOpen, false);
});

test('baseline starts at the first sample and b moves it to the latest', () => {
	let state = run([1, 2, 3].map(i => ({type: 'sample', sample: sample(i * 1000, i), receivedAt: i * 1000 + 5}) as Event), initialState({historySize: 10}));
	assert.equal(state.baselineT, 1000);
	state = reduce(state, {type: 'baseline', t: 3010});
	assert.equal(state.baselineT, 3000);
	assert.match(state.log.items.at(-1)!.text, /baseline set/);
});

test('heap floors from GC and census land on the target clock', () => {
	// The target clock runs 500 ms behind the local one.
	let state = run([{type: 'sample', sample: sample(10_000, 1), receivedAt: 10_500}], initialState({historySize: 10}));
	state = reduce(state, {type: 'heap-floor', t: 12_500, heapUsed: 42});
	state = reduce(state, {type: 'gc-finished', t: 13_500, before: 100, after: 40, durationMs: 5});
	assert.deepEqual(state.heapFloors.items, [{t: 12_000, v: 42}, {t: 13_000, v: 40}]);
});

test('a census is kept and logged with its cost; a failure is a warning', () => {
	const census = {t: 5000, durationMs: 220, emitterCount: 3, rows: [{emitter: 'EventEmitter', event: 'update', count: 7, emitters: 1, maxPerEmitter: 7, overLimit: 0, limitDisabled: 1}]};
	let state = run([{type: 'census-started', t: 4000}]);
	assert.equal(state.censusRunning, true);
	state = reduce(state, {type: 'census', census});
	assert.equal(state.censusRunning, false);
	assert.equal(state.censuses.items.length, 1);
	assert.equal(state.log.items.at(-1)!.text, 'listener census: 7 listeners on 3 emitters in 220 ms');
	state = reduce(state, {type: 'census-failed', t: 6000, message: 'timed out'});
	assert.equal(state.log.items.at(-1)!.level, 'warn');
});

test('a paused automatic census is logged once with the load and what l costs, and clears on resume', () => {
	let state = run([{type: 'census-paused', t: 4000, utilization: 0.87}]);
	assert.deepEqual(state.censusPaused, {t: 4000, utilization: 0.87});
	const warning = state.log.items.at(-1)!;
	assert.equal(warning.level, 'warn');
	assert.match(warning.text, /^automatic listener census paused: the target's event loop is 87 % busy, and a census leaves a busy process ~15 % slower for minutes .*; l takes one anyway$/);
	state = reduce(state, {type: 'census-resumed', t: 9000, utilization: 0.02});
	assert.equal(state.censusPaused, null);
	assert.equal(state.log.items.at(-1)!.text, "automatic listener census resumed: the target's event loop is 2 % busy");
	state = reduce(state, {type: 'census-paused', t: 9500, utilization: null});
	assert.match(state.log.items.at(-1)!.text, /the target does not report how busy its event loop is/);
});

test('tab cycles the lower panel', () => {
	const tabs = (n: number) => run(Array.from({length: n}, () => ({type: 'cycle-panel'}) as const)).panel;
	assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(tabs), ['allocations', 'resources', 'listeners', 'watches', 'snapshots', 'findings', 'chart']);
});

test('a snapshot diff\'s evidence is kept for the findings, after the diff closes too, and logged', () => {
	const evidence = {className: 'Payload', newCount: 42, retainedSize: 512_000, holder: 'collection' as const, holderName: 'Map cache', retainers: ['Object @1', 'table in Map @2'], site: null};
	const state = ([{type: 'snapshot-evidence', t: 1000, evidence}, {type: 'diff-closed', t: 2000}] as Event[]).reduce(reduce, initialState({historySize: 10}));
	assert.deepEqual(state.snapshotEvidence, evidence);
	assert.ok(state.log.items.some(e => e.text === 'snapshot diff: 42 new Payload (retaining 512.0 KB), held by Map cache'));
});

test('the findings panel: up/down select, enter opens the evidence (and shows the panel), a new selection closes it', () => {
	let state = initialState({historySize: 10});
	state = reduce(state, {type: 'toggle-finding'});
	assert.deepEqual([state.panel, state.findingsView], ['findings', {selected: 0, open: true}]);
	state = reduce(state, {type: 'select-finding', delta: 1});
	assert.deepEqual(state.findingsView, {selected: 1, open: false});
	state = reduce(reduce(state, {type: 'select-finding', delta: -5}), {type: 'toggle-finding'});
	assert.deepEqual(state.findingsView, {selected: 0, open: true});
});
