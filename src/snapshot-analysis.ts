/**
 * Two heap snapshot files compared, for `leaktop diff` and the TUI's diff view: reads both with
 * the streaming reader, diffs them by node id (or by class counts when they come from different
 * processes), and answers follow-up questions about one class: its new instances, what each
 * retains, the shortest path from a GC root, and for functions what their closure keeps.
 * Everything returned is plain data, so a worker thread can post it as is.
 */
import {stat} from 'node:fs/promises';
import {basename} from 'node:path';
import {snapshotOrigin} from './file-names.js';
import {classifyNodes, type NodeClasses} from './model/heap-snapshot/classes.js';
import {type ClassCountDiff, type ClassDiff, type DiffBase, diffSnapshots, newInstances, type SnapshotDiff} from './model/heap-snapshot/diff.js';
import {closureDetails, type ClosureDetails} from './model/heap-snapshot/closures.js';
import {retainers} from './model/heap-snapshot/graph.js';
import {dominatorTree, edgeInfo, nodeLabel, type RetainerStep, retainedSizes, retainerPathLines, type RetainerStepView, retainerStepViews, shortestRetainerPath} from './model/heap-snapshot/retainers.js';
import type {SnapshotEvidence} from './model/findings.js';
import type {HeapSnapshot} from './model/heap-snapshot/snapshot.js';
import type {SnapshotWithoutEdges} from './model/heap-snapshot/classes.js';
import {readDiffBaseInWorker, readHeapSnapshot} from './snapshot-reader.js';

export type ComparisonProgress = {stage: 'reading'; file: 'base' | 'next'; bytesRead: number; totalBytes: number} | {stage: 'comparing'};

export interface SnapshotFacts {
	path: string;
	bytes: number;
	nodeCount: number;
	edgeCount: number;
}

export interface ComparisonSummary {
	base: SnapshotFacts;
	next: SnapshotFacts;
	/** Node ids matched: #new and #deleted are known. */
	comparable: boolean;
	/** Why not, when not: shown to the user as is. */
	reason: string | null;
	/** Share of sampled shared ids whose type and name agree (1 for one process). */
	agreement: number;
	/** Largest size delta first. For comparable snapshots ClassDiff rows, otherwise ClassCountDiff rows. */
	classes: ClassDiff[] | ClassCountDiff[];
}

export interface InstanceView {
	id: number;
	label: string;
	selfSize: number;
	retainedSize: number;
	/** From the object itself (first) to the node under the GC roots (last); null when only weak references keep it. */
	retainers: RetainerStepView[] | null;
	/** For functions, and for scopes (`system / Context`) the function they belong to: where it is and what its closure keeps. */
	closure: ClosureDetails | null;
}

export interface ClassInstances {
	name: string;
	/** `new` when ids were matched (the objects the diff counts as #New), otherwise every instance in the later snapshot. */
	which: 'new' | 'all';
	total: number;
	/** Bytes the shown class instances retain together (nested instances counted once). */
	retainedSize: number;
	/** The largest by retained size. */
	instances: InstanceView[];
}

const collections = /^(Map|Set|WeakMap|WeakSet|Array|Object)$/;

/**
 * The first holder above an object on its path from a GC root that is a collection (a Map,
 * Set or Array holding it as an entry) or a closure's scope (`system / Context`), skipping V8's
 * internal storage in between (a Map's table, an array's elements).
 */
