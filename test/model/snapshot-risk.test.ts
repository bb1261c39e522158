import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {defaultCostModel, describeEstimate, estimateSnapshot, type Headroom} from '../../src/model/snapshot-risk.js';
import {captureProgress, initialSnapshots, lastObjectCount, progressFraction} from '../../src/model/snapshots-state.js';
import {type Event, initialState, reduce} from '../../src/model/state.js';

const MB = 1e6;
const roomy: Headroom = {heapUsed: 50 * MB, rss: 120 * MB, containerLimit: null, freeMemory: 16_000 * MB};

describe('estimateSnapshot', () => {
	test('from heap size: pause, extra memory and file size scale with heapUsed', () => {
		const estimate = estimateSnapshot(roomy);
		assert.equal(estimate.basis, 'heap size');
		assert.equal(estimate.pauseMs, 50 * defaultCostModel.pauseMsPerHeapMB);
		assert.equal(estimate.extraBytes, 50 * MB * defaultCostModel.extraBytesPerHeapByte);
		assert.equal(estimate.fileBytes, 50 * MB * defaultCostModel.fileBytesPerHeapByte);
		assert.equal(estimate.availableBytes, 16_000 * MB);
		assert.equal(estimate.risky, false);
		assert.deepEqual(estimate.reasons, []);
	});

	test('from the object count of an earlier snapshot when there is one', () => {
		const estimate = estimateSnapshot(roomy, 2_000_000);
		assert.equal(estimate.basis, 'object count');
		assert.equal(estimate.pauseMs, 2 * defaultCostModel.pauseMsPerMillionObjects);
		assert.equal(estimate.extraBytes, 2_000_000 * defaultCostModel.extraBytesPerObject);
	});

	test('a container limit close above rss makes it risky: the OOM kill the user is debugging', () => {
		const tight: Headroom = {heapUsed: 300 * MB, rss: 420 * MB, containerLimit: 512 * MB, freeMemory: 16_000 * MB};
		const estimate = estimateSnapshot(tight);
		assert.equal(estimate.availableBytes, 92 * MB, 'the container limit, not the host, is what is left');
		assert.equal(estimate.risky, true);
		assert.match(estimate.reasons[0]!, /may need 5\.4 GB more memory and only 92\.0 MB is free under the container limit: the target could be OOM-killed/);
	});

	test('a long pause is risky on its own; rss over the limit leaves nothing', () => {
		const big = estimateSnapshot({...roomy, heapUsed: 1000 * MB});
		assert.ok(big.reasons.some(r => /the target will stop for about 2m 00s: health checks may fail/.test(r)), big.reasons.join('; '));
		const over = estimateSnapshot({heapUsed: 10 * MB, rss: 600 * MB, containerLimit: 512 * MB, freeMemory: null});
		assert.equal(over.availableBytes, 0);
		assert.equal(over.risky, true);
	});

	test('no limit and no free-memory reading: nothing to compare, so only the pause counts', () => {
		const estimate = estimateSnapshot({heapUsed: 50 * MB, rss: 100 * MB, containerLimit: null, freeMemory: null});
		assert.equal(estimate.availableBytes, null);
		assert.equal(estimate.risky, false);
		assert.match(describeEstimate(estimate), /^pause about 6s, \+900\.0 MB target memory, file about 90\.0 MB \(from heap size\)$/);
	});
});

