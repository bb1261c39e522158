/**
 * Two snapshots of one process compared by node id, as DevTools' Comparison view does: per class,
 * objects whose id is new (#New, Alloc. Size) and ids that went away (#Deleted, Freed Size). An
 * object whose class changed in between (a plain object that gained a property) is deleted from
 * the old class and new in the new one, as there. Ids are matched through an open-addressing hash
 * in a typed array: a Set of ids stops working at 2^24 entries.
 */
import {aggregateClasses, classifyNodes, compareText, finishClasses, type NodeClasses, type PreparedClasses, prepareClasses, type SnapshotWithoutEdges} from './classes.js';
import type {HeapSnapshot} from './snapshot.js';

export interface ClassDiff {
	name: string;
	key: string;
	newCount: number;
	deletedCount: number;
	countDelta: number;
	allocSize: number;
	freedSize: number;
	sizeDelta: number;
}

/** Per class name, for snapshots whose ids cannot be matched: only totals can be compared. */
export interface ClassCountDiff {
	name: string;
	baseCount: number;
	count: number;
	countDelta: number;
	baseSize: number;
	size: number;
	sizeDelta: number;
}

export interface Comparability {
	/** Ids mean the same objects in both: the snapshots come from one process. */
	sameProcess: boolean;
	/** Sampled nodes of the later snapshot whose id is also in the earlier one... */
	checked: number;
	/** ...and how many of them have the same node type and name there. */
	agreeing: number;
}

export type SnapshotDiff =
	| {
			comparable: true;
			comparability: Comparability;
			/** Classes with new or deleted objects, largest size delta first. */
			classes: ClassDiff[];
			/** The later snapshot's classes, for naming its nodes. */
			next: NodeClasses;
			/** One bit per node ordinal of the later snapshot: set when the node is new in its class. */
			newNodes: Uint8Array;
	  }
	| {
			comparable: false;
			comparability: Comparability;
			/** Classes whose count or size changed, largest size delta first. */
			classes: ClassCountDiff[];
	  };

/**
 * Measured on pairs of real snapshots (Node 20): two snapshots of one process agree on type and
 * name for 100.00 % of shared ids (42 k and 1.0 M shared); two processes running the same script
 * still share ~100 % of ids, since V8 numbers objects in heap order, but agree on only 93 %.
 */
export const sameProcessAgreement = 0.99;
// Enough nodes to judge, few enough to decode their names quickly.
const maxChecked = 100_000;

/** The earlier snapshot of a diff after the passes over its edges (prepareDiffBase): a diff reads nothing else of it. */
export interface DiffBase {
	snapshot: SnapshotWithoutEdges;
	prepared: PreparedClasses;
}

/**
 * Reads what a diff needs of the earlier snapshot's edges. Keep the result and drop the snapshot
 * (a caller that reads both files at once, as soon as the earlier one is read): its edges are half
 * its memory, and without them both snapshots and the diff's own arrays need not coexist. One diff
 * uses it up.
 */
export function prepareDiffBase(snapshot: HeapSnapshot): DiffBase {
	const {edges: _edges, ...withoutEdges} = snapshot;
	return {snapshot: withoutEdges, prepared: prepareClasses(snapshot)};
}

/**
 * `base` is the earlier snapshot, or what prepareDiffBase kept of it.
 * `knownDifferentProcesses`: the caller knows better than the ids (leaktop's file names carry
 * the pid): two fresh processes of one script share most ids, and the sample may miss it.
 */
