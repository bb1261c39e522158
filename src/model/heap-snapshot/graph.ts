/**
 * Indexes derived from a HeapSnapshot's flat arrays: where each node's edges start, and who
 * retains each node. Typed arrays only (a Map or object per node breaks at millions of nodes),
 * built on first use and kept per snapshot object so every analysis shares one copy.
 *
 * Conventions, as in V8's file and DevTools: a node *index* is its start in `nodes`
 * (ordinal x nodeFieldCount, what `to_node` holds); an edge *index* is its start in `edges`.
 * Per-node arrays are indexed by ordinal.
 */
import {type HeapSnapshot, SnapshotFormatError} from './snapshot.js';

/** Node ordinal o's edges sit at edges[firstEdge[o]] .. edges[firstEdge[o + 1]], step edgeFieldCount. */
export type FirstEdgeIndexes = Uint32Array;

/** The reverse of the edges, CSR style: node o is retained through slots firstRetainer[o] .. firstRetainer[o + 1]. */
export interface Retainers {
	/** nodeCount + 1 slot starts. */
	firstRetainer: Uint32Array;
	/** Per slot: the retaining edge's index in `edges`. */
	retainingEdge: Uint32Array;
	/** Per slot: the ordinal of the node that owns that edge. */
	retainingNode: Uint32Array;
}

const firstEdgeCache = new WeakMap<HeapSnapshot, FirstEdgeIndexes>();
const retainersCache = new WeakMap<HeapSnapshot, Retainers>();

/**
 * `keep: false` for a one-off pass (classifying a snapshot for a diff): the indexes are built
 * without being cached, so they go with the caller's last use instead of living as long as the
 * snapshot (4 bytes per node). A cached copy is used if there is one.
 */
export function firstEdgeIndexes(snapshot: HeapSnapshot, {keep = true} = {}): FirstEdgeIndexes {
	let first = firstEdgeCache.get(snapshot);
	if (!first) {
		first = buildFirstEdgeIndexes(snapshot);
		if (keep) firstEdgeCache.set(snapshot, first);
	}
	return first;
}

export function retainers(snapshot: HeapSnapshot): Retainers {
	let result = retainersCache.get(snapshot);
	if (!result) {
		result = buildRetainers(snapshot, firstEdgeIndexes(snapshot));
		retainersCache.set(snapshot, result);
	}
	return result;
}

function buildFirstEdgeIndexes(snapshot: HeapSnapshot): FirstEdgeIndexes {
	const {nodes, nodeCount, nodeFieldCount, edgeFieldCount} = snapshot;
	const edgeCountOffset = snapshot.offsets.nodeEdgeCount;
	const first = new Uint32Array(nodeCount + 1);
	// A float accumulator so a corrupt edge_count cannot wrap around and pass the check below.
	let edgeIndex = 0;
	for (let ordinal = 0; ordinal < nodeCount; ordinal++) {
		first[ordinal] = edgeIndex;
		edgeIndex += nodes[ordinal * nodeFieldCount + edgeCountOffset]! * edgeFieldCount;
		if (edgeIndex > snapshot.edges.length) break;
	}
	if (edgeIndex !== snapshot.edges.length) {
		throw new SnapshotFormatError(`corrupt heap snapshot: the nodes' edge counts do not add up to the ${snapshot.edgeCount} edges`);
	}
	first[nodeCount] = edgeIndex;
	return first;
}

function buildRetainers(snapshot: HeapSnapshot, firstEdge: FirstEdgeIndexes): Retainers {
	const {edges, nodeCount, nodeFieldCount, edgeFieldCount} = snapshot;
	const toNodeOffset = snapshot.offsets.edgeToNode;
	const nodesLength = snapshot.nodes.length;
	const edgeCount = edges.length / edgeFieldCount;
	const firstRetainer = new Uint32Array(nodeCount + 1);
	const retainingEdge = new Uint32Array(edgeCount);
	const retainingNode = new Uint32Array(edgeCount);

	for (let edgeIndex = toNodeOffset; edgeIndex < edges.length; edgeIndex += edgeFieldCount) {
		const toNode = edges[edgeIndex]!;
		if (toNode >= nodesLength || toNode % nodeFieldCount !== 0) {
			throw new SnapshotFormatError(`corrupt heap snapshot: edge ${(edgeIndex - toNodeOffset) / edgeFieldCount} points at ${toNode}, not at a node`);
		}
		firstRetainer[toNode / nodeFieldCount]++;
	}
	// Counts become slot starts; firstRetainer[o + 1] is used as o's fill cursor, then restored.
	let slot = 0;
	for (let ordinal = 0; ordinal < nodeCount; ordinal++) {
		const count = firstRetainer[ordinal]!;
		firstRetainer[ordinal] = slot;
		slot += count;
	}
	firstRetainer[nodeCount] = slot;
	const cursor = firstRetainer.slice(0, nodeCount);
	for (let ordinal = 0; ordinal < nodeCount; ordinal++) {
		const end = firstEdge[ordinal + 1]!;
		for (let edgeIndex = firstEdge[ordinal]!; edgeIndex < end; edgeIndex += edgeFieldCount) {
			const target = edges[edgeIndex + toNodeOffset]! / nodeFieldCount;
			const at = cursor[target]!++;
			retainingEdge[at] = edgeIndex;
			retainingNode[at] = ordinal;
		}
	}
	return {firstRetainer, retainingEdge, retainingNode};
}
