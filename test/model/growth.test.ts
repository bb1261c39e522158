import assert from 'node:assert/strict';
import {test} from 'node:test';
import {floorPoints, judge, normalCdf, risingConfidence, theilSen, timeToLimitMs, type Point} from '../../src/model/growth.js';

const MB = 1_000_000;
const hour = 3_600_000;
const threshold = {thresholdPerHour: 1 * MB};

/** A deterministic pseudo-random source so synthetic noise is the same every run. */
function noise(seed: number): () => number {
	let x = seed;
	return () => {
		x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
		return x / 2 ** 31 - 0.5;
	};
}

function series(seconds: number, value: (s: number) => number): Point[] {
	return Array.from({length: seconds + 1}, (_, s) => ({t: 1_000_000 + s * 1000, v: value(s)}));
}

test('theilSen ignores a few wild points', () => {
	const points = series(20, s => 10 + 2 * s).map((p, i) => (i === 5 ? {...p, v: 1e9} : p));
	assert.equal(theilSen(points) * 1000, 2);
});

test('normalCdf and risingConfidence behave at the edges', () => {
	assert.ok(Math.abs(normalCdf(0) - 0.5) < 1e-7);
	assert.ok(Math.abs(normalCdf(1.96) - 0.975) < 1e-4);
	assert.ok(risingConfidence([1, 2, 3, 4, 5, 6, 7, 8]) > 0.99);
	assert.ok(risingConfidence([8, 7, 6, 5, 4, 3, 2, 1]) < 0.01);
	assert.ok(Math.abs(risingConfidence([5, 5, 5, 5, 5]) - 0.5) < 1e-6);
	assert.equal(risingConfidence([1, 2]), 0);
});

test('a leak of 5 MB/min under a GC sawtooth is growing, at about the right slope', () => {
	const rand = noise(1);
	// Garbage piles up 3 MB between GCs every 7 s; live data grows 5 MB/min underneath.
	const samples = series(60, s => 20 * MB + (5 * MB * s) / 60 + ((s % 7) / 7) * 3 * MB + rand() * 0.2 * MB);
	const {verdict, trend} = judge(floorPoints(samples), threshold);
	assert.equal(verdict, 'growing');
	assert.ok(Math.abs(trend.slopePerHour - 300 * MB) < 60 * MB, `slope ${trend.slopePerHour / MB} MB/h`);
	assert.ok(trend.confidence > 0.99);
});

test('a sawtooth of temporaries over a flat floor is flat', () => {
	const rand = noise(2);
	const samples = series(60, s => 30 * MB + ((s % 6) / 6) * 40 * MB + rand() * 0.3 * MB);
	assert.equal(judge(floorPoints(samples), threshold).verdict, 'flat');
});

test('steady churn with noise is flat', () => {
	const rand = noise(3);
	const samples = series(120, () => 25 * MB + rand() * 2 * MB);
	assert.equal(judge(floorPoints(samples), threshold).verdict, 'flat');
});

test('a cache that warms up and then stays flat is not a leak', () => {
	const rand = noise(4);
	const samples = series(60, s => 20 * MB + Math.min(s, 15) * 1 * MB + rand() * 0.2 * MB);
	assert.equal(judge(floorPoints(samples), threshold).verdict, 'flat');
});

test('too little history is warming up', () => {
	const samples = series(10, s => 20 * MB + s * MB);
	assert.equal(judge(floorPoints(samples), threshold).verdict, 'warming up');
});

test('forced GC values join the floor as exact points', () => {
	const samples = series(60, s => 50 * MB + s * 0.01 * MB);
	const forced = [{t: 1_000_000 + 30_000, v: 10 * MB}, {t: 1_000_000 + 90_000_000, v: 1}];
	const floors = floorPoints(samples, forced);
	assert.ok(floors.some(p => p.v === 10 * MB));
	assert.ok(!floors.some(p => p.v === 1), 'points outside the window are dropped');
	assert.deepEqual(floors.map(p => p.t), [...floors.map(p => p.t)].sort((a, b) => a - b));
});

test('a slope under the threshold is flat however steady', () => {
	const samples = series(120, s => 20 * MB + (0.5 * MB * s) / 3600);
	assert.equal(judge(floorPoints(samples), threshold).verdict, 'flat');
});

test('time to limit', () => {
	assert.equal(timeToLimitMs(100 * MB, 100 * MB, 500 * MB), 4 * hour);
	assert.equal(timeToLimitMs(100 * MB, 0, 500 * MB), null);
	assert.equal(timeToLimitMs(100 * MB, 10 * MB, null), null);
	assert.equal(timeToLimitMs(600 * MB, 10 * MB, 500 * MB), null);
});

test('bucket minima above a later exact floor are garbage, not floor', () => {
	// Old-generation garbage piles up between forced GCs; every forced GC shows the same 20 MB.
	const samples = series(60, s => 20 * MB + (s % 15) * 0.6 * MB);
	const forced = [15, 30, 45, 60].map(s => ({t: 1_000_000 + s * 1000 - 1, v: 20 * MB}));
	const floors = floorPoints(samples, forced);
	assert.ok(floors.every(p => p.v <= 20 * MB), floors.map(p => p.v / MB).join(' '));
	assert.equal(judge(floors, threshold).verdict, 'flat');
	// A leak keeps its rising minima: they are below the later exact floors already.
	const leak = series(60, s => 20 * MB + s * 0.2 * MB);
	const leakForced = [15, 30, 45, 60].map(s => ({t: 1_000_000 + s * 1000, v: 20 * MB + s * 0.2 * MB}));
	assert.equal(judge(floorPoints(leak, leakForced), threshold).verdict, 'growing');
});