export function diffSnapshots(base: HeapSnapshot | DiffBase, next: HeapSnapshot, {knownDifferentProcesses = false} = {}): SnapshotDiff {
	const {snapshot: earlier, prepared} = 'prepared' in base ? base : prepareDiffBase(base);
	const nextClasses = classifyNodes(next);
	// As DevTools does: the older snapshot's plain objects are named with the newer one's shapes.
	const baseClasses = finishClasses(earlier, prepared, nextClasses.definitions);
	const ids = new IdIndex(earlier, baseClasses.selfSizes);
	const comparability = judge(earlier, next, ids, nextClasses.selfSizes);
	if (knownDifferentProcesses) comparability.sameProcess = false;
	if (!comparability.sameProcess) return {comparable: false, comparability, classes: diffCounts(baseClasses, nextClasses)};

	const rowOfKey = new Map<string, number>();
	const rows: ClassDiff[] = [];
	const rowOf = (classes: NodeClasses) =>
		Uint32Array.from(classes.classes, ({name, key}) => {
			let row = rowOfKey.get(key);
			if (row === undefined) {
				row = rows.length;
				rowOfKey.set(key, row);
				rows.push({name, key, newCount: 0, deletedCount: 0, countDelta: 0, allocSize: 0, freedSize: 0, sizeDelta: 0});
			}
			return row;
		});
	const baseRow = rowOf(baseClasses);
	const nextRow = rowOf(nextClasses);

	const {nodes, nodeCount, nodeFieldCount: nf, offsets: o} = next;
	const matched = new Uint8Array((earlier.nodeCount + 7) >> 3);
	const newNodes = new Uint8Array((nodeCount + 7) >> 3);
	for (let j = 0; j < nodeCount; j++) {
		const size = nextClasses.selfSizes[j]!;
		if (size === 0) continue;
		const row = nextRow[nextClasses.classOf[j]!]!;
		const i = ids.find(nodes[j * nf + o.nodeId]!);
		if (i >= 0 && baseRow[baseClasses.classOf[i]!] === row) {
			matched[i >> 3]! |= 1 << (i & 7);
		} else {
			newNodes[j >> 3]! |= 1 << (j & 7);
			rows[row]!.newCount++;
			rows[row]!.allocSize += size;
		}
	}
	for (let i = 0; i < earlier.nodeCount; i++) {
		const size = baseClasses.selfSizes[i]!;
		if (size === 0 || matched[i >> 3]! & (1 << (i & 7))) continue;
		const row = rows[baseRow[baseClasses.classOf[i]!]!]!;
		row.deletedCount++;
		row.freedSize += size;
	}
	const classes = rows.filter(row => row.newCount > 0 || row.deletedCount > 0);
	for (const row of classes) {
		row.countDelta = row.newCount - row.deletedCount;
		row.sizeDelta = row.allocSize - row.freedSize;
	}
	classes.sort((a, b) => b.sizeDelta - a.sizeDelta || b.countDelta - a.countDelta || compareText(a.name, b.name) || compareText(a.key, b.key));
	return {comparable: true, comparability, classes, next: nextClasses, newNodes};
}

/** Whether node ids in `next` mean the same objects as in `base` (one process, `base` taken first or later). */
export function comparability(base: HeapSnapshot, next: HeapSnapshot): Comparability {
	return judge(base, next, new IdIndex(base), undefined);
}

/** Node indexes (into the later snapshot's `nodes`) of the new objects of one class, by class key. */
export function newInstances(diff: SnapshotDiff & {comparable: true}, key: string, nodeFieldCount: number): Uint32Array {
	const {classOf} = diff.next;
	const wanted = diff.next.classes.findIndex(c => c.key === key);
	if (wanted < 0) return new Uint32Array(0);
	const found: number[] = [];
	for (let j = 0; j < classOf.length; j++) {
		if (classOf[j] === wanted && diff.newNodes[j >> 3]! & (1 << (j & 7))) found.push(j * nodeFieldCount);
	}
	return Uint32Array.from(found);
}

