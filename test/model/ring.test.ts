import assert from 'node:assert/strict';
import {test} from 'node:test';
import {append, createRing, last} from '../../src/model/ring.js';

test('keeps the newest items up to capacity', () => {
	let ring = createRing<number>(3);
	for (let i = 1; i <= 5; i++) ring = append(ring, i);
	assert.deepEqual(ring.items, [3, 4, 5]);
	assert.equal(last(ring), 5);
});

test('append leaves the old ring untouched', () => {
	const a = append(createRing<number>(2), 1);
	const b = append(a, 2);
	const c = append(b, 3);
	assert.deepEqual(a.items, [1]);
	assert.deepEqual(b.items, [1, 2]);
	assert.deepEqual(c.items, [2, 3]);
});

test('rejects a capacity that is not a positive integer', () => {
	assert.throws(() => createRing(0), RangeError);
	assert.throws(() => createRing(1.5), RangeError);
});
