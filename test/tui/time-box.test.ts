/** The time box's runner, on a fake clock: warning, expiry, extension, stop. */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {initialState} from '../../src/model/state.js';
import {createStore} from '../../src/store.js';
import {runTimeBox, type Timers} from '../../src/tui/time-box.js';

function fakeTimers() {
	let now = 1_000_000;
	let pending: {at: number; callback: () => void; id: number} | undefined;
	let ids = 0;
	const timers: Timers = {
		now: () => now,
		setTimeout(callback, ms) {
			pending = {at: now + ms, callback, id: ++ids};
			return pending.id;
		},
		clearTimeout(handle) {
			if (pending?.id === handle) pending = undefined;
		},
	};
	return {
		timers,
		/** Moves the clock to `ms` from now, firing the timer if it is due by then. */
		advance(ms: number) {
			const until = now + ms;
			while (pending && pending.at <= until) {
				const {at, callback} = pending;
				pending = undefined;
				now = at;
				callback();
			}
			now = until;
		},
		get armed() {
			return pending !== undefined;
		},
	};
}

test('warns a minute before and ends the session at the limit', () => {
	const clock = fakeTimers();
	const store = createStore(initialState({historySize: 10}));
	const reasons: string[] = [];
	runTimeBox({store, limitMs: 15 * 60_000, onExpire: reason => reasons.push(reason), timers: clock.timers});
	assert.match(store.getState().log.items.at(-1)!.text, /^time box: leaktop detaches at \d\d:\d\d:\d\d, after 15m 00s; \+ adds 5 minutes$/);
	clock.advance(14 * 60_000 - 1);
	assert.equal(store.getState().timeBox!.warned, false);
	clock.advance(1);
	assert.equal(store.getState().timeBox!.warned, true);
	assert.match(store.getState().log.items.at(-1)!.text, /^1m 00s left: leaktop detaches at/);
	assert.equal(store.getState().log.items.at(-1)!.level, 'warn');
	clock.advance(60_000 - 1);
	assert.deepEqual(reasons, []);
	clock.advance(1);
	assert.deepEqual(reasons, ['time box of 15m reached']);
	assert.equal(clock.armed, false, 'nothing left armed');
});

test('+ after the warning moves the end by 5 minutes and warns again before it', () => {
	const clock = fakeTimers();
	const store = createStore(initialState({historySize: 10}));
	const reasons: string[] = [];
	const box = runTimeBox({store, limitMs: 2 * 60_000, onExpire: reason => reasons.push(reason), timers: clock.timers});
	clock.advance(90_000);
	assert.equal(store.getState().timeBox!.warned, true);
	box.extend();
	assert.match(store.getState().log.items.at(-1)!.text, /^time box extended by 5m 00s: leaktop detaches at/);
	clock.advance(30_000);
	assert.deepEqual(reasons, [], 'the old end passed without ending the session');
	clock.advance(4 * 60_000 - 1);
	assert.equal(store.getState().timeBox!.warned, false);
	clock.advance(1);
	assert.equal(store.getState().timeBox!.warned, true, 'warned again a minute before the new end');
	clock.advance(60_000);
	assert.deepEqual(reasons, ['time box of 7m reached']);
});

test('stop disarms it: a session that ended otherwise never expires later', () => {
	const clock = fakeTimers();
	const store = createStore(initialState({historySize: 10}));
	const reasons: string[] = [];
	const box = runTimeBox({store, limitMs: 10_000, onExpire: reason => reasons.push(reason), timers: clock.timers});
	box.stop();
	assert.equal(clock.armed, false);
	box.extend();
	clock.advance(60_000);
	assert.deepEqual(reasons, []);
});