function judge(base: SnapshotWithoutEdges, next: HeapSnapshot, ids: IdIndex, nextSizes: Uint32Array | Float64Array | undefined): Comparability {
	const {nodes, nodeCount, nodeFieldCount: nf, offsets: o} = next;
	const b = base.offsets;
	// Every stride-th node, so the sample spans the whole heap.
	const stride = Math.max(1, Math.floor(nodeCount / maxChecked));
	let checked = 0;
	let agreeing = 0;
	for (let j = 0; j < nodeCount; j += stride) {
		if (nextSizes && nextSizes[j] === 0) continue;
		const i = ids.find(nodes[j * nf + o.nodeId]!);
		if (i < 0) continue;
		checked++;
		const p = i * base.nodeFieldCount;
		const q = j * nf;
		if (
			base.meta.nodeTypes[base.nodes[p + b.nodeType]!] === next.meta.nodeTypes[nodes[q + o.nodeType]!] &&
			base.strings.get(base.nodes[p + b.nodeName]!) === next.strings.get(nodes[q + o.nodeName]!)
		) {
			agreeing++;
		}
	}
	return {sameProcess: checked > 0 && agreeing / checked >= sameProcessAgreement, checked, agreeing};
}

function diffCounts(base: NodeClasses, next: NodeClasses): ClassCountDiff[] {
	// Script ids and positions differ between processes; a class name is all the two share.
	const rows = new Map<string, ClassCountDiff>();
	const add = (classes: NodeClasses, later: boolean) => {
		for (const {name, count, selfSize} of aggregateClasses(classes)) {
			let row = rows.get(name);
			if (!row) rows.set(name, (row = {name, baseCount: 0, count: 0, countDelta: 0, baseSize: 0, size: 0, sizeDelta: 0}));
			if (later) {
				row.count += count;
				row.size += selfSize;
			} else {
				row.baseCount += count;
				row.baseSize += selfSize;
			}
		}
	};
	add(base, false);
	add(next, true);
	const classes = [...rows.values()].filter(row => row.count !== row.baseCount || row.size !== row.baseSize);
	for (const row of classes) {
		row.countDelta = row.count - row.baseCount;
		row.sizeDelta = row.size - row.baseSize;
	}
	return classes.sort((a, b) => b.sizeDelta - a.sizeDelta || b.countDelta - a.countDelta || compareText(a.name, b.name));
}

/**
 * Slots per indexed node. Linear probing at a load of 1/1.6 still finds a node in about two
 * probes; a power-of-two table sized for a load of 1/2 would round up to as much as 4 slots
 * per node (33 MB instead of 17 for 2.7 M nodes).
 */
const slotsPerEntry = 1.6;

/** Node id -> node ordinal for one snapshot's nodes (those with a shown size, when sizes are given). */
class IdIndex {
	/** Ordinal + 1 per slot; 0 is empty. */
	private readonly slots: Uint32Array;

	constructor(
		private readonly snapshot: SnapshotWithoutEdges,
		sizes?: Uint32Array | Float64Array,
	) {
		const {nodes, nodeCount, nodeFieldCount: nf, offsets: o} = snapshot;
		let entries = nodeCount;
		if (sizes) for (let i = 0; i < nodeCount; i++) if (sizes[i] === 0) entries--;
		this.slots = new Uint32Array(Math.max(16, Math.ceil(entries * slotsPerEntry)));
		const {slots} = this;
		for (let i = 0; i < nodeCount; i++) {
			if (sizes && sizes[i] === 0) continue;
			let slot = this.home(nodes[i * nf + o.nodeId]!);
			while (slots[slot] !== 0) if (++slot === slots.length) slot = 0;
			slots[slot] = i + 1;
		}
	}

	/** The ordinal of the node with this id, or -1. */
	find(id: number): number {
		const {nodes, nodeFieldCount: nf, offsets: o} = this.snapshot;
		const {slots} = this;
		for (let slot = this.home(id); ; ) {
			const entry = slots[slot]!;
			if (entry === 0) return -1;
			if (nodes[(entry - 1) * nf + o.nodeId] === id) return entry - 1;
			if (++slot === slots.length) slot = 0;
		}
	}

	/** A multiplicative hash scaled to the table (the high bits, which mix best): no power-of-two size needed. */
	private home(id: number): number {
		return Math.floor(((Math.imul(id, 0x9e3779b1) >>> 0) * this.slots.length) / 2 ** 32);
	}
}
