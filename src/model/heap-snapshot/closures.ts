/**
 * What a closure is and what it keeps alive. A function holds its scope through a `context`
 * edge; the Context's `context` edges are the captured variables, and `previous` leads to the
 * enclosing scopes. That chain is where "a closure captured the whole scope, including a big
 * buffer" shows: a small function object whose context holds a large array.
 */
import {firstEdgeIndexes} from './graph.js';
import {edgeInfo, nodeInfo, type NodeInfo} from './retainers.js';
import type {HeapSnapshot} from './snapshot.js';

export interface ScriptLocation {
	/** V8's script id, as in the snapshot's `locations` section. */
	scriptId: number;
	/** The script's name (file path or URL) found through the function's SharedFunctionInfo; null if the snapshot does not link one. */
	scriptName: string | null;
	/** 1-based, as editors and stack traces count (the snapshot stores 0-based numbers). */
	line: number;
	/** 1-based. */
	column: number;
}

export interface ContextVariable extends NodeInfo {
	/** The variable's name in the scope. */
	variable: string;
	/** Present when retained sizes were passed in. */
	retainedSize?: number;
}

export interface ContextScope extends NodeInfo {
	variables: ContextVariable[];
	retainedSize?: number;
}

export interface ClosureDetails extends NodeInfo {
	/** The function's name; `(anonymous)` when it has none. */
	functionName: string;
	location: ScriptLocation | null;
	/** The scopes the function keeps, innermost first, up to (not including) the native context. */
	scopes: ContextScope[];
	retainedSize?: number;
}

/** Enough for any real nesting of functions; a bound on a corrupt chain. */
const maxScopes = 64;

/**
 * Details of the closure at `nodeIndex` (a node of type `closure`). Pass retained sizes (per
 * ordinal, from retainedSizes()) to get the size each captured variable would free.
 */
export function closureDetails(snapshot: HeapSnapshot, nodeIndex: number, retained?: Float64Array): ClosureDetails {
	const info = nodeInfo(snapshot, nodeIndex);
	if (info.type !== 'closure') throw new RangeError(`node @${info.id} is a ${info.type}, not a closure`);
	const sizeOf = (node: NodeInfo) => (retained ? {retainedSize: retained[node.nodeIndex / snapshot.nodeFieldCount]!} : {});
	const edges = new EdgeReader(snapshot);

	const scopes: ContextScope[] = [];
	let context = edges.target(nodeIndex, 'internal', 'context');
	while (context !== null && scopes.length < maxScopes) {
		const scope = nodeInfo(snapshot, context);
		if (scope.name === 'system / NativeContext') break;
		const variables: ContextVariable[] = [];
		edges.forEach(context, (type, name, target) => {
			if (type !== 'context') return;
			const value = nodeInfo(snapshot, target);
			variables.push({...value, variable: name, ...sizeOf(value)});
		});
		scopes.push({...scope, variables, ...sizeOf(scope)});
		context = edges.target(context, 'internal', 'previous');
	}
	return {...info, functionName: info.name || '(anonymous)', location: location(snapshot, nodeIndex, edges), scopes, ...sizeOf(info)};
}

function location(snapshot: HeapSnapshot, nodeIndex: number, edges: EdgeReader): ScriptLocation | null {
	const at = locationSlot(snapshot, nodeIndex);
	if (at < 0) return null;
	const {locations, offsets} = snapshot;
	return {
		scriptId: locations[at + offsets.locationScriptId]!,
		scriptName: scriptName(snapshot, nodeIndex, edges),
		line: locations[at + offsets.locationLine]! + 1,
		column: locations[at + offsets.locationColumn]! + 1,
	};
}

/** Start of the node's entry in `locations`, or -1. V8 writes entries in node order, so a binary search finds it. */
function locationSlot(snapshot: HeapSnapshot, nodeIndex: number): number {
	const {locations, locationFieldCount, offsets} = snapshot;
	const field = offsets.locationObjectIndex;
	if (locationFieldCount === 0 || field < 0 || offsets.locationLine < 0 || offsets.locationColumn < 0 || offsets.locationScriptId < 0) return -1;
	const count = Math.floor(locations.length / locationFieldCount);
	let low = 0;
	let high = count - 1;
	while (low <= high) {
		const middle = (low + high) >>> 1;
		const value = locations[middle * locationFieldCount + field]!;
		if (value === nodeIndex) return middle * locationFieldCount;
		if (value < nodeIndex) low = middle + 1;
		else high = middle - 1;
	}
	// Not in node order after all (another writer): look at every entry.
	for (let at = 0; at < count * locationFieldCount; at += locationFieldCount) {
		if (locations[at + field] === nodeIndex) return at;
	}
	return -1;
}

/**
 * closure -> `shared` (SharedFunctionInfo) -> `script` (`script_or_debug_info` in newer V8)
 * -> Script, whose `name` edge is the file name string (V8 also names the Script node after it).
 */
function scriptName(snapshot: HeapSnapshot, nodeIndex: number, edges: EdgeReader): string | null {
	const shared = edges.target(nodeIndex, 'internal', 'shared');
	if (shared === null) return null;
	const script = edges.target(shared, 'internal', 'script_or_debug_info') ?? edges.target(shared, 'internal', 'script');
	if (script === null) return null;
	const name = edges.target(script, 'internal', 'name');
	if (name !== null) {
		const value = nodeInfo(snapshot, name);
		if (value.type === 'string' || value.type === 'concatenated string' || value.type === 'sliced string') return value.name;
	}
	const own = nodeInfo(snapshot, script).name;
	return own && !own.startsWith('system /') ? own : null;
}

/** A node's outgoing edges by type and name. */
class EdgeReader {
	private readonly firstEdge: Uint32Array;

	constructor(private readonly snapshot: HeapSnapshot) {
		this.firstEdge = firstEdgeIndexes(snapshot);
	}

	forEach(nodeIndex: number, visit: (type: string, name: string, target: number) => void): void {
		const {edges, offsets, nodeFieldCount, edgeFieldCount} = this.snapshot;
		const ordinal = nodeIndex / nodeFieldCount;
		for (let edgeIndex = this.firstEdge[ordinal]!, end = this.firstEdge[ordinal + 1]!; edgeIndex < end; edgeIndex += edgeFieldCount) {
			const {type, name} = edgeInfo(this.snapshot, edgeIndex);
			visit(type, name, edges[edgeIndex + offsets.edgeToNode]!);
		}
	}

	/** The first edge of that type and name, or null. */
	target(nodeIndex: number, type: string, name: string): number | null {
		let found: number | null = null;
		this.forEach(nodeIndex, (edgeType, edgeName, target) => {
			if (found === null && edgeType === type && edgeName === name) found = target;
		});
		return found;
	}
}