function nearestHolder(path: readonly RetainerStep[]): {kind: SnapshotEvidence['holder']; name: string; closureIndex: number | null} {
	// Node's own structures name the pattern outright: a listener array in an emitter's
	// `_events`, a callback in a Timeout's `_onTimeout`.
	const near = path.slice(1, 8);
	const events = near.findIndex(step => step.edge?.name === '_events');
	// A step's edge is how that step holds the one before it: here, the emitter holding `_events`.
	if (events >= 0) return {kind: 'listeners', name: `the listeners of ${near[events]!.name}`, closureIndex: null};
	if (near.some(step => step.edge?.name === '_onTimeout' || step.name === 'Timeout')) return {kind: 'timers', name: 'a Timeout', closureIndex: null};
	for (let i = 1; i < Math.min(path.length, 8); i++) {
		const step = path[i]!;
		if (step.name === 'system / Context') {
			const owner = path.slice(i + 1).find(next => next.type === 'closure');
			return {kind: 'closure', name: owner ? `(closure) ${owner.name || '(anonymous)'}` : 'a closure', closureIndex: owner?.nodeIndex ?? null};
		}
		if (step.type === 'closure') return {kind: 'closure', name: `(closure) ${step.name || '(anonymous)'}`, closureIndex: step.nodeIndex};
		if (collections.test(step.name)) {
			// What the program calls it: the edge that holds the collection (`cache`, `sessions`).
			const named = path[i + 1]?.edge?.name;
			return {kind: 'collection', name: `${step.name}${named && !/^\d+$/.test(named) ? ` ${named}` : ''}`, closureIndex: null};
		}
		if (step.type !== 'hidden' && step.type !== 'array' && !/^\(|^system \//.test(step.name)) return {kind: 'other', name: step.name, closureIndex: null};
	}
	return {kind: 'other', name: path[1]?.name ?? 'nothing', closureIndex: null};
}

/** Different hosts or pids in leaktop's own file names: ids cannot match whatever they look like. */
function processesDiffer(basePath: string, nextPath: string): string | null {
	const a = snapshotOrigin(basename(basePath));
	const b = snapshotOrigin(basename(nextPath));
	if (!a || !b || (a.host === b.host && a.pid === b.pid)) return null;
	return `different processes (${a.host} pid ${a.pid}, ${b.host} pid ${b.pid})`;
}

export class SnapshotComparison {
	readonly #next: HeapSnapshot;
	readonly #diff: SnapshotDiff;
	readonly #summary: ComparisonSummary;

	// The earlier snapshot is not kept: every follow-up question is about the later one.
	private constructor(next: HeapSnapshot, diff: SnapshotDiff, summary: ComparisonSummary) {
		this.#next = next;
		this.#diff = diff;
		this.#summary = summary;
	}

	/** Reads both files at once (the earlier one on a worker thread: two cores) and diffs them. */
	static async open(basePath: string, nextPath: string, {onProgress, signal}: {onProgress?: (progress: ComparisonProgress) => void; signal?: AbortSignal} = {}): Promise<SnapshotComparison> {
		const progress = (file: 'base' | 'next') => (bytesRead: number, totalBytes: number) => onProgress?.({stage: 'reading', file, bytesRead, totalBytes});
		const facts = async (path: string, snapshot: SnapshotWithoutEdges): Promise<SnapshotFacts> => ({path, bytes: (await stat(path)).size, nodeCount: snapshot.nodeCount, edgeCount: snapshot.edgeCount});
		// If one read fails, the other is abandoned rather than left to finish unobserved.
		const abandon = new AbortController();
		const both = AbortSignal.any([abandon.signal, ...(signal ? [signal] : [])]);
		// The worker also does the diff's passes over the earlier snapshot's edges, which then go
		// with the thread: peak memory stays below both whole snapshots plus the diff's arrays.
		const reads = [readDiffBaseInWorker(basePath, {signal: both, onProgress: progress('base')}), readHeapSnapshot(nextPath, {signal: both, onProgress: progress('next')})] as const;
		let read: [DiffBase, HeapSnapshot];
		try {
			read = await Promise.all(reads);
		} catch (error) {
			abandon.abort();
			await Promise.allSettled(reads);
			throw error;
		}
		const [base, next] = read;
		const baseFacts = await facts(basePath, base.snapshot);
		const nextFacts = await facts(nextPath, next);
		onProgress?.({stage: 'comparing'});
		const knownDifference = processesDiffer(basePath, nextPath);
		const diff = diffSnapshots(base, next, {knownDifferentProcesses: knownDifference !== null});
		const {checked, agreeing} = diff.comparability;
		const agreement = checked > 0 ? agreeing / checked : 0;
		const reason = diff.comparable
			? null
			: `${knownDifference ?? `ids not comparable: only ${(agreement * 100).toFixed(1)} % of shared ids name the same objects, so these are snapshots of different processes`}; comparing class counts only`;
		return new SnapshotComparison(next, diff, {base: baseFacts, next: nextFacts, comparable: diff.comparable, reason, agreement, classes: diff.classes});
	}

	summary(top = Number.POSITIVE_INFINITY): ComparisonSummary {
		return {...this.#summary, classes: this.#summary.classes.slice(0, top)};
	}

	/**
	 * What holds the new objects of the class that grew the most, for the findings: the nearest
	 * holder above each of a few new instances (the one that retains the most first), by vote.
	 * Null when the snapshots cannot be compared by id or nothing user-made grew.
	 */
	holderEvidence(sampled = 5): SnapshotEvidence | null {
		const diff = this.#diff;
		if (!diff.comparable) return null;
		const snapshot = this.#next;
		const nf = snapshot.nodeFieldCount;
		// V8's and Node's own kinds ("(string)", "system / Context", "Node / ...") are parts of a
		// leak, not what leaks. Of the rest, the class whose new objects retain the most: a record
		// retains its arrays and strings, so it wins over them.
		const candidates = diff.classes.filter(row => row.newCount >= 10 && row.sizeDelta > 0 && !/^\(|^(system|Node) \//.test(row.name)).slice(0, 10);
		if (candidates.length === 0) return null;
		const retained = retainedSizes(snapshot);
		const scored = candidates.map(row => {
			const instances = [...newInstances(diff, row.key, nf)].slice(0, 2000);
			return {row, instances, retained: instances.reduce((sum, index) => sum + retained[index / nf]!, 0)};
		});
		// New closures retain what their contexts hold, so they outweigh the objects they keep: the
		// seed's closure pattern is about those objects (held through a context), and a listener's
		// payload still finds the emitter's `_events` above it. Closures speak for the leak only when
		// nothing else new retains half as much.
		const isClosure = (index: number | undefined) => index !== undefined && snapshot.meta.nodeTypes[snapshot.nodes[index + snapshot.offsets.nodeType]!] === 'closure';
		const heaviest = (rows: typeof scored) => rows.reduce((a, b) => (b.retained > a.retained ? b : a));
		const top = heaviest(scored);
		const kept = scored.filter(entry => !isClosure(entry.instances[0]));
		const {row: grown, instances, retained: retainedByNew} = isClosure(top.instances[0]) && kept.length > 0 && heaviest(kept).retained * 2 >= top.retained ? heaviest(kept) : top;
		instances.sort((a, b) => retained[b / nf]! - retained[a / nf]!);
		const votes = instances
			.slice(0, sampled)
			.map(index => shortestRetainerPath(snapshot, index))
			.flatMap(path => (path ? [{path, holder: nearestHolder(path)}] : []));
		if (votes.length === 0) return null;
		const tally = (kind: SnapshotEvidence['holder']) => votes.filter(v => v.holder.kind === kind).length;
		const kind = (['listeners', 'timers', 'collection', 'closure', 'other'] as const).reduce((a, b) => (tally(b) > tally(a) ? b : a));
		const {path, holder} = votes.find(v => v.holder.kind === kind)!;
		const closure = holder.closureIndex === null ? null : closureDetails(snapshot, holder.closureIndex);
		const location = closure?.location;
		return {
			className: grown.name,
			newCount: grown.newCount,
			retainedSize: retainedByNew,
			holder: kind,
			holderName: holder.name,
			retainers: retainerPathLines(retainerStepViews(path)),
			site: location?.scriptName ? {url: location.scriptName, line: location.line, functionName: closure!.functionName} : null,
		};
	}

	/**
	 * The instances of a class (by name, or by the key DevTools uses when one name has several
	 * rows): the new ones when ids were matched, all of them otherwise; the `limit` that retain
	 * the most, each with its retainer path.
	 */
	instances(classNameOrKey: string, limit = 5): ClassInstances | null {
		const snapshot = this.#next;
		const nf = snapshot.nodeFieldCount;
		let indexes: number[];
		let name: string;
		if (this.#diff.comparable) {
			const diff = this.#diff;
			const rows = diff.classes.filter(row => row.key === classNameOrKey || row.name === classNameOrKey);
			if (rows.length === 0) return null;
			name = rows[0]!.name;
			indexes = rows.flatMap(row => [...newInstances(diff, row.key, nf)]);
		} else {
			name = classNameOrKey;
			const classes = this.#nextClasses();
			// One name can be several classes (one per constructor location): compare class ids, not names per node.
			const wanted = new Set(classes.classes.flatMap((info, id) => (info.name === name ? [id] : [])));
			indexes = [];
			for (let i = 0; i < snapshot.nodeCount; i++) if (classes.selfSizes[i]! > 0 && wanted.has(classes.classOf[i]!)) indexes.push(i * nf);
			if (indexes.length === 0) return null;
		}
		const {dominator, retainedSize} = dominatorTree(snapshot);
		const ordinals = new Set(indexes.map(index => index / nf));
		// An instance inside another instance of the class is already in that one's retained size.
		let classRetained = 0;
		for (const ordinal of ordinals) {
			let up = dominator[ordinal]!;
			while (up !== dominator[up] && !ordinals.has(up)) up = dominator[up]!;
			if (!ordinals.has(up)) classRetained += retainedSize[ordinal]!;
		}
		const largest = indexes.sort((a, b) => retainedSize[b / nf]! - retainedSize[a / nf]!).slice(0, limit);
		return {
			name,
			which: this.#diff.comparable ? 'new' : 'all',
			total: indexes.length,
			retainedSize: classRetained,
			instances: largest.map(index => this.#instance(index, retainedSize)),
		};
	}

	#nextClasses(): NodeClasses {
		if (this.#diff.comparable) return this.#diff.next;
		return (this.#classes ??= classifyNodes(this.#next));
	}

	#classes: NodeClasses | undefined;

	#instance(nodeIndex: number, retainedSize: Float64Array): InstanceView {
		const snapshot = this.#next;
		const path = shortestRetainerPath(snapshot, nodeIndex);
		const [self] = path ?? [];
		const node = self ?? {nodeIndex, type: '', name: '', id: snapshot.nodes[nodeIndex + snapshot.offsets.nodeId]!, selfSize: snapshot.nodes[nodeIndex + snapshot.offsets.nodeSelfSize]!};
		const closure = this.#closureOf(nodeIndex);
		return {
			id: node.id,
			label: self ? nodeLabel(self) : `@${node.id}`,
			selfSize: node.selfSize,
			retainedSize: retainedSize[nodeIndex / snapshot.nodeFieldCount]!,
			retainers: path ? retainerStepViews(path) : null,
			closure: closure === null ? null : closureDetails(snapshot, closure, retainedSize),
		};
	}

	/**
	 * The function itself, or for a scope (`system / Context`) a function whose `context` it is:
	 * growth in contexts is the seed's closure pattern, and the function names the code.
	 */
	#closureOf(nodeIndex: number): number | null {
		const snapshot = this.#next;
		const {nodes, offsets, meta, nodeFieldCount: nf} = snapshot;
		const typeOf = (index: number) => meta.nodeTypes[nodes[index + offsets.nodeType]!];
		if (typeOf(nodeIndex) === 'closure') return nodeIndex;
		if (snapshot.strings.get(nodes[nodeIndex + offsets.nodeName]!) !== 'system / Context') return null;
		const {firstRetainer, retainingNode, retainingEdge} = retainers(snapshot);
		const ordinal = nodeIndex / nf;
		for (let slot = firstRetainer[ordinal]!; slot < firstRetainer[ordinal + 1]!; slot++) {
			const from = retainingNode[slot]! * nf;
			if (typeOf(from) === 'closure' && edgeInfo(snapshot, retainingEdge[slot]!).name === 'context') return from;
		}
		return null;
	}
}
