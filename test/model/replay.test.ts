import assert from 'node:assert/strict';
import {test} from 'node:test';
import {type Recording, type RecordingHeader, replayState} from '../../src/model/recording.js';
import {ReplayTimeline} from '../../src/model/replay.js';
import type {Event} from '../../src/model/state.js';
import {defaultVerdictOptions} from '../../src/model/verdict.js';
import {sample, target} from './samples.js';

const header: RecordingHeader = {format: 'leaktop-recording', version: 1, leaktopVersion: '0', startedAt: 0, intervalMs: 1000, historySize: 3600, samplingIntervalBytes: null, verdictOptions: defaultVerdictOptions};

function recordingOf(seconds: number, extra: Event[] = []): Recording {
	const events: Event[] = [{type: 'attached', target, t: 0}];
	for (let i = 1; i <= seconds; i++) events.push({type: 'sample', sample: sample(i * 1000, 1_000_000 + i), receivedAt: i * 1000});
	return {header, events: [...events, ...extra], verdicts: [], end: null, truncated: false};
}

test('the state at any point equals replaying that many events, forward and back across checkpoints', () => {
	const recording = recordingOf(600);
	const timeline = new ReplayTimeline(recording);
	for (const index of [601, 10, 300, 299, 257, 256, 0, 513, 600]) {
		assert.deepEqual(timeline.stateAt(index), replayState(recording, index), `at ${index}`);
	}
});

test('the live view moves are left out; what changed the session stays in', () => {
	const recording = recordingOf(3, [{type: 'cycle-panel'}, {type: 'toggle-help'}, {type: 'baseline', t: 3500}]);
	const timeline = new ReplayTimeline(recording);
	assert.equal(timeline.length, 5);
	const state = timeline.stateAt(timeline.length);
	assert.equal(state.panel, 'chart');
	assert.equal(state.helpOpen, false);
	assert.equal(state.baselineT, 3000);
});

test('seek moves by recorded time, and always moves at least one event', () => {
	const timeline = new ReplayTimeline(recordingOf(60));
	assert.equal(timeline.timeAt(0), 0);
	assert.equal(timeline.timeAt(61), 60_000);
	assert.equal(timeline.seek(61, -10_000), 51, 'back 10 s: the samples up to 50 s and the attach');
	assert.equal(timeline.timeAt(51), 50_000);
	assert.equal(timeline.seek(51, 10_000), 61);
	assert.equal(timeline.seek(5, -10_000), 0, 'never before the start');
	assert.equal(timeline.seek(61, 10_000), 61, 'never past the end');
	const sparse = new ReplayTimeline({...recordingOf(1), events: [...recordingOf(1).events, {type: 'sample', sample: sample(600_000, 1), receivedAt: 600_000}]});
	assert.equal(sparse.seek(2, 10_000), 3, 'a gap of 10 minutes is one step');
	assert.equal(sparse.seek(3, -10_000), 2);
});
