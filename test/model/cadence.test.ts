import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {budgetedDelayMs, censusDelayMs, censusHiddenCost, isCensusMode, loopUtilization, maxAutoCensusUtilization, rampedMinimumMs} from '../../src/model/cadence.js';

describe('budgetedDelayMs', () => {
	test('keeps the census at 1 % of wall time: duration / budget', () => {
		assert.equal(budgetedDelayMs(500), 50_000);
		assert.equal(budgetedDelayMs(1234), 123_400);
		assert.equal(budgetedDelayMs(500, 0.05), 30_000, '10 s is under the minimum');
		assert.equal(budgetedDelayMs(2000, 0.05), 40_000);
	});

	test('clamped to [minMs, maxMs]', () => {
		assert.equal(budgetedDelayMs(50), 30_000, 'a fast census still waits the minimum');
		assert.equal(budgetedDelayMs(0), 30_000);
		assert.equal(budgetedDelayMs(20_000), 600_000, 'a slow census waits at most the maximum');
		assert.equal(budgetedDelayMs(50, 0.01, 1_000, 2_000), 2_000);
		assert.equal(budgetedDelayMs(15, 0.01, 1_000, 2_000), 1_500);
	});

	test('nonsense input waits the maximum', () => {
		assert.equal(budgetedDelayMs(Number.NaN), 600_000);
		assert.equal(budgetedDelayMs(Number.POSITIVE_INFINITY), 600_000);
		assert.equal(budgetedDelayMs(-5), 600_000);
		assert.equal(budgetedDelayMs(500, 0), 600_000);
	});
});

describe('rampedMinimumMs', () => {
	test('profile reads space out 10 s, 20 s, then 30 s', () => {
		assert.deepEqual([1, 2, 3, 4, 50].map(done => rampedMinimumMs(done, 10_000, 30_000)), [10_000, 20_000, 30_000, 30_000, 30_000]);
		assert.equal(rampedMinimumMs(0, 10_000, 30_000), 10_000, 'never below one step');
	});
});

describe('censusDelayMs', () => {
	test('30 s after the first census, then doubling to 10 minutes', () => {
		assert.deepEqual([1, 2, 3, 4, 5, 6, 9].map(done => censusDelayMs(done, 50)), [30_000, 60_000, 120_000, 240_000, 480_000, 600_000, 600_000]);
	});

	test('from the third on, a census waits until its full cost (about 8x the call) is 1 % of wall time', () => {
		assert.equal(censusDelayMs(2, 200), 60_000, 'the first three make the listener trend: only the call counts');
		assert.equal(censusDelayMs(3, 200), 200 * censusHiddenCost * 100);
		assert.equal(censusDelayMs(1, 1000), 100_000, 'a 1 s census is never more often than 1 % of wall time');
		assert.equal(censusDelayMs(4, 10_000), 600_000, 'at most 10 minutes');
		assert.equal(censusDelayMs(2, 20, {firstMs: 1000}), 2000, 'tests may start from a shorter first interval');
	});
});

describe('the automatic census gate', () => {
	test('loop utilization is busy ms over wall ms between two readings, within [0, 1]', () => {
		assert.equal(loopUtilization({t: 1000, loopActiveMs: 100}, {t: 3000, loopActiveMs: 600}), 0.25);
		assert.equal(loopUtilization({t: 0, loopActiveMs: 0}, {t: 1000, loopActiveMs: 1200}), 1, 'clamped: busy time can run ahead of the sample clock');
		assert.equal(loopUtilization({t: 0, loopActiveMs: 50}, {t: 1000, loopActiveMs: 40}), 0);
		assert.equal(loopUtilization({t: 0, loopActiveMs: 0}, {t: 400, loopActiveMs: 10}), null, 'too close together to tell');
		assert.equal(loopUtilization({t: 1000, loopActiveMs: 0}, {t: 0, loopActiveMs: 10}), null);
	});

	test('a census may run automatically on a loop busy under ~6.7 % of the time: 15 % slower x 6.7 % = the 1 % budget', () => {
		assert.ok(Math.abs(maxAutoCensusUtilization - 0.0667) < 0.001);
	});

	test('--census modes', () => {
		assert.deepEqual(['on', 'always', 'off', 'sometimes', ''].map(isCensusMode), [true, true, true, false, false]);
	});
});
