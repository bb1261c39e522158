import assert from 'node:assert/strict';
import {test} from 'node:test';
import {fleetRow, fleetVerdict} from '../../src/model/fleet.js';
import {buildFleetReport, fleetSummary, type FleetMember} from '../../src/model/fleet-report.js';
import {defaultVerdictOptions, computeVerdict} from '../../src/model/verdict.js';
import {type Event, initialState, reduce, type State} from '../../src/model/state.js';
import {sample, target} from './samples.js';

/** Two minutes at 1 s with the heap rising `bytesPerMinute`, and `timers` Timeouts added per minute. */
function session(pid: number, bytesPerMinute: number, extra: Event[] = [], timersPerMinute = 0): State {
	const events: Event[] = [{type: 'attached', target: {...target, pid}, t: 0}];
	for (let i = 0; i < 120; i++) {
		const resources = {Timeout: 2 + Math.floor((i * timersPerMinute) / 60), TCPServerWrap: 1};
		events.push({type: 'sample', sample: sample(i * 1000, 40_000_000 + (i * bytesPerMinute) / 60, {resources}), receivedAt: i * 1000});
	}
	return [...events, ...extra].reduce(reduce, initialState({historySize: 3600}));
}

const member = (name: string, state: State): FleetMember => ({name, state, verdict: computeVerdict(state)});

test('three pods growing at 11, 12 and 13 MB/h: "3 of 3 pods grow 11-13 MB/h"', () => {
	// 2 MB of rise is needed before a floor counts: these run for an hour.
	const hour = (pid: number, mbPerHour: number) => {
		const events: Event[] = [{type: 'attached', target: {...target, pid}, t: 0}];
		for (let i = 0; i <= 60; i++) events.push({type: 'sample', sample: sample(i * 60_000, 40_000_000 + i * ((mbPerHour * 1_000_000) / 60)), receivedAt: i * 60_000});
		return events.reduce(reduce, initialState({historySize: 3600}));
	};
	const members = [member('pod/api-1', hour(1, 11)), member('pod/api-2', hour(2, 12)), member('pod/api-3', hour(3, 13))];
	const rows = members.map(m => fleetRow(m.name, m.state, m.verdict));
	assert.deepEqual(
		rows.map(r => r.status),
		['leak', 'leak', 'leak'],
	);
	assert.equal(fleetVerdict(rows.slice(0, 1)).headline, '1 of 1 targets grow 11 MB/h');
	assert.deepEqual(fleetVerdict(rows, 'pods'), {leak: true, targets: 3, leaking: 3, headline: '3 of 3 pods grow 11-13 MB/h'});
	assert.match(rows[0]!.verdictText, /^leak \(\d+ %\)$/, 'the FLOOR column beside it has the rate');
});

test('a row: pid, heap, floor slope, resources and their growth, restarts', () => {
	const restarted = session(7, 0, [{type: 'target-restarted', t: 130_000, previousPid: 7, target: {...target, pid: 8}}]);
	const row = fleetRow('127.0.0.1:9229', session(7, 6_000_000, [], 30), computeVerdict(session(7, 6_000_000, [], 30)));
	assert.equal(row.pid, 7);
	assert.equal(row.heapUsed, 40_000_000 + (119 * 6_000_000) / 60);
	assert.ok(row.floorSlopePerHour !== null && Math.abs(row.floorSlopePerHour - 360_000_000) < 20_000_000, `floor ${row.floorSlopePerHour}`);
	assert.equal(row.resources, 2 + 59 + 1, 'Timeout and TCPServerWrap in the last sample');
	assert.equal(row.resourcesGrowth, 59);
	assert.equal(fleetRow('x', restarted, computeVerdict(restarted)).restarts, 1);
});

test('none leaking: how many are still collecting evidence and how many ended', () => {
	const flat = session(1, 0);
	const young = ([{type: 'attached', target, t: 0}, {type: 'sample', sample: sample(0, 40_000_000), receivedAt: 0}] as Event[]).reduce(reduce, initialState({historySize: 10}));
	const gone = session(3, 0, [{type: 'closed', t: 121_000, reason: 'the target exited', byTarget: true}]);
	const detached = session(4, 0, [{type: 'detaching', t: 121_000, reason: 'quit'}, {type: 'closed', t: 121_100, reason: 'detached (quit)'}]);
	const rows = [member('a', flat), member('b', young), member('c', gone), member('d', detached)].map(m => fleetRow(m.name, m.state, m.verdict));
	assert.deepEqual(
		rows.map(r => r.status),
		['no leak', 'collecting evidence', 'ended', 'no leak'],
		'leaktop\'s own detach is not the target ending',
	);
	assert.equal(rows[2]!.verdictText, 'ended: the target exited');
	assert.deepEqual(fleetVerdict(rows), {leak: false, targets: 4, leaking: 0, headline: '0 of 4 targets grow (1 still collecting evidence, 1 ended)'});
});

