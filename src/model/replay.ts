/**
 * Moving through a recording: the state after any number of its events, and where a step of
 * recorded time lands. Pure: the replay screen (src/tui/replay.tsx) owns the keys and the timer.
 */
import {eventTime, type Recording, stateBefore} from './recording.js';
import {type Event, reduce, type State} from './state.js';

/**
 * Events the replay leaves out: how the user moved the live view (the replay has its own), and
 * diffs, which read snapshot files on a worker the replay does not run.
 */
const liveViewOnly = new Set<Event['type']>([
	'toggle-pause',
	'toggle-help',
	'cycle-panel',
	'show-panel',
	'select-allocation',
	'toggle-stack',
	'toggle-internals',
	'select-snapshot',
	'pick-snapshot',
	'diff-started',
	'diff-progress',
	'diff-done',
	'diff-failed',
	'diff-closed',
	'diff-select',
	'diff-open',
	'diff-instances',
	'diff-instances-failed',
	'diff-select-instance',
	'diff-close-class',
]);

/** States every this many events, so that going back replays at most this many. */
const checkpointEvery = 256;

export class ReplayTimeline {
	readonly #events: readonly Event[];
	/** Local clock of each event: its own time, or the last one before it. */
	readonly times: readonly number[];
	readonly startedAt: number;
	readonly #checkpoints: State[];
	#last: {index: number; state: State};

	constructor(recording: Recording) {
		this.#events = recording.events.filter(event => !liveViewOnly.has(event.type));
		let t = recording.header.startedAt;
		this.times = this.#events.map(event => (t = eventTime(event) ?? t));
		this.startedAt = recording.header.startedAt;
		const initial = stateBefore(recording.header);
		this.#checkpoints = [initial];
		this.#last = {index: 0, state: initial};
	}

	get length(): number {
		return this.#events.length;
	}

	/** Recorded time after the first `index` events. */
	timeAt(index: number): number {
		return index <= 0 ? this.startedAt : this.times[Math.min(index, this.times.length) - 1]!;
	}

	/** The state after the first `index` events. */
	stateAt(index: number): State {
		const target = Math.max(0, Math.min(index, this.#events.length));
		let {index: from, state} = this.#last;
		if (target < from) {
			const checkpoint = Math.floor(target / checkpointEvery);
			from = checkpoint * checkpointEvery;
			state = this.#checkpoints[checkpoint]!;
		}
		for (let i = from; i < target; i++) {
			state = reduce(state, this.#events[i]!);
			if ((i + 1) % checkpointEvery === 0) this.#checkpoints[(i + 1) / checkpointEvery] ??= state;
		}
		this.#last = {index: target, state};
		return state;
	}

	/** Where moving `deltaMs` of recorded time from `index` lands: every event up to that time applied. */
	seek(index: number, deltaMs: number): number {
		const goal = this.timeAt(index) + deltaMs;
		// The first event later than the goal: everything before it is applied.
		let low = 0;
		let high = this.times.length;
		while (low < high) {
			const mid = (low + high) >>> 1;
			if (this.times[mid]! <= goal) low = mid + 1;
			else high = mid;
		}
		// A step always moves, even across a gap in the recording.
		if (deltaMs > 0 && low <= index) return Math.min(this.times.length, index + 1);
		if (deltaMs < 0 && low >= index) return Math.max(0, index - 1);
		return low;
	}
}
