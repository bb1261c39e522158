import assert from 'node:assert/strict';
import {test} from 'node:test';
import {agentFamilies, maxListenerRows, type MetricFamily, metricFamilies} from '../../src/model/metrics.js';
import {type Event, initialState, reduce, type State} from '../../src/model/state.js';
import {computeVerdict} from '../../src/model/verdict.js';
import type {ListenerCensus} from '../../src/model/types.js';
import {sample, target} from './samples.js';

/** `minutes` at 1 s with the heap rising `bytesPerMinute`. */
function session(bytesPerMinute: number, minutes = 2, extra: Event[] = []): State {
	const events: Event[] = [{type: 'attached', target, t: 0}];
	for (let i = 0; i < minutes * 60; i++) {
		events.push({type: 'sample', sample: sample(i * 1000, 40_000_000 + (i * bytesPerMinute) / 60, {resources: {Timeout: 3, TCPSocketWrap: 2}}), receivedAt: i * 1000});
	}
	return [...events, ...extra].reduce(reduce, initialState({historySize: 3600}));
}

const facts = {collectorSeconds: 0.25, samplesTaken: 120};

function valueOf(families: MetricFamily[], name: string, labels: Record<string, string> = {}): number | undefined {
	const family = families.find(f => f.name === name);
	return family?.samples.find(s => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

test('a leaking heap: the floor, its slope per second, growing, and the verdict; base units throughout', () => {
	const state = session(6_000_000);
	const families = metricFamilies(state, computeVerdict(state), facts);
	const slope = valueOf(families, 'leaktop_floor_slope_bytes_per_second', {series: 'heap'})!;
	assert.ok(Math.abs(slope - 100_000) < 5000, `6 MB/min is 100 kB/s: ${slope}`);
	assert.equal(valueOf(families, 'leaktop_floor_growing', {series: 'heap'}), 1);
	assert.equal(valueOf(families, 'leaktop_leak_verdict'), 1);
	assert.equal(valueOf(families, 'leaktop_evidence_ready'), 1);
	assert.equal(valueOf(families, 'leaktop_heap_used_bytes'), state.samples.items.at(-1)!.heapUsed);
	assert.ok(valueOf(families, 'leaktop_floor_bytes', {series: 'heap'})! > 40_000_000);
	assert.equal(valueOf(families, 'leaktop_active_resources', {type: 'Timeout'}), 3);
	assert.equal(valueOf(families, 'leaktop_collector_seconds_total'), 0.25);
	assert.equal(valueOf(families, 'leaktop_samples_total'), 120);
	assert.equal(valueOf(families, 'leaktop_target_connected'), 1);
	const lost = reduce(state, {type: 'connection-lost', t: 121_000, reason: 'the port-forward dropped'});
	assert.equal(valueOf(metricFamilies(lost, computeVerdict(lost), facts), 'leaktop_target_connected'), 0);
	for (const family of families) {
		assert.match(family.name, /^leaktop_[a-z_]+$/);
		if (family.type === 'counter') assert.match(family.name, /_total$/);
		assert.doesNotMatch(family.name, /_(mb|kb|ms|hours?)(_|$)/, 'base units only');
		for (const s of family.samples) assert.deepEqual(Object.keys(s.labels).sort(), [...family.labelNames].sort(), family.name);
	}
});

test('a flat heap: slope near 0, no leak; while warming up the slope is 0 and evidence is not ready', () => {
	const flat = session(0);
	const families = metricFamilies(flat, computeVerdict(flat), facts);
	assert.ok(Math.abs(valueOf(families, 'leaktop_floor_slope_bytes_per_second', {series: 'heap'})!) < 1);
	assert.equal(valueOf(families, 'leaktop_leak_verdict'), 0);
	const young = session(6_000_000, 0.2);
	const early = metricFamilies(young, computeVerdict(young), facts);
	assert.equal(valueOf(early, 'leaktop_floor_slope_bytes_per_second', {series: 'heap'}), 0);
	assert.equal(valueOf(early, 'leaktop_evidence_ready'), 0);
	assert.equal(valueOf(early, 'leaktop_leak_verdict'), 0);
});

test('before the first sample: no sample gauges, the counters still there', () => {
	const empty = initialState({historySize: 10});
	const families = metricFamilies(empty, computeVerdict(empty), {collectorSeconds: 0, samplesTaken: 0});
	assert.equal(families.find(f => f.name === 'leaktop_heap_used_bytes'), undefined);
	assert.equal(valueOf(families, 'leaktop_samples_total'), 0);
});

test('listeners: the biggest rows of the latest census only, so the labels stay bounded', () => {
	const rows = Array.from({length: 40}, (_, i) => ({emitter: `Emitter${i}`, event: 'data', count: i + 1, emitters: 1, maxPerEmitter: i + 1, overLimit: 0, limitDisabled: 0}));
	const census: ListenerCensus = {t: 100_000, durationMs: 20, emitterCount: 40, rows, promises: 7};
	const state = session(0, 2, [{type: 'census', census}]);
	const families = metricFamilies(state, computeVerdict(state), facts);
	const listeners = families.find(f => f.name === 'leaktop_listeners')!;
	assert.equal(listeners.samples.length, maxListenerRows);
	assert.deepEqual(listeners.samples[0], {labels: {emitter: 'Emitter39', event: 'data'}, value: 40});
	assert.equal(valueOf(families, 'leaktop_promises'), 7);
});

test('the CLI labels every sample with its target; the agent switch is a 0/1 gauge', () => {
	const state = session(0);
	const families = metricFamilies(state, computeVerdict(state), facts, {target: 'pod/api-1'});
	for (const family of families) {
		assert.equal(family.labelNames[0], 'target');
		for (const s of family.samples) assert.equal(s.labels['target'], 'pod/api-1');
	}
	assert.deepEqual(agentFamilies(false)[0]!.samples, [{labels: {}, value: 0}]);
	assert.deepEqual(agentFamilies(true)[0]!.samples, [{labels: {}, value: 1}]);
});
