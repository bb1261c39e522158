import {UsageError} from '../errors.js';

const unitMs: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000};

/** Parses `500ms`, `30s`, `15m`, `2h` (and `1.5s`) into milliseconds. */
export function parseDuration(text: string, flag = 'duration'): number {
	const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/.exec(text);
	if (!match) {
		throw new UsageError(`invalid --${flag} "${text}": use a number with a unit, e.g. 500ms, 30s, 15m, 2h`);
	}
	const ms = Number(match[1]) * unitMs[match[2]!]!;
	if (!(ms > 0)) throw new UsageError(`invalid --${flag} "${text}": must be greater than zero`);
	return Math.round(ms);
}
