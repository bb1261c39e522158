/**
 * Why an object is alive: its distance from the roots, the shortest chain of references that
 * keeps it, and how much memory would go with it (retained size, from the dominator tree).
 * The rules follow Chrome DevTools' heap snapshot worker so numbers agree with what users see
 * in its Retainers and Summary views; the data stays in typed arrays so snapshots of millions
 * of nodes fit, and nothing recurses.
 */
import {firstEdgeIndexes, retainers} from './graph.js';
import type {HeapSnapshot} from './snapshot.js';

/** DevTools' value for a node no root reaches through strong edges. */
export const NO_DISTANCE = -5;
/** Distances of nodes reached only through V8's internal roots start here (DevTools' `baseSystemDistance`). */
export const BASE_SYSTEM_DISTANCE = 100_000_000;
/**
 * The snapshot's synthetic root. V8 writes it first; Node's snapshots carry no `root_index`
 * and the shared HeapSnapshot interface has none.
 */
export const ROOT_ORDINAL = 0;

/** One node as a terminal shows it. */
export interface NodeInfo {
	nodeIndex: number;
	/** The node type (`object`, `closure`, `hidden`, ...). */
	type: string;
	/** The node's name: constructor for objects, function name for closures, contents for strings. */
	name: string;
	id: number;
	selfSize: number;
}

export interface EdgeInfo {
	/** The edge type (`property`, `element`, `context`, `internal`, ...). */
	type: string;
	/** Property or variable name, or the index for `element` and `hidden` edges. */
	name: string;
}

export interface RetainerStep extends NodeInfo {
	/** How this step's node holds the previous step's node; null on the first step, the object itself. */
	edge: EdgeInfo | null;
	distance: number;
}

export interface DominatorTree {
	/** Per ordinal: the ordinal of the immediate dominator; the root is its own. */
	dominator: Uint32Array;
	/** Per ordinal: bytes freed if the node went away (its own plus everything only it keeps). */
	retainedSize: Float64Array;
}

const kindsCache = new WeakMap<HeapSnapshot, GraphKinds>();
const distancesCache = new WeakMap<HeapSnapshot, Int32Array>();
const dominatorCache = new WeakMap<HeapSnapshot, DominatorTree>();

export function nodeInfo(snapshot: HeapSnapshot, nodeIndex: number): NodeInfo {
	const {nodes, offsets, meta, strings} = snapshot;
	return {
		nodeIndex,
		type: meta.nodeTypes[nodes[nodeIndex + offsets.nodeType]!] ?? 'unknown',
		name: strings.get(nodes[nodeIndex + offsets.nodeName]!),
		id: nodes[nodeIndex + offsets.nodeId]!,
		selfSize: nodes[nodeIndex + offsets.nodeSelfSize]!,
	};
}

export function edgeInfo(snapshot: HeapSnapshot, edgeIndex: number): EdgeInfo {
	const {edges, offsets, meta, strings} = snapshot;
	const type = meta.edgeTypes[edges[edgeIndex + offsets.edgeType]!] ?? 'unknown';
	const nameOrIndex = edges[edgeIndex + offsets.edgeNameOrIndex]!;
	return {type, name: type === 'element' || type === 'hidden' ? String(nameOrIndex) : strings.get(nameOrIndex)};
}

/**
 * Per ordinal, the number of strong edges from a root, as DevTools counts it: user roots (the
 * global objects the synthetic root points at) are at 1, everything reached only through V8's
 * own roots at BASE_SYSTEM_DISTANCE and up, unreachable nodes at NO_DISTANCE. Computed once per
 * snapshot.
 */
export function distances(snapshot: HeapSnapshot): Int32Array {
	let result = distancesCache.get(snapshot);
	if (!result) {
		result = computeDistances(snapshot);
		distancesCache.set(snapshot, result);
	}
	return result;
}

/**
 * The shortest chain of strong references from a root to the node, the node first and the
 * node directly under the synthetic root (`global`, `(GC roots)`) last; null when no strong
 * path exists (only weak references keep it). This is the chain DevTools' Retainers view
 * unfolds: at each step, the retainer closest to a root.
 */
