import assert from 'node:assert/strict';
import {test} from 'node:test';
import {endedAt, eventTime, isRecorded, parseRecording, RecordingFormatError, type RecordingHeader, replayState} from '../../src/model/recording.js';
import {type Event, initialState, reduce} from '../../src/model/state.js';
import {defaultVerdictOptions} from '../../src/model/verdict.js';
import {sample, target} from './samples.js';

const header: RecordingHeader = {format: 'leaktop-recording', version: 1, leaktopVersion: '0.1.0', startedAt: 1000, intervalMs: 1000, historySize: 100, samplingIntervalBytes: null, verdictOptions: defaultVerdictOptions};
const events: Event[] = [{type: 'attached', target, t: 1000}, ...[1, 2, 3].map(i => ({type: 'sample', sample: sample(i * 1000, 10_000_000 + i), receivedAt: 1000 + i * 1000}) as Event), {type: 'baseline', t: 3500}];
const lines = [JSON.stringify({header}), ...events.map(event => JSON.stringify({event})), JSON.stringify({verdict: {t: 2000, leak: false, headline: 'collecting evidence'}}), JSON.stringify({end: {endedAt: 9000, reason: 'detached (quit)'}})];

test('a whole recording: the header, every event in order, the verdicts and the end', () => {
	const recording = parseRecording(`${lines.join('\n')}\n`);
	assert.deepEqual(recording.header, header);
	assert.deepEqual(recording.events, events);
	assert.deepEqual(recording.verdicts, [{t: 2000, leak: false, headline: 'collecting evidence'}]);
	assert.deepEqual(recording.end, {endedAt: 9000, reason: 'detached (quit)'});
	assert.equal(recording.truncated, false);
	assert.equal(endedAt(recording), 9000);
	assert.deepEqual(replayState(recording), events.reduce(reduce, initialState({historySize: 100})), 'replaying rebuilds the live state');
	assert.equal(replayState(recording, 2).samples.items.length, 1);
});

test('cut mid-line (a killed leaktop): the partial line is dropped and the rest reads', () => {
	const text = `${lines.slice(0, 4).join('\n')}\n${lines[4]!.slice(0, 25)}`;
	const recording = parseRecording(text);
	assert.equal(recording.truncated, true);
	assert.equal(recording.events.length, 3);
	assert.equal(recording.end, null);
	assert.equal(endedAt(recording), 3000, 'the last event is the end');
});

test('refused with the line that is wrong', () => {
	const fails = (text: string, message: RegExp) => assert.throws(() => parseRecording(text), (error: unknown) => error instanceof RecordingFormatError && message.test(error.message));
	fails('', /the recording is empty/);
	fails('{"heap', /first line is incomplete/);
	fails('{"nodes": []}\n', /not a leaktop recording/);
	fails(`${JSON.stringify({header: {...header, version: 9}})}\n`, /version 9 is not supported/);
	fails(`${lines[0]}\n${lines[1]}\nnot json\n${lines[2]}\n`, /line 3 of the recording is not JSON/);
	fails(`${lines[0]}\n{"what": 1}\n`, /line 2 of the recording is neither/);
});

test('progress events are not recorded; every other event is, and has a time', () => {
	assert.equal(isRecorded({type: 'snapshot-progress', progress: {done: 1, total: 2}} as Event), false);
	assert.equal(isRecorded({type: 'prompt-set', line: {text: 'eval token', cursor: 10}, candidates: []}), false, 'keystrokes on the command line are not kept');
	assert.equal(isRecorded(events[1]!), true);
	assert.equal(eventTime(events[1]!), 2000);
	assert.equal(eventTime({type: 'cycle-panel'}), null);
});
