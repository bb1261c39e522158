import assert from 'node:assert/strict';
import {test} from 'node:test';
import {aggregateProfile} from '../../src/model/allocations.js';
import {auditActions} from '../../src/model/audit.js';
import {type Event, initialState, reduce} from '../../src/model/state.js';
import {buildReport} from '../../src/model/report.js';
import {computeVerdict, defaultVerdictOptions} from '../../src/model/verdict.js';
import {sample, target} from './samples.js';

const aggregate = aggregateProfile({head: {callFrame: {functionName: '(root)', url: '', lineNumber: -1, columnNumber: -1}, selfSize: 0, id: 1, children: []}, samples: []});

test('every action on the target is audited with its time; reads and UI events are not', () => {
	const events: Event[] = [
		{type: 'attached', target, t: 1000},
		{type: 'sampling-started', t: 1100, intervalBytes: 524_288},
		{type: 'sample', sample: sample(1200, 10_000_000), receivedAt: 1200},
		{type: 'cycle-panel'},
		{type: 'gc-started', t: 2000},
		{type: 'gc-finished', t: 2100, before: 2, after: 1, durationMs: 100},
		{type: 'census-started', t: 3000},
		{type: 'snapshot-started', t: 4000, path: 'a.heapsnapshot'},
		{type: 'near-limit-armed', t: 5000, where: '/srv/Heap.heapsnapshot'},
		{type: 'detaching', t: 6000, reason: 'quit'},
		{type: 'sampling-stopped', t: 6100, reason: 'allocation sampling stopped'},
	];
	const state = events.reduce(reduce, initialState({historySize: 10}));
	assert.deepEqual(
		state.audit.items.map(e => [e.t, e.action]),
		[
			[1000, 'attach'],
			[1100, 'sampling-start'],
			[2000, 'gc'],
			[3000, 'census'],
			[4000, 'snapshot'],
			[5000, 'near-limit'],
			[6000, 'detach'],
			[6100, 'sampling-stop'],
		],
	);
	assert.match(state.audit.items[0]!.detail, /^pid 4242 at /);
	assert.equal(state.audit.items[4]!.detail, 'HeapProfiler.takeHeapSnapshot to a.heapsnapshot');
	assert.deepEqual(Object.keys(state.auditCounts), [...auditActions]);
	assert.equal(state.auditCounts.gc, 1);
	assert.equal(state.auditCounts['profile-read'], 0);
	const report = buildReport(state, computeVerdict(state), {leaktopVersion: '0', startedAt: 0, endedAt: 7000, intervalMs: 1000, verdictOptions: defaultVerdictOptions});
	assert.deepEqual(report.audit.counts, state.auditCounts);
	assert.equal(report.audit.entries.length, 8);
});

test('the counts stay exact when the entries ring drops the oldest', () => {
	let state = initialState({historySize: 10});
	for (let i = 0; i < 1500; i++) state = reduce(state, {type: 'allocations', t: i, durationMs: 3, aggregate});
	assert.equal(state.auditCounts['profile-read'], 1500);
	assert.equal(state.audit.items.length, 1000);
	assert.equal(state.audit.items[0]!.t, 500);
});
