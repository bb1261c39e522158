/**
 * Runs the TUI's time box: one timer, armed for whatever is due next (the one-minute warning or
 * the end), re-armed when `+` extends the box. The box itself lives in the store.
 */
import {extendStepMs, nextDueAt, timeBoxDue} from '../model/time-box.js';
import type {Store} from '../store.js';

/** The clock and timer the runner uses; tests pass a fake one. */
export interface Timers {
	now(): number;
	setTimeout(callback: () => void, ms: number): unknown;
	clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
	now: () => Date.now(),
	setTimeout: (callback, ms) => setTimeout(callback, ms),
	clearTimeout: handle => clearTimeout(handle as NodeJS.Timeout),
};

export interface TimeBoxRunner {
	/** `+`: adds 5 minutes. */
	extend(): void;
	stop(): void;
}

/** Starts the box now; `onExpire` gets the reason the session ends. */
export function runTimeBox({store, limitMs, onExpire, timers = realTimers}: {store: Store; limitMs: number; onExpire: (reason: string) => void; timers?: Timers}): TimeBoxRunner {
	let handle: unknown;
	let stopped = false;
	const arm = () => {
		timers.clearTimeout(handle);
		const box = store.getState().timeBox;
		if (stopped || !box) return;
		handle = timers.setTimeout(fire, Math.max(0, nextDueAt(box) - timers.now()));
	};
	const fire = () => {
		const box = store.getState().timeBox;
		if (stopped || !box) return;
		const due = timeBoxDue(box, timers.now());
		if (due === 'expire') {
			stopped = true;
			onExpire(`time box of ${describeLimit(box.limitMs)} reached`);
			return;
		}
		if (due === 'warn') store.dispatch({type: 'time-box-warning', t: timers.now()});
		arm();
	};
	store.dispatch({type: 'time-box-started', t: timers.now(), limitMs});
	arm();
	return {
		extend() {
			if (stopped) return;
			store.dispatch({type: 'time-box-extended', t: timers.now(), byMs: extendStepMs});
			arm();
		},
		stop() {
			stopped = true;
			timers.clearTimeout(handle);
		},
	};
}

function describeLimit(ms: number): string {
	const seconds = Math.round(ms / 1000);
	if (seconds % 3600 === 0) return `${seconds / 3600}h`;
	if (seconds % 60 === 0) return `${seconds / 60}m`;
	return `${seconds}s`;
}
