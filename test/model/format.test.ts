import assert from 'node:assert/strict';
import {test} from 'node:test';
import {formatBytes, formatDuration, formatSignedBytes} from '../../src/model/format.js';

test('formatBytes uses decimal units', () => {
	assert.equal(formatBytes(0), '0 B');
	assert.equal(formatBytes(999), '999 B');
	assert.equal(formatBytes(1500), '1.5 KB');
	assert.equal(formatBytes(45_200_000), '45.2 MB');
	assert.equal(formatBytes(4_345_298_944), '4.3 GB');
	assert.equal(formatBytes(-2_500_000), '-2.5 MB');
	assert.equal(formatBytes(Number.NaN), '-');
});

test('formatSignedBytes marks growth with a plus', () => {
	assert.equal(formatSignedBytes(1_000_000), '+1.0 MB');
	assert.equal(formatSignedBytes(-1_000_000), '-1.0 MB');
	assert.equal(formatSignedBytes(0), '0 B');
});

test('formatDuration is compact at every scale', () => {
	assert.equal(formatDuration(0), '0s');
	assert.equal(formatDuration(45_000), '45s');
	assert.equal(formatDuration(725_000), '12m 05s');
	assert.equal(formatDuration(3 * 3_600_000 + 20 * 60_000), '3h 20m');
	assert.equal(formatDuration(52 * 3_600_000), '2d 4h');
});
