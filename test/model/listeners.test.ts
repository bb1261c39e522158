import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {listenerGrowth} from '../../src/model/listeners.js';
import type {ListenerCensus, ListenerRow} from '../../src/model/types.js';

function row(emitter: string, event: string, count: number, extra: Partial<ListenerRow> = {}): ListenerRow {
	return {emitter, event, count, emitters: 1, maxPerEmitter: count, overLimit: 0, limitDisabled: 0, ...extra};
}

function census(rows: ListenerRow[], t = 0): ListenerCensus {
	return {t, durationMs: 100, emitterCount: rows.length, rows};
}

describe('listenerGrowth', () => {
	test('without a baseline every row grows by 0, most listeners first', () => {
		const latest = census([row('Socket', 'close', 3), row('OrderBus', 'update', 40), row('Server', 'request', 1)]);
		const rows = listenerGrowth(null, latest);
		assert.deepEqual(
			rows.map(r => [r.emitter, r.event, r.count, r.growth]),
			[
				['OrderBus', 'update', 40, 0],
				['Socket', 'close', 3, 0],
				['Server', 'request', 1, 0],
			],
		);
	});

	test('growth is the count change for the same emitter and event; new rows grow by their count', () => {
		const baseline = census([row('OrderBus', 'update', 40), row('Socket', 'close', 30), row('EventEmitter', 'update', 5)]);
		const latest = census([row('OrderBus', 'update', 140), row('Socket', 'close', 20), row('EventEmitter', 'update', 5), row('AbortSignal', 'abort', 7)]);
		const rows = listenerGrowth(baseline, latest);
		assert.deepEqual(
			rows.map(r => [r.emitter, r.event, r.growth]),
			[
				['OrderBus', 'update', 100],
				['AbortSignal', 'abort', 7],
				['EventEmitter', 'update', 0],
				['Socket', 'close', -10],
			],
		);
	});

	test('keys on both emitter and event: the same event name on two constructors is two rows', () => {
		const baseline = census([row('A', 'data', 1), row('B', 'data', 10)]);
		const latest = census([row('A', 'data', 11), row('B', 'data', 10)]);
		const [first, second] = listenerGrowth(baseline, latest);
		assert.deepEqual([first?.emitter, first?.growth, second?.emitter, second?.growth], ['A', 10, 'B', 0]);
	});

	test('equal growth sorts by count, then by name; the other fields pass through', () => {
		const latest = census([row('B', 'x', 5, {overLimit: 1, limitDisabled: 2, emitters: 3, maxPerEmitter: 4}), row('A', 'x', 5), row('C', 'x', 9)]);
		const rows = listenerGrowth(census([]), latest);
		assert.deepEqual(
			rows.map(r => `${r.emitter}:${r.growth}`),
			['C:9', 'A:5', 'B:5'],
		);
		assert.deepEqual(rows[2], {emitter: 'B', event: 'x', count: 5, emitters: 3, maxPerEmitter: 4, overLimit: 1, limitDisabled: 2, growth: 5});
	});

	test('returns the top `limit` rows (20 by default) and does not modify its inputs', () => {
		const latest = census(Array.from({length: 30}, (_, i) => row('E', `event-${i}`, i)));
		const copy = structuredClone(latest);
		assert.equal(listenerGrowth(null, latest).length, 20);
		assert.deepEqual(
			listenerGrowth(null, latest, 3).map(r => r.count),
			[29, 28, 27],
		);
		assert.equal(listenerGrowth(null, latest, 0).length, 0);
		assert.deepEqual(latest, copy);
	});

	test('an empty latest census has no rows', () => {
		assert.deepEqual(listenerGrowth(census([row('A', 'x', 1)]), census([])), []);
	});
});
