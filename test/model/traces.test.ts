/**
 * The verdict statistics on real recordings: 90 s (or 180 s) of `leaktop --json` samples from
 * each fixture in test/fixtures/leaks/, replayed through the pure model. No censuses or forced
 * GCs here: the floors come from natural GCs only, the hardest case.
 */
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {test} from 'node:test';
import {initialState, reduce, type State} from '../../src/model/state.js';
import type {MemorySample} from '../../src/model/types.js';
import {computeVerdict} from '../../src/model/verdict.js';
import {repoRoot} from '../helpers/paths.js';

function replay(name: string, seconds = Infinity): State {
	const lines = readFileSync(join(repoRoot, 'test/fixtures/traces', `${name}.ndjson`), 'utf8').trim().split('\n');
	const samples = lines.map(line => JSON.parse(line) as MemorySample);
	const start = samples[0]!.t;
	return samples.filter(s => s.t - start <= seconds * 1000).reduce((state, sample) => reduce(state, {type: 'sample', sample, receivedAt: sample.t}), initialState({historySize: 3600}));
}

function growingKinds(state: State): string[] {
	return computeVerdict(state).signals.filter(s => s.verdict === 'growing').map(s => `${s.kind}:${s.series}`);
}

for (const [name, kind] of [['listeners', 'heap'], ['closure', 'heap'], ['cache', 'heap'], ['promises', 'heap'], ['timers', 'heap'], ['stream', 'external']] as const) {
	test(`${name} at 5 MB/min: a ${kind} leak within 60 s`, () => {
		const kinds = growingKinds(replay(name, 60));
		assert.ok(kinds.some(k => k.startsWith(`${kind}:`)), kinds.join(', ') || 'nothing growing');
		if (name === 'stream') assert.ok(!kinds.some(k => k.startsWith('heap:')), `the stream leak is off-heap: ${kinds.join(', ')}`);
	});
}

test('timers: the Timeout count is a resources leak', () => {
	assert.ok(growingKinds(replay('timers', 60)).includes('resources:Timeout'));
});

// Only natural GCs here: a bounded cache still filling, or old-generation garbage waiting for its
// first major GC, is growth until a GC shows the floor (leaktop's censuses force one every
// 10-30 s live). So the controls are judged over their whole recording.
for (const name of ['lru', 'sawtooth', 'churn', 'lru-1mb']) {
	test(`${name}: no leak over the whole recording`, () => {
		assert.deepEqual(growingKinds(replay(name)), []);
	});
}

test('sawtooth: no leak at any point', () => {
	for (const seconds of [30, 45, 60, 75, 90]) assert.deepEqual(growingKinds(replay('sawtooth', seconds)), [], `after ${seconds}s`);
});

for (const name of ['listeners-1mb', 'cache-1mb']) {
	test(`${name}: a 1 MB/min leak is a heap leak within 3 minutes`, () => {
		assert.ok(growingKinds(replay(name, 180)).some(k => k.startsWith('heap:')));
	});
}
