import assert from 'node:assert/strict';
import {test} from 'node:test';
import {initialState, reduce, type Event, type State} from '../../src/model/state.js';
import {computeVerdict, defaultVerdictOptions, headline} from '../../src/model/verdict.js';
import type {ListenerCensus} from '../../src/model/types.js';
import {sample, target} from './samples.js';

const MB = 1_000_000;

function stateOf(seconds: number, at: (s: number) => Partial<Parameters<typeof sample>[2]> & {heapUsed: number}, extra: Event[] = []): State {
	const events: Event[] = [{type: 'attached', target, t: 0}];
	for (let s = 0; s <= seconds; s++) {
		const {heapUsed, ...rest} = at(s);
		events.push({type: 'sample', sample: sample(s * 1000, heapUsed, rest), receivedAt: s * 1000});
	}
	return [...events, ...extra].reduce(reduce, initialState({historySize: 3600}));
}

function census(t: number, count: number): ListenerCensus {
	return {t, durationMs: 100, emitterCount: 1, rows: [{emitter: 'OrderBus', event: 'update', count, emitters: 1, maxPerEmitter: count, overLimit: 0, limitDisabled: 1}]};
}

test('a rising heap floor is a heap signal with a time to the heap limit', () => {
	const state = stateOf(60, s => ({heapUsed: 20 * MB + s * 100_000 + (s % 5) * 1_000_000}));
	const verdict = computeVerdict(state);
	const heap = verdict.signals.find(s => s.kind === 'heap')!;
	assert.equal(verdict.leak, true);
	assert.equal(heap.verdict, 'growing');
	assert.equal(heap.unit, 'bytes');
	assert.equal(heap.limit, target.heapSizeLimit);
	assert.ok(heap.timeToLimitMs! > 0);
	assert.match(headline(verdict), /^heap floor \+\d+(\.\d)? MB\/h, \d+ % confidence, limit in /);
});

test('external growth with a flat heap is an external signal, not heap', () => {
	const state = stateOf(60, s => ({heapUsed: 20 * MB + (s % 3) * 500_000, external: 1 * MB + s * 80_000, arrayBuffers: s * 80_000, rss: 80 * MB + s * 80_000}));
	const verdict = computeVerdict(state);
	const kinds = verdict.signals.filter(s => s.verdict === 'growing').map(s => s.kind);
	assert.ok(kinds.includes('external'));
	assert.ok(!kinds.includes('heap'));
	assert.equal(verdict.signals.find(s => s.kind === 'rss')!.limit, target.constrainedMemory);
});

test('a climbing resource count is a resources signal', () => {
	const state = stateOf(60, s => ({heapUsed: 20 * MB, resources: {Timeout: 2 + s * 3, TCPServerWrap: 1}}));
	const verdict = computeVerdict(state);
	const timeout = verdict.signals.find(s => s.kind === 'resources' && s.series === 'Timeout')!;
	assert.equal(timeout.verdict, 'growing');
	assert.equal(timeout.growth, 180);
	assert.equal(verdict.signals.find(s => s.series === 'TCPServerWrap')!.verdict, 'flat');
});

test('listener counts rising over three censuses are a listeners signal', () => {
	const state = stateOf(40, () => ({heapUsed: 20 * MB}), [
		{type: 'census', census: census(1000, 10)},
		{type: 'census', census: census(20_000, 400)},
		{type: 'census', census: census(40_000, 800)},
	]);
	const signal = computeVerdict(state).signals.find(s => s.kind === 'listeners')!;
	assert.equal(signal.series, 'OrderBus.update');
	assert.equal(signal.verdict, 'growing');
	assert.equal(signal.growth, 790);
});

test('the baseline restarts the evidence', () => {
	const rising = stateOf(60, s => ({heapUsed: 20 * MB + s * 200_000}));
	assert.equal(computeVerdict(rising).leak, true);
	const rebased = reduce(rising, {type: 'baseline', t: 60_000});
	const verdict = computeVerdict(rebased);
	assert.equal(verdict.leak, false);
	assert.equal(verdict.signals.find(s => s.kind === 'heap')!.verdict, 'warming up');
	assert.match(headline(verdict), /collecting evidence/);
});

test('a flat process reads as no sustained growth; the threshold is respected', () => {
	const flat = stateOf(90, s => ({heapUsed: 20 * MB + (s % 4) * 300_000}));
	assert.equal(computeVerdict(flat).leak, false);
	assert.equal(headline(computeVerdict(flat)), 'no sustained growth yet');
	// 3.6 MB/h: over a minute and a half that is 90 KB, GC noise; over an hour it is 3.6 MB.
	const brief = stateOf(90, s => ({heapUsed: 20 * MB + s * 1000, rss: 80 * MB}));
	assert.equal(computeVerdict(brief).leak, false);
	const slow = stateOf(3600, s => ({heapUsed: 20 * MB + s * 1000, rss: 80 * MB}));
	assert.equal(computeVerdict(slow).leak, true, '3.6 MB/h is over 1 MB/h');
	assert.equal(computeVerdict(slow, {...defaultVerdictOptions, thresholdBytesPerHour: 10 * MB}).leak, false);
});

test('a count that creeps up by a few is not a leak however steady', () => {
	const state = stateOf(40, () => ({heapUsed: 20 * MB}), [
		{type: 'census', census: census(1000, 16)},
		{type: 'census', census: census(20_000, 17)},
		{type: 'census', census: census(40_000, 18)},
	]);
	assert.equal(computeVerdict(state).signals.find(s => s.kind === 'listeners')!.verdict, 'flat');
	const sockets = stateOf(60, s => ({heapUsed: 20 * MB, resources: {TCPSocketWrap: 4 + Math.floor(s / 10)}}));
	assert.equal(computeVerdict(sockets).signals.find(s => s.series === 'TCPSocketWrap')!.verdict, 'flat');
});

test('a steady floor rise of 0.6 MB in a minute (GC timing under load) is not yet evidence', () => {
	const state = stateOf(60, s => ({heapUsed: 4.6 * MB + s * 10_000 + (s % 4) * 3 * MB, rss: 80 * MB}));
	assert.equal(computeVerdict(state).signals.find(s => s.kind === 'heap')!.verdict, 'flat');
});

test('rss that follows a growing heap is the heap, not rss; rss growing on its own is rss', () => {
	// A cache warming up: heapTotal grows, RSS follows and keeps its pages.
	const warming = stateOf(330, s => ({heapUsed: 10 * MB, heapTotal: 20 * MB + Math.min(s, 50) * MB, rss: 60 * MB + Math.min(s, 50) * MB, external: 1 * MB}));
	assert.equal(computeVerdict(warming).signals.find(s => s.kind === 'rss')!.verdict, 'flat');
	// A native leak: RSS climbs 10 MB a minute while heap and external stay put. RSS needs five
	// minutes of evidence (native memory warms up after start).
	const native = (seconds: number) => stateOf(seconds, s => ({heapUsed: 10 * MB, heapTotal: 20 * MB, rss: 60 * MB + (s * MB) / 6, external: 1 * MB}));
	assert.equal(computeVerdict(native(150)).signals.find(s => s.kind === 'rss')!.verdict, 'warming up');
	const rss = computeVerdict(native(330)).signals.find(s => s.kind === 'rss')!;
	assert.equal(rss.verdict, 'growing');
	assert.equal(rss.current, 115 * MB);
	assert.equal(rss.limit, target.constrainedMemory);
	assert.ok(rss.timeToLimitMs! > 0);
});
