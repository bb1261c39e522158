import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {aggregateProfile, type SamplingProfile} from '../../src/model/allocations.js';
import {selectedIndex, visibleRows} from '../../src/model/allocations-state.js';
import {type Event, initialState, reduce, type State} from '../../src/model/state.js';
import {parseSampling} from '../../src/model/size.js';

const url = 'file:///srv/app/a.js';

function profileOf(sites: Record<string, number>): SamplingProfile {
	let id = 1;
	const children = Object.entries(sites).map(([name, bytes], i) => ({
		callFrame: {functionName: name, url: name === 'native' ? '' : url, lineNumber: i, columnNumber: 0},
		selfSize: bytes,
		id: ++id,
		children: [],
	}));
	return {head: {callFrame: {functionName: '(root)', url: '', lineNumber: -1, columnNumber: -1}, selfSize: 0, id: 1, children}, samples: []};
}

const run = (state: State, ...events: Event[]) => events.reduce(reduce, state);
const poll = (t: number, sites: Record<string, number>): Event => ({type: 'allocations', t, durationMs: 5, aggregate: aggregateProfile(profileOf(sites))});

describe('allocations in the state', () => {
	test('off, starting, running, stopped by someone else: each says so in the log', () => {
		assert.equal(initialState({historySize: 10}).allocations.status, 'off');
		let state = initialState({historySize: 10, samplingIntervalBytes: 524_288});
		assert.equal(state.allocations.status, 'starting');
		state = run(state, {type: 'sampling-started', t: 1, intervalBytes: 524_288}, poll(2, {a: 100}));
		assert.equal(state.allocations.status, 'running');
		assert.equal(state.allocations.polls, 1);
		assert.equal(state.allocations.lastPoll?.durationMs, 5);
		state = run(state, {type: 'sampling-stopped', t: 3, reason: 'another inspector client stopped allocation sampling (DevTools?)'});
		assert.equal(state.allocations.status, 'stopped');
		assert.equal(state.log.items.at(-1)?.level, 'warn');
		assert.match(state.log.items.at(-1)!.text, /another inspector client stopped/);
		assert.equal(visibleRows(state.allocations).length, 1, 'history stays after sampling stops');
	});

	test('b counts allocation growth from now', () => {
		let state = run(initialState({historySize: 10, samplingIntervalBytes: 1024}), {type: 'sampling-started', t: 1, intervalBytes: 1024}, poll(2, {a: 100, b: 50}));
		state = run(state, {type: 'baseline', t: 3}, poll(4, {a: 300, b: 50}));
		assert.deepEqual(visibleRows(state.allocations).map(r => [r.site.functionName, r.growthBytes]), [['a', 200], ['b', 0]]);
	});

	test('selection stays within the rows; i switches views and brings the panel up', () => {
		let state = run(initialState({historySize: 10, samplingIntervalBytes: 1024}), poll(1, {a: 300, b: 200, native: 100}));
		const selected = (s: State) => visibleRows(s.allocations)[selectedIndex(s.allocations, visibleRows(s.allocations))]?.site.functionName;
		assert.equal(selected(state), 'a');
		state = run(state, {type: 'select-allocation', delta: 5});
		assert.equal(selected(state), 'b', 'two user sites');
		assert.equal(state.panel, 'allocations');
		state = run(state, {type: 'toggle-stack'});
		assert.equal(state.allocations.stackOpen, true);
		state = run(state, {type: 'toggle-internals'});
		assert.equal(state.allocations.showInternals, true);
		assert.equal(state.allocations.stackOpen, false);
		assert.equal(selected(state), 'a');
		assert.deepEqual(visibleRows(state.allocations).map(r => r.site.functionName), ['a', 'b', 'native']);
		state = run(state, {type: 'select-allocation', delta: 5}, {type: 'select-allocation', delta: -9});
		assert.equal(selected(state), 'a');
	});

	test('the selection follows its site when the rows re-sort', () => {
		let state = run(initialState({historySize: 10, samplingIntervalBytes: 1024}), poll(1, {a: 200_000, b: 100_000}));
		state = run(state, {type: 'select-allocation', delta: 1}, {type: 'toggle-stack'});
		const rows = () => visibleRows(state.allocations);
		assert.equal(rows()[selectedIndex(state.allocations, rows())]?.site.functionName, 'b');
		state = run(state, poll(2, {a: 200_000, b: 900_000}));
		assert.deepEqual(rows().map(r => r.site.functionName), ['b', 'a'], 'b now grows most');
		assert.equal(rows()[selectedIndex(state.allocations, rows())]?.site.functionName, 'b', 'still b, now the first row');
	});
});

describe('parseSampling', () => {
	test('reads sizes as --sampling takes them, and off', () => {
		assert.equal(parseSampling('512KiB'), 524_288);
		assert.equal(parseSampling('64kib'), 65_536);
		assert.equal(parseSampling('1MiB'), 1_048_576);
		assert.equal(parseSampling('32768'), 32_768);
		assert.equal(parseSampling('100KB'), 100_000);
		assert.equal(parseSampling('off'), null);
		assert.throws(() => parseSampling('fast'), /invalid --sampling "fast": use a size such as 512KiB/);
		assert.throws(() => parseSampling('512'), /at least 1KiB/);
		assert.throws(() => parseSampling('4GiB'), /invalid --sampling/);
	});
});
