import assert from 'node:assert/strict';
import {test} from 'node:test';
import {downsample, sparkline} from '../../src/model/sparkline.js';

test('sparkline spans lowest to highest block', () => {
	assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7], 8), '▁▂▃▄▅▆▇█');
	assert.equal(sparkline([5, 5, 5], 8), '▁▁▁');
	assert.equal(sparkline([], 8), '');
});

test('sparkline shows only the last width values', () => {
	assert.equal(sparkline([100, 0, 1], 2), '▁█');
});

test('downsample keeps each bucket maximum so peaks survive', () => {
	const values = Array.from({length: 100}, (_, i) => (i === 37 ? 1000 : 1));
	const out = downsample(values, 10);
	assert.equal(out.length, 10);
	assert.equal(Math.max(...out), 1000);
	assert.deepEqual(downsample([1, 2, 3], 10), [1, 2, 3]);
});
