import {UsageError} from '../errors.js';

const unitMs: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000};

/** The longest delay a Node timer can wait: 2^31-1 ms, about 24.8 days. */
const maxTimerMs = 2 ** 31 - 1;

/** Parses `500ms`, `30s`, `15m`, `2h` (and `1.5s`) into milliseconds. */
export function parseDuration(text: string, flag = 'duration', prefix = '--'): number {
	const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/.exec(text);
	if (!match) {
		throw new UsageError(`invalid ${prefix}${flag} "${text}": use a number with a unit, e.g. 500ms, 30s, 15m, 2h`);
	}
	const ms = Math.round(Number(match[1]) * unitMs[match[2]!]!);
	if (!(ms > 0)) throw new UsageError(`invalid ${prefix}${flag} "${text}": must be at least 1ms`);
	// setTimeout turns anything longer into 1 ms: `--duration 1000h` would end the run at once.
	if (ms > maxTimerMs) throw new UsageError(`invalid ${prefix}${flag} "${text}": must be at most 596h (24 days)`);
	return ms;
}

/** Each sample is a call into the target's main thread: faster than this is a load, not a watch. */
export const minIntervalMs = 100;

/** `--interval` and `:interval`: a duration of at least `minIntervalMs`. */
export function parseInterval(text: string, prefix = '--'): number {
	const ms = parseDuration(text, 'interval', prefix);
	if (ms < minIntervalMs) throw new UsageError(`invalid ${prefix}interval "${text}": must be at least ${minIntervalMs}ms (each sample runs on the target's main thread)`);
	return ms;
}
