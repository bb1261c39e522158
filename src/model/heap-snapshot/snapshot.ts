/**
 * A parsed V8 heap snapshot, held the way V8 writes it: flat typed arrays of node and edge
 * fields, no object per node. Field positions come from the file's own `snapshot.meta`
 * (V8 versions add fields such as `detachedness`), never from constants.
 */
import {LeaktopError} from '../../errors.js';

/** `snapshot.meta` as written by V8. */
export interface SnapshotMeta {
	nodeFields: readonly string[];
	/** Names of the node `type` enum (the first entry of `node_types`). */
	nodeTypes: readonly string[];
	edgeFields: readonly string[];
	/** Names of the edge `type` enum (the first entry of `edge_types`). */
	edgeTypes: readonly string[];
	/** `location_fields`, empty when the file has none. */
	locationFields: readonly string[];
}

/** The snapshot's strings (`strings` section), decoded only when asked for. */
export interface StringTable {
	readonly count: number;
	get(index: number): string;
}

/** Where each field sits in a node's or an edge's run of numbers; -1 when absent. */
export interface FieldOffsets {
	nodeType: number;
	nodeName: number;
	nodeId: number;
	nodeSelfSize: number;
	nodeEdgeCount: number;
	nodeDetachedness: number;
	edgeType: number;
	edgeNameOrIndex: number;
	edgeToNode: number;
	/** Within `locations`: the node's index into `nodes` (object_index), script_id, line, column. */
	locationObjectIndex: number;
	locationScriptId: number;
	locationLine: number;
	locationColumn: number;
}

export interface HeapSnapshot {
	meta: SnapshotMeta;
	offsets: FieldOffsets;
	nodeFieldCount: number;
	edgeFieldCount: number;
	locationFieldCount: number;
	nodeCount: number;
	edgeCount: number;
	/** nodeCount x nodeFieldCount numbers, node after node, in file order. Node i starts at i * nodeFieldCount. */
	nodes: Uint32Array;
	/** edgeCount x edgeFieldCount numbers; a node's edges follow the previous node's, in node order. `to_node` is a start index into `nodes`. */
	edges: Uint32Array;
	/** The `locations` section, flat, locationFieldCount numbers each (may be empty). */
	locations: Uint32Array;
	strings: StringTable;
}

/** Offsets of the fields leaktop needs, from `meta`; throws if a required one is missing. */
export function fieldOffsets(meta: SnapshotMeta): FieldOffsets {
	const need = (fields: readonly string[], name: string, where: string) => {
		const index = fields.indexOf(name);
		if (index < 0) throw new SnapshotFormatError(`not a V8 heap snapshot: snapshot.meta.${where} has no "${name}"`);
		return index;
	};
	return {
		nodeType: need(meta.nodeFields, 'type', 'node_fields'),
		nodeName: need(meta.nodeFields, 'name', 'node_fields'),
		nodeId: need(meta.nodeFields, 'id', 'node_fields'),
		nodeSelfSize: need(meta.nodeFields, 'self_size', 'node_fields'),
		nodeEdgeCount: need(meta.nodeFields, 'edge_count', 'node_fields'),
		nodeDetachedness: meta.nodeFields.indexOf('detachedness'),
		edgeType: need(meta.edgeFields, 'type', 'edge_fields'),
		edgeNameOrIndex: need(meta.edgeFields, 'name_or_index', 'edge_fields'),
		edgeToNode: need(meta.edgeFields, 'to_node', 'edge_fields'),
		locationObjectIndex: meta.locationFields.indexOf('object_index'),
		locationScriptId: meta.locationFields.indexOf('script_id'),
		locationLine: meta.locationFields.indexOf('line'),
		locationColumn: meta.locationFields.indexOf('column'),
	};
}

/** The file is not a (complete, well-formed) V8 heap snapshot; the message is one line for the user. */
export class SnapshotFormatError extends LeaktopError {
	override readonly name: string = 'SnapshotFormatError';
}