export function shortestRetainerPath(snapshot: HeapSnapshot, nodeIndex: number): RetainerStep[] | null {
	const ordinal = checkedOrdinal(snapshot, nodeIndex);
	const distance = distances(snapshot);
	if (distance[ordinal] === NO_DISTANCE) return null;
	const {firstRetainer, retainingEdge, retainingNode} = retainers(snapshot);
	const kinds = graphKinds(snapshot);
	const {edges, nodeFieldCount} = snapshot;
	const edgeTypeOffset = snapshot.offsets.edgeType;

	const path: RetainerStep[] = [{...nodeInfo(snapshot, nodeIndex), edge: null, distance: distance[ordinal]!}];
	let current = ordinal;
	for (;;) {
		let best = -1;
		let bestDistance = distance[current]!;
		for (let slot = firstRetainer[current]!, end = firstRetainer[current + 1]!; slot < end; slot++) {
			const from = retainingNode[slot]!;
			const fromDistance = distance[from]!;
			if (from === ROOT_ORDINAL || fromDistance === NO_DISTANCE || fromDistance >= bestDistance) continue;
			const edgeIndex = retainingEdge[slot]!;
			if (edges[edgeIndex + edgeTypeOffset] === kinds.weakEdge) continue;
			if (!kinds.followForDistance(from * nodeFieldCount, edgeIndex)) continue;
			best = slot;
			bestDistance = fromDistance;
		}
		// Distances fall strictly along the chain, so it ends.
		if (best < 0) return path;
		current = retainingNode[best]!;
		path.push({...nodeInfo(snapshot, current * nodeFieldCount), edge: edgeInfo(snapshot, retainingEdge[best]!), distance: bestDistance});
	}
}

/** A retainer path step as plain text, for a terminal or JSON. */
export interface RetainerStepView {
	/** How the next step holds this one (`cache`, `[12]`, `table`); empty on the root end. */
	edge: string;
	node: string;
}

export function retainerStepViews(path: readonly RetainerStep[]): RetainerStepView[] {
	return path.map((step, i) => ({node: nodeLabel(step), edge: path[i + 1]?.edge ? edgeLabel(path[i + 1]!.edge!) : ''}));
}

/** One line per step, as DevTools' Retainers view reads: the object, then `cache in Map @12`, `handler in (closure) handler @34`... */
export function retainerPathLines(steps: readonly RetainerStepView[]): string[] {
	return steps.map((step, i) => (i === 0 ? step.node : `${steps[i - 1]!.edge} in ${step.node}`));
}

export function nodeLabel(node: NodeInfo): string {
	const at = `@${node.id}`;
	switch (node.type) {
		case 'closure':
			return `(closure) ${node.name || '(anonymous)'} ${at}`;
		case 'string':
		case 'concatenated string':
		case 'sliced string':
			return `${JSON.stringify(node.name.length > 40 ? `${node.name.slice(0, 40)}…` : node.name)} ${at}`;
		default:
			return `${node.name || `(${node.type})`} ${at}`;
	}
}

export function edgeLabel(edge: EdgeInfo): string {
	return edge.type === 'element' || edge.type === 'hidden' ? `[${edge.name}]` : edge.name;
}

/** Per ordinal, the retained size (see DominatorTree). */
export function retainedSizes(snapshot: HeapSnapshot): Float64Array {
	return dominatorTree(snapshot).retainedSize;
}

/**
 * Immediate dominators and retained sizes, by Lengauer-Tarjan over the edges DevTools counts
 * (see essentialEdges), iterative, in typed arrays. Like DevTools, nodes the root does not reach
 * are hung under the root so the root retains the whole heap. Computed once per snapshot.
 */
export function dominatorTree(snapshot: HeapSnapshot): DominatorTree {
	let tree = dominatorCache.get(snapshot);
	if (!tree) {
		tree = computeDominatorTree(snapshot);
		dominatorCache.set(snapshot, tree);
	}
	return tree;
}

function checkedOrdinal(snapshot: HeapSnapshot, nodeIndex: number): number {
	if (!Number.isInteger(nodeIndex) || nodeIndex < 0 || nodeIndex >= snapshot.nodes.length || nodeIndex % snapshot.nodeFieldCount !== 0) {
		throw new RangeError(`${nodeIndex} is not a node index of this snapshot`);
	}
	return nodeIndex / snapshot.nodeFieldCount;
}

