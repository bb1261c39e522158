import assert from 'node:assert/strict';
import {test} from 'node:test';
import {buildReport} from '../../src/model/report.js';
import {computeVerdict, defaultVerdictOptions} from '../../src/model/verdict.js';
import {initialState, reduce} from '../../src/model/state.js';
import {sample, target} from './samples.js';

test('the report carries the target and every sample with the named fields', () => {
	let state = reduce(initialState({historySize: 10}), {type: 'attached', target, t: 0});
	state = reduce(state, {type: 'sample', sample: sample(1000, 5), receivedAt: 1000});
	const report = buildReport(state, computeVerdict(state), {leaktopVersion: '0.1.0', startedAt: 0, endedAt: 2000, intervalMs: 1000, verdictOptions: defaultVerdictOptions});
	assert.deepEqual({pid: report.target?.pid, nodeVersion: report.target?.nodeVersion, title: report.target?.title}, {pid: 4242, nodeVersion: 'v20.20.2', title: 'node'});
	assert.equal(report.samples.length, 1);
	for (const key of ['t', 'heapUsed', 'heapTotal', 'rss', 'external', 'arrayBuffers']) assert.equal(typeof (report.samples[0] as unknown as Record<string, unknown>)[key], 'number', key);
	assert.equal(report.startedAt, '1970-01-01T00:00:00.000Z');
	assert.equal(JSON.parse(JSON.stringify(report)).samples[0].heapUsed, 5);
});
