import assert from 'node:assert/strict';
import {test} from 'node:test';
import {extendTimeBox, formatCountdown, nextDueAt, startTimeBox, timeBoxDue, timeLeftMs} from '../../src/model/time-box.js';

test('a 15 minute box: the warning a minute before, then the end', () => {
	const box = startTimeBox(1000, 15 * 60_000);
	assert.equal(box.endsAt, 1000 + 900_000);
	assert.equal(nextDueAt(box), 1000 + 840_000, 'the warning comes first');
	assert.equal(timeBoxDue(box, 1000 + 839_999), null);
	assert.equal(timeBoxDue(box, 1000 + 840_000), 'warn');
	const warned = {...box, warned: true};
	assert.equal(timeBoxDue(warned, 1000 + 899_999), null);
	assert.equal(nextDueAt(warned), box.endsAt);
	assert.equal(timeBoxDue(warned, box.endsAt), 'expire');
	assert.equal(timeBoxDue(box, box.endsAt + 5), 'expire', 'the end wins over a warning never given');
	assert.equal(timeLeftMs(box, box.endsAt + 5), 0);
});

test('+ adds 5 minutes; after a warning, the warning comes again before the new end', () => {
	const box = {...startTimeBox(0, 10 * 60_000), warned: true};
	const extended = extendTimeBox(box, 9.5 * 60_000);
	assert.equal(extended.endsAt, 15 * 60_000);
	assert.equal(extended.limitMs, 15 * 60_000);
	assert.equal(extended.warned, false);
	assert.equal(nextDueAt(extended), 14 * 60_000);
	const late = extendTimeBox({...startTimeBox(0, 30_000), warned: true}, 29_000, 20_000);
	assert.equal(late.warned, true, 'still under a minute left: no second warning');
});

test('a box shorter than a minute has no warning', () => {
	const box = startTimeBox(0, 30_000);
	assert.equal(box.warned, true);
	assert.equal(nextDueAt(box), 30_000);
});

test('the countdown reads like a clock and reaches 0:00 only at the end', () => {
	assert.equal(formatCountdown(14 * 60_000 + 32_000), '14:32');
	assert.equal(formatCountdown(59_001), '1:00');
	assert.equal(formatCountdown(1), '0:01');
	assert.equal(formatCountdown(0), '0:00');
	assert.equal(formatCountdown(3_723_000), '1:02:03');
});