// Names that change how DevTools walks the graph, recognised once per string-table entry.
const enum Known {
	Unchecked = 0,
	Other,
	NativeContext,
	MapDescriptors,
	SloppyFunctionMap,
	DocumentDomTrees,
	Ephemeron,
}

// V8 names both edges that keep a WeakMap value (one from the key, one from the table) like
// "12 / part of key (Object @3) -> value (Leaky @5) pair in WeakMap (table @7)".
const ephemeronName = /^\d+( \/ part of key \(.*? @\d+\) -> value \(.*? @\d+\) pair in WeakMap \(table @(\d+)\))$/;

interface GraphKinds {
	weakEdge: number;
	shortcutEdge: number;
	internalEdge: number;
	elementEdge: number;
	hiddenEdge: number;
	syntheticNode: number;
	known(stringIndex: number): Known;
	/** DevTools' distance filter, minus the WeakMap pairing rule (see computeDistances). */
	followForDistance(fromNodeIndex: number, edgeIndex: number): boolean;
	/** The part both edges of a WeakMap entry share, and the table's node id; null for other edges. */
	ephemeron(edgeIndex: number): {pair: string; tableId: number} | null;
}

function graphKinds(snapshot: HeapSnapshot): GraphKinds {
	let kinds = kindsCache.get(snapshot);
	if (!kinds) {
		kinds = buildGraphKinds(snapshot);
		kindsCache.set(snapshot, kinds);
	}
	return kinds;
}

function buildGraphKinds(snapshot: HeapSnapshot): GraphKinds {
	const {meta, strings, nodes, edges, offsets} = snapshot;
	const edgeType = (name: string) => meta.edgeTypes.indexOf(name);
	const nodeType = (name: string) => meta.nodeTypes.indexOf(name);
	const hiddenNode = nodeType('hidden');
	const arrayNode = nodeType('array');
	const state = new Uint8Array(strings.count);
	const known = (index: number): Known => {
		let value = state[index] as Known;
		if (value === Known.Unchecked) {
			const text = strings.get(index);
			value =
				text === 'system / NativeContext'
					? Known.NativeContext
					: text === '(map descriptors)'
						? Known.MapDescriptors
						: text === 'sloppy_function_map'
							? Known.SloppyFunctionMap
							: text === '(Document DOM trees)'
								? Known.DocumentDomTrees
								: ephemeronName.test(text)
									? Known.Ephemeron
									: Known.Other;
			state[index] = value;
		}
		return value;
	};
	const kinds: GraphKinds = {
		weakEdge: edgeType('weak'),
		shortcutEdge: edgeType('shortcut'),
		internalEdge: edgeType('internal'),
		elementEdge: edgeType('element'),
		hiddenEdge: edgeType('hidden'),
		syntheticNode: nodeType('synthetic'),
		known,
		followForDistance(fromNodeIndex, edgeIndex) {
			const fromType = nodes[fromNodeIndex + offsets.nodeType];
			if (fromType !== hiddenNode && fromType !== arrayNode) return true;
			const fromName = known(nodes[fromNodeIndex + offsets.nodeName]!);
			const type = edges[edgeIndex + offsets.edgeType];
			const nameOrIndex = edges[edgeIndex + offsets.edgeNameOrIndex]!;
			const numbered = type === kinds.elementEdge || type === kinds.hiddenEdge;
			// A NativeContext's sloppy_function_map leads into V8's function machinery, not to user data.
			if (fromType === hiddenNode && fromName === Known.NativeContext) return numbered || known(nameOrIndex) !== Known.SloppyFunctionMap;
			// Maps share descriptor arrays, so their key and descriptor slots are not real paths (crbug.com/413608).
			if (fromType === arrayNode && fromName === Known.MapDescriptors) {
				const index = numbered ? nameOrIndex : Number.parseInt(strings.get(nameOrIndex), 10);
				return Number.isNaN(index) || index < 2 || index % 3 !== 1;
			}
			return true;
		},
		ephemeron(edgeIndex) {
			if (edges[edgeIndex + offsets.edgeType] !== kinds.internalEdge) return null;
			const nameIndex = edges[edgeIndex + offsets.edgeNameOrIndex]!;
			if (known(nameIndex) !== Known.Ephemeron) return null;
			const match = ephemeronName.exec(strings.get(nameIndex))!;
			return {pair: match[1]!, tableId: Number(match[2])};
		},
	};
	return kinds;
}

