import type {ClassDiff} from '../../src/model/heap-snapshot/diff.js';

/** A Comparison row as leaktop's diff makes one, for state and view tests. */
export function classRow(name: string, newCount: number, deletedCount: number, allocSize: number, freedSize: number): ClassDiff {
	return {name, key: `,${name}`, newCount, deletedCount, countDelta: newCount - deletedCount, allocSize, freedSize, sizeDelta: allocSize - freedSize};
}
