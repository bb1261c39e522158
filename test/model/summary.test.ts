import assert from 'node:assert/strict';
import {test} from 'node:test';
import {aggregateProfile, type SamplingProfile} from '../../src/model/allocations.js';
import {type Event, initialState, reduce} from '../../src/model/state.js';
import {exitSummary} from '../../src/model/summary.js';
import {computeVerdict} from '../../src/model/verdict.js';
import {sample, target} from './samples.js';

function profileOf(sites: Record<string, number>): SamplingProfile {
	const children = Object.entries(sites).map(([name, bytes], i) => ({
		callFrame: {functionName: name, url: 'file:///srv/app/cache.js', lineNumber: 10 + i, columnNumber: 2},
		selfSize: bytes,
		id: i + 2,
		children: [],
	}));
	return {head: {callFrame: {functionName: '(root)', url: '', lineNumber: -1, columnNumber: -1}, selfSize: 0, id: 1, children}, samples: []};
}

test('a leaking session: duration, verdict, what grows, the top sites, files and actions', () => {
	const events: Event[] = [{type: 'attached', target, t: 0}, {type: 'sampling-started', t: 10, intervalBytes: 524_288}];
	for (let i = 0; i < 120; i++) events.push({type: 'sample', sample: sample(i * 1000, 40_000_000 + i * 250_000), receivedAt: i * 1000});
	events.push(
		{type: 'allocations', t: 1000, durationMs: 4, aggregate: aggregateProfile(profileOf({record: 1_000_000, render: 500_000}))},
		{type: 'allocations', t: 90_000, durationMs: 4, aggregate: aggregateProfile(profileOf({record: 9_000_000, render: 500_000}))},
		{type: 'gc-started', t: 50_000},
		{type: 'profile-written', t: 119_000, path: 'leaktop-4242.heapprofile', bytes: 1000},
		{type: 'detaching', t: 120_000, reason: 'time box of 2m reached'},
		{type: 'closed', t: 120_100, reason: 'detached (time box of 2m reached)'},
	);
	const state = events.reduce(reduce, initialState({historySize: 3600, samplingIntervalBytes: 524_288}));
	const lines = exitSummary(state, computeVerdict(state), {startedAt: 0, endedAt: 120_500, files: ['report.json']});
	assert.deepEqual(lines.slice(0, 2), [
		'session: 2m 00s on pid 4242 (node v20.20.2) at 127.0.0.1:9229; ended: detached (time box of 2m reached)',
		lines[1]!,
	]);
	assert.match(lines[1]!, /^verdict: leak: heap floor \+900\.0 MB\/h, \d+ % confidence/);
	assert.equal(lines[2], 'finding: heap floor grows +900.0 MB/h, most of it allocated in record cache.js:11; not enough evidence for the pattern: two snapshots would tell a cache from a closure; take two heap snapshots a minute apart (s, s, then d) to see which objects grow and what holds them', 'the first finding\'s sentence');
	lines.splice(2, 1);
	assert.match(lines[2]!, /^growing: heapUsed \+900\.0 MB\/h \(\d+ %\)/);
	assert.equal(lines[3], 'top allocation sites: record cache.js:11 +9.0 MB (9.0 MB live); render cache.js:12 +500.0 KB (500.0 KB live)', 'growth since the baseline, attach');
	assert.equal(lines[4], 'files: leaktop-4242.heapprofile, report.json');
	assert.equal(lines[5], 'actions on the target: attach 1, sampling-start 1, profile-read 2, gc 1, detach 1');
});

test('a quiet session says so in two lines and the actions', () => {
	const state = [{type: 'attached', target, t: 0} as Event].reduce(reduce, initialState({historySize: 10}));
	assert.deepEqual(exitSummary(state, computeVerdict(state), {startedAt: 0, endedAt: 4000, files: []}), [
		'session: 4s on pid 4242 (node v20.20.2) at 127.0.0.1:9229',
		'verdict: no leak: collecting evidence: floors need about 30 s and 6 points',
		'actions on the target: attach 1',
	]);
});