function computeDistances(snapshot: HeapSnapshot): Int32Array {
	const {nodeCount, nodeFieldCount, edgeFieldCount, edges, offsets} = snapshot;
	const firstEdge = firstEdgeIndexes(snapshot);
	const kinds = graphKinds(snapshot);
	const distance = new Int32Array(nodeCount).fill(NO_DISTANCE);
	const queue = new Uint32Array(nodeCount);
	// A WeakMap value is kept by its key and its table together, so its distance is the farther
	// of the two (crbug.com/1290800): the first of a pair of edges met is skipped. Entries live
	// only between the two edges of one pair.
	const pendingPairs = new Set<string>();

	const bfs = (start: number, end: number) => {
		let length = end;
		for (let head = start; head < length; head++) {
			const ordinal = queue[head]!;
			const next = distance[ordinal]! + 1;
			const nodeIndex = ordinal * nodeFieldCount;
			for (let edgeIndex = firstEdge[ordinal]!, stop = firstEdge[ordinal + 1]!; edgeIndex < stop; edgeIndex += edgeFieldCount) {
				if (edges[edgeIndex + offsets.edgeType] === kinds.weakEdge) continue;
				const child = edges[edgeIndex + offsets.edgeToNode]! / nodeFieldCount;
				if (distance[child] !== NO_DISTANCE) continue;
				if (!kinds.followForDistance(nodeIndex, edgeIndex)) continue;
				const pair = kinds.ephemeron(edgeIndex);
				if (pair && !pendingPairs.delete(pair.pair)) {
					pendingPairs.add(pair.pair);
					continue;
				}
				distance[child] = next;
				queue[length++] = child;
			}
		}
		return length;
	};

	let userRoots = 0;
	for (let edgeIndex = firstEdge[ROOT_ORDINAL]!, stop = firstEdge[ROOT_ORDINAL + 1]!; edgeIndex < stop; edgeIndex += edgeFieldCount) {
		const child = edges[edgeIndex + offsets.edgeToNode]! / nodeFieldCount;
		if (distance[child] !== NO_DISTANCE || !isUserRoot(snapshot, kinds, child)) continue;
		distance[child] = 1;
		queue[userRoots++] = child;
	}
	const reached = bfs(0, userRoots);
	distance[ROOT_ORDINAL] = userRoots > 0 ? BASE_SYSTEM_DISTANCE : 0;
	queue[reached] = ROOT_ORDINAL;
	bfs(reached, reached + 1);
	return distance;
}

/** DevTools' user roots: what the synthetic root points at that is not itself synthetic (the global objects), and DOM trees. */
function isUserRoot(snapshot: HeapSnapshot, kinds: GraphKinds, ordinal: number): boolean {
	const nodeIndex = ordinal * snapshot.nodeFieldCount;
	if (snapshot.nodes[nodeIndex + snapshot.offsets.nodeType] !== kinds.syntheticNode) return true;
	return kinds.known(snapshot.nodes[nodeIndex + snapshot.offsets.nodeName]!) === Known.DocumentDomTrees;
}

/**
 * One bit per edge: does it count when building dominators. As in DevTools: weak edges, self
 * edges and shortcuts (except the root's) do not; of the two edges keeping a WeakMap value the
 * table's does not (the key's gives more useful answers); nor do edges from outside into the
 * objects the global objects reach, so a debugger's or V8's own handle on user objects does
 * not make V8's roots their dominators.
 */