test('leaks by different series: the series most targets share, and how many leak by another', () => {
	const heap = session(1, 6_000_000);
	const heap2 = session(2, 7_000_000);
	const timers = session(3, 0, [], 60);
	const rows = [member('a', heap), member('b', heap2), member('c', timers)].map(m => fleetRow(m.name, m.state, m.verdict));
	assert.equal(rows[2]!.leading?.series, 'Timeout');
	assert.match(rows[2]!.verdictText, /^leak: Timeout \+3\d{3}\/h \(\d+ %\)$/, 'a count names itself');
	assert.match(fleetVerdict(rows).headline, /^3 of 3 targets grow 3\d\d-4\d\d MB\/h \(1 by another series\)$/);
	const onlyTimers = fleetVerdict([rows[2]!]);
	assert.match(onlyTimers.headline, /^1 of 1 targets grow Timeout \+3\d{3}\/h$/);
});

test('a target reconnecting keeps its leak in the fleet verdict, and says it reconnects', () => {
	const state = session(1, 6_000_000, [{type: 'connection-lost', t: 120_500, reason: 'socket closed'}, {type: 'reconnecting', t: 121_000, attempt: 2}]);
	const row = fleetRow('pod/a', state, computeVerdict(state));
	assert.equal(row.status, 'reconnecting');
	const [, line] = fleetSummary([member('pod/a', state)], {startedAt: 0, endedAt: 1, title: '1 target', noun: 'targets', files: []}).slice(1);
	assert.match(line!, /^pod\/a: reconnecting, leak: heap floor \+3\d\d\.\d MB\/h \(\d+ %\); pid 1/, 'the summary agrees with the fleet verdict');
	assert.match(row.verdictText, /^reconnecting, leak \(\d+ %\)$/);
	assert.equal(fleetVerdict([row], 'pods').leaking, 1);
});

test('the fleet report: the verdict and its rows, then each target\'s own report, named; the summary', () => {
	const members = [member('pod/a', session(1, 6_000_000)), member('pod/b', session(2, 0))];
	const report = buildFleetReport(members, {leaktopVersion: '0.1.0', startedAt: 0, endedAt: 121_000, intervalMs: 1000, verdictOptions: defaultVerdictOptions, title: 'deployment/api: 2 pods', noun: 'pods'});
	assert.equal(report.title, 'deployment/api: 2 pods');
	assert.equal(report.fleet.leaking, 1);
	assert.match(report.fleet.headline, /^1 of 2 pods grow /);
	assert.deepEqual(report.fleet.rows.map(r => [r.name, r.pid, r.status]), [['pod/a', 1, 'leak'], ['pod/b', 2, 'no leak']]);
	assert.ok(!('leading' in report.fleet.rows[0]!), 'rows carry no signal objects');
	assert.deepEqual(report.targets.map(t => [t.name, t.target?.pid, t.verdict.leak, t.samples.length]), [['pod/a', 1, true, 120], ['pod/b', 2, false, 120]]);
	const lines = fleetSummary(members, {startedAt: 0, endedAt: 121_000, title: 'deployment/api: 2 pods', noun: 'pods', files: ['fleet.json']});
	assert.equal(lines[0], 'session: 2m 01s on deployment/api: 2 pods');
	assert.match(lines[1]!, /^verdict: leak: 1 of 2 pods grow 3\d\d MB\/h$/);
	assert.match(lines[2]!, /^pod\/a: leak: heap floor \+3\d\d\.\d MB\/h, \d+ % confidence, limit in \d+h \d+m; pid 1, heap 5\d\.\d MB$/);
	assert.match(lines[3]!, /^pod\/a: finding: heap floor grows \+3\d\d\.\d MB\/h; not enough evidence for the pattern: two snapshots would tell a cache from a closure/, 'each target\'s first finding under its line');
	assert.match(lines[4]!, /^pod\/b: no leak; pid 2, heap 40\.0 MB, floor /);
	assert.equal(lines[5], 'files: fleet.json');
	assert.equal(lines[6], 'actions on the targets: attach 2');
});
