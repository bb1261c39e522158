import assert from 'node:assert/strict';
import {test} from 'node:test';
import {parseDuration} from '../../src/model/duration.js';
import {UsageError} from '../../src/errors.js';

test('parses the units the issue names', () => {
	assert.equal(parseDuration('500ms'), 500);
	assert.equal(parseDuration('30s'), 30_000);
	assert.equal(parseDuration('15m'), 900_000);
	assert.equal(parseDuration('2h'), 7_200_000);
	assert.equal(parseDuration('1.5s'), 1500);
});

test('rejects bad durations with a usage error naming the flag', () => {
	for (const bad of ['', '5', 'abc', '5x', '-1s', '0s', '1 d']) {
		assert.throws(() => parseDuration(bad, 'interval'), (error: unknown) => error instanceof UsageError && error.message.includes('--interval'), bad);
	}
});