function essentialEdges(snapshot: HeapSnapshot, kinds: GraphKinds, firstEdge: Uint32Array): Uint32Array {
	const {nodeCount, nodeFieldCount, edgeFieldCount, nodes, edges, offsets} = snapshot;
	const userObject = userObjects(snapshot, kinds, firstEdge);
	const bits = new Uint32Array(Math.ceil(edges.length / edgeFieldCount / 32));
	for (let ordinal = 0; ordinal < nodeCount; ordinal++) {
		const nodeIndex = ordinal * nodeFieldCount;
		const isRoot = ordinal === ROOT_ORDINAL;
		const fromUser = userObject[ordinal]!;
		for (let edgeIndex = firstEdge[ordinal]!, stop = firstEdge[ordinal + 1]!; edgeIndex < stop; edgeIndex += edgeFieldCount) {
			const type = edges[edgeIndex + offsets.edgeType];
			if (type === kinds.weakEdge) continue;
			const child = edges[edgeIndex + offsets.edgeToNode]!;
			if (child === nodeIndex) continue;
			if (!isRoot && (type === kinds.shortcutEdge || (userObject[child / nodeFieldCount] && !fromUser))) continue;
			const pair = kinds.ephemeron(edgeIndex);
			if (pair && pair.tableId === nodes[nodeIndex + offsets.nodeId]) continue;
			const bit = edgeIndex / edgeFieldCount;
			bits[bit >>> 5]! |= 1 << (bit & 31);
		}
	}
	return bits;
}

/** DevTools' "page objects": everything the user roots reach through strong edges. */
function userObjects(snapshot: HeapSnapshot, kinds: GraphKinds, firstEdge: Uint32Array): Uint8Array {
	const {nodeCount, nodeFieldCount, edgeFieldCount, edges, offsets} = snapshot;
	const marked = new Uint8Array(nodeCount);
	const stack = new Uint32Array(nodeCount);
	let depth = 0;
	for (let edgeIndex = firstEdge[ROOT_ORDINAL]!, stop = firstEdge[ROOT_ORDINAL + 1]!; edgeIndex < stop; edgeIndex += edgeFieldCount) {
		const type = edges[edgeIndex + offsets.edgeType];
		const child = edges[edgeIndex + offsets.edgeToNode]! / nodeFieldCount;
		const entry =
			type === kinds.shortcutEdge ||
			(type === kinds.elementEdge && kinds.known(snapshot.nodes[child * nodeFieldCount + offsets.nodeName]!) === Known.DocumentDomTrees && snapshot.nodes[child * nodeFieldCount + offsets.nodeType] === kinds.syntheticNode);
		if (!entry || marked[child]) continue;
		marked[child] = 1;
		stack[depth++] = child;
	}
	while (depth > 0) {
		const ordinal = stack[--depth]!;
		for (let edgeIndex = firstEdge[ordinal]!, stop = firstEdge[ordinal + 1]!; edgeIndex < stop; edgeIndex += edgeFieldCount) {
			const child = edges[edgeIndex + offsets.edgeToNode]! / nodeFieldCount;
			if (marked[child] || edges[edgeIndex + offsets.edgeType] === kinds.weakEdge) continue;
			marked[child] = 1;
			stack[depth++] = child;
		}
	}
	return marked;
}