describe('snapshots in the state', () => {
	const run = (events: Event[]) => events.reduce(reduce, initialState({historySize: 10}));
	const estimate = estimateSnapshot(roomy);
	const written = {path: '/tmp/a.heapsnapshot', bytes: 9 * MB, t: 5000, heapUsed: 50 * MB, pauseMs: 4000, nodeCount: 400_000};

	test('checking, building, writing, written: the capture moves through its phases and ends in the list', () => {
		let state = run([{type: 'snapshot-checking', t: 1}, {type: 'snapshot-estimate', t: 2, estimate, confirm: false}, {type: 'snapshot-started', t: 3, path: written.path}]);
		assert.equal(state.panel, 'snapshots');
		assert.equal(state.snapshots.capture?.phase, 'building');
		state = reduce(state, {type: 'snapshot-progress', progress: {phase: 'building', done: 50, total: 100}});
		assert.equal(captureProgress(state.snapshots.capture!), 0.25);
		state = reduce(state, {type: 'snapshot-progress', progress: {phase: 'writing', bytes: estimate.fileBytes / 2}});
		assert.equal(state.snapshots.capture?.phase, 'writing');
		assert.equal(captureProgress(state.snapshots.capture!), 0.75);
		state = reduce(state, {type: 'snapshot-written', snapshot: written});
		assert.equal(state.snapshots.capture, null);
		assert.deepEqual(state.snapshots.taken, [written]);
		assert.equal(lastObjectCount(state.snapshots), 400_000);
		assert.match(state.log.items.at(-1)!.text, /heap snapshot written: \/tmp\/a\.heapsnapshot \(9\.0 MB, 400000 objects\); the target paused 4s/);
	});

	test('a risky estimate waits for y/N and says why; declining leaves nothing behind', () => {
		const risky = estimateSnapshot({heapUsed: 300 * MB, rss: 420 * MB, containerLimit: 512 * MB, freeMemory: null});
		let state = run([{type: 'snapshot-checking', t: 1}, {type: 'snapshot-estimate', t: 2, estimate: risky, confirm: true}]);
		assert.equal(state.snapshots.capture?.phase, 'confirm');
		assert.match(state.log.items.at(-1)!.text, /^risky: it may need .* Take it\? y\/N$/);
		assert.equal(state.log.items.at(-1)!.level, 'warn');
		state = reduce(state, {type: 'snapshot-cancelled', t: 3, reason: 'heap snapshot not taken'});
		assert.equal(state.snapshots.capture, null);
		assert.deepEqual(state.snapshots.taken, []);
	});

	test('abandoning says the target still finishes its pause; progress after it is ignored', () => {
		let state = run([{type: 'snapshot-checking', t: 1}, {type: 'snapshot-started', t: 2, path: '/tmp/b.heapsnapshot'}, {type: 'snapshot-abandoning', t: 3}]);
		assert.equal(state.snapshots.capture?.phase, 'abandoning');
		assert.match(state.log.items.at(-1)!.text, /the target still finishes its pause/);
		state = reduce(state, {type: 'snapshot-progress', progress: {phase: 'writing', bytes: 10}});
		assert.equal(state.snapshots.capture?.phase, 'abandoning');
	});

	test('the near-limit snapshot: asked, armed with where it goes, or refused', () => {
		let state = run([{type: 'near-limit-confirm', t: 1}]);
		assert.equal(state.snapshots.nearLimitConfirm, true);
		state = reduce(state, {type: 'near-limit-armed', t: 2, where: '/srv/app/Heap.<date>.<time>.7.0.001.heapsnapshot'});
		assert.deepEqual(state.snapshots.nearLimit, {armedAt: 2, where: '/srv/app/Heap.<date>.<time>.7.0.001.heapsnapshot'});
		assert.equal(state.snapshots.nearLimitConfirm, false);
		assert.match(state.log.items.at(-1)!.text, /cannot be disarmed/);
		assert.equal(run([{type: 'near-limit-confirm', t: 1}, {type: 'near-limit-cancelled', t: 2}]).snapshots.nearLimit, null);
	});

	test('progress never reads 100 % before the file is complete', () => {
		assert.equal(progressFraction({phase: 'writing', bytes: 10 * MB}, 1 * MB), 0.995);
		assert.equal(progressFraction({phase: 'writing', bytes: 10 * MB}, null), 0.5);
		assert.equal(progressFraction({phase: 'building', done: 0, total: 0}, null), 0);
		assert.deepEqual(initialSnapshots.taken, []);
	});
});
