/**
 * A fixed-capacity history that drops its oldest entries. Appending returns a new ring so the
 * reducer stays pure and a paused view can keep rendering the ring it was given.
 */
export interface Ring<T> {
	readonly capacity: number;
	readonly items: readonly T[];
}

export function createRing<T>(capacity: number): Ring<T> {
	if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
	return {capacity, items: []};
}

export function append<T>(ring: Ring<T>, item: T): Ring<T> {
	const keep = ring.items.length >= ring.capacity ? ring.items.slice(ring.items.length - ring.capacity + 1) : ring.items.slice();
	keep.push(item);
	return {capacity: ring.capacity, items: keep};
}

export function last<T>(ring: Ring<T>): T | undefined {
	return ring.items[ring.items.length - 1];
}