function computeDominatorTree(snapshot: HeapSnapshot): DominatorTree {
	const {nodeCount, nodeFieldCount, edgeFieldCount, nodes, edges, offsets} = snapshot;
	const firstEdge = firstEdgeIndexes(snapshot);
	const {firstRetainer, retainingEdge, retainingNode} = retainers(snapshot);
	const kinds = graphKinds(snapshot);
	const essential = essentialEdges(snapshot, kinds, firstEdge);
	const isEssential = (edgeIndex: number) => {
		const bit = edgeIndex / edgeFieldCount;
		return (essential[bit >>> 5]! & (1 << (bit & 31))) !== 0;
	};

	// Lengauer-Tarjan numbers vertices from 1 and uses 0 for "none": vertex v is ordinal v - 1.
	const size = nodeCount + 1;
	const parent = new Uint32Array(size);
	const ancestor = new Uint32Array(size);
	const vertex = new Uint32Array(size);
	const label = new Uint32Array(size);
	const semi = new Uint32Array(size);
	const dom = new Uint32Array(size);
	// Per vertex, the next edge the depth-first walk will look at; reused as the path-compression stack.
	const scratch = new Uint32Array(size);
	// Buckets as singly linked lists: each vertex sits in one bucket at a time.
	const bucketHead = new Uint32Array(size);
	const bucketNext = new Uint32Array(size);
	let n = 0;

	const visit = (v: number) => {
		semi[v] = ++n;
		vertex[n] = v;
		label[v] = v;
	};
	// Depth-first from `start`, iteratively: a vertex is finished when its edges run out, then the walk returns to its parent.
	const dfs = (start: number) => {
		scratch[start] = firstEdge[start - 1]!;
		let v = start;
		while (v !== 0) {
			if (semi[v] === 0) visit(v);
			let next = parent[v]!;
			const end = firstEdge[v]!;
			for (let edgeIndex = scratch[v]!; edgeIndex < end; edgeIndex += edgeFieldCount) {
				if (!isEssential(edgeIndex)) continue;
				const w = edges[edgeIndex + offsets.edgeToNode]! / nodeFieldCount + 1;
				if (semi[w] !== 0) continue;
				scratch[v] = edgeIndex + edgeFieldCount;
				parent[w] = v;
				scratch[w] = firstEdge[w - 1]!;
				next = w;
				break;
			}
			v = next;
		}
	};
	const hasEssentialRetainer = (ordinal: number) => {
		for (let slot = firstRetainer[ordinal]!, end = firstRetainer[ordinal + 1]!; slot < end; slot++) {
			if (isEssential(retainingEdge[slot]!)) return true;
		}
		return false;
	};

	const r = ROOT_ORDINAL + 1;
	dfs(r);
	// Then what only weak references reach, and last what is kept only by a cycle of its own,
	// all hung under the root as DevTools does.
	if (n < nodeCount) {
		for (let v = 1; v <= nodeCount; v++) {
			if (semi[v] !== 0 || hasEssentialRetainer(v - 1)) continue;
			parent[v] = r;
			dfs(v);
		}
	}
	if (n < nodeCount) {
		for (let v = 1; v <= nodeCount; v++) {
			if (semi[v] !== 0) continue;
			parent[v] = r;
			visit(v);
		}
	}

	const stack = scratch;
	// Eval with path compression up the `ancestor` forest, without recursion.
	const evaluate = (v: number): number => {
		if (ancestor[v] === 0) return v;
		let depth = 0;
		for (let u = v; ancestor[ancestor[u]!] !== 0; u = ancestor[u]!) stack[++depth] = u;
		while (depth > 0) {
			const w = stack[depth--]!;
			const up = ancestor[w]!;
			if (semi[label[up]!]! < semi[label[w]!]!) label[w] = label[up]!;
			ancestor[w] = ancestor[up]!;
		}
		return label[v]!;
	};

	for (let i = n; i >= 2; i--) {
		const w = vertex[i]!;
		const ordinal = w - 1;
		let retained = false;
		for (let slot = firstRetainer[ordinal]!, end = firstRetainer[ordinal + 1]!; slot < end; slot++) {
			if (!isEssential(retainingEdge[slot]!)) continue;
			retained = true;
			const u = evaluate(retainingNode[slot]! + 1);
			if (semi[u]! < semi[w]!) semi[w] = semi[u]!;
		}
		// Nothing counted retains it: the root stands in as its only predecessor.
		if (!retained) semi[w] = semi[r]!;
		const semiVertex = vertex[semi[w]!]!;
		bucketNext[w] = bucketHead[semiVertex]!;
		bucketHead[semiVertex] = w;
		const p = parent[w]!;
		ancestor[w] = p;
		for (let v = bucketHead[p]!; v !== 0; v = bucketNext[v]!) {
			const u = evaluate(v);
			dom[v] = semi[u]! < semi[v]! ? u : p;
		}
		bucketHead[p] = 0;
	}
	// Vertices a cycle of their own keeps never get a dominator above; through dom[0] they get the root.
	dom[0] = r;
	dom[r] = r;
	for (let i = 2; i <= n; i++) {
		const w = vertex[i]!;
		if (dom[w] !== vertex[semi[w]!]) dom[w] = dom[dom[w]!]!;
	}

	const dominator = new Uint32Array(nodeCount);
	const retainedSize = new Float64Array(nodeCount);
	for (let ordinal = 0; ordinal < nodeCount; ordinal++) {
		dominator[ordinal] = dom[ordinal + 1]! - 1;
		retainedSize[ordinal] = nodes[ordinal * nodeFieldCount + offsets.nodeSelfSize]!;
	}
	// Children come after their dominators in DFS order, so one backward pass sums whole subtrees.
	for (let i = n; i >= 2; i--) {
		const ordinal = vertex[i]! - 1;
		retainedSize[dominator[ordinal]!] += retainedSize[ordinal]!;
	}
	return {dominator, retainedSize};
}
