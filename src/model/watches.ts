/**
 * Watches: the expressions `:watch` and `--watch` read every sample. Each keeps its readings as
 * a series (numbers, and the sizes of Maps, Sets and arrays) for a sparkline and a growth
 * verdict, and its last text for everything else. Pure: no I/O, no timers.
 */
import type {Point} from './growth.js';
import {append, createRing, type Ring} from './ring.js';

export type WatchReading = {value: number | null; text: string} | {error: string};

export interface WatchSeries {
	/** The number `:unwatch` takes; never reused in a session. */
	id: number;
	expression: string;
	/** Readings that were numbers, target clock. */
	points: Ring<Point>;
	/** The last reading as text, or its error. */
	text: string | null;
	error: string | null;
}

export function addWatch(watches: readonly WatchSeries[], id: number, expression: string, capacity: number): WatchSeries[] {
	if (watches.some(w => w.id === id)) return [...watches];
	return [...watches, {id, expression, points: createRing(capacity), text: null, error: null}];
}

export function removeWatch(watches: readonly WatchSeries[], id: number): WatchSeries[] {
	return watches.filter(w => w.id !== id);
}

/** One round of readings, at target time `t`; a watch not in the round keeps what it had. */
export function withReadings(watches: readonly WatchSeries[], t: number, readings: ReadonlyArray<{id: number; reading: WatchReading}>): WatchSeries[] {
	const byId = new Map(readings.map(r => [r.id, r.reading]));
	return watches.map(watch => {
		const reading = byId.get(watch.id);
		if (!reading) return watch;
		if ('error' in reading) return {...watch, error: reading.error};
		const points = reading.value === null || !Number.isFinite(reading.value) ? watch.points : append(watch.points, {t, v: reading.value});
		return {...watch, points, text: reading.text, error: null};
	});
}
