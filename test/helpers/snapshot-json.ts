/**
 * Test-only loader: a whole snapshot through JSON.parse into the HeapSnapshot shape the streaming
 * parser produces. Fine for the small snapshots tests make; the product never does this.
 */
import {fieldOffsets, type HeapSnapshot, type SnapshotMeta, SnapshotFormatError} from '../../src/model/heap-snapshot/snapshot.js';

interface RawSnapshot {
	snapshot: {
		meta: {
			node_fields: string[];
			node_types: [string[], ...unknown[]];
			edge_fields: string[];
			edge_types: [string[], ...unknown[]];
			location_fields?: string[];
		};
		node_count: number;
		edge_count: number;
	};
	nodes: number[];
	edges: number[];
	locations?: number[];
	strings: string[];
}

export function snapshotFromJson(text: string): HeapSnapshot {
	const raw = JSON.parse(text) as RawSnapshot;
	if (!raw.snapshot?.meta) throw new SnapshotFormatError('not a V8 heap snapshot: no snapshot.meta');
	const m = raw.snapshot.meta;
	const meta: SnapshotMeta = {
		nodeFields: m.node_fields,
		nodeTypes: m.node_types[0],
		edgeFields: m.edge_fields,
		edgeTypes: m.edge_types[0],
		locationFields: m.location_fields ?? [],
	};
	const nodeFieldCount = meta.nodeFields.length;
	const edgeFieldCount = meta.edgeFields.length;
	const strings = raw.strings;
	return {
		meta,
		offsets: fieldOffsets(meta),
		nodeFieldCount,
		edgeFieldCount,
		locationFieldCount: meta.locationFields.length,
		nodeCount: raw.nodes.length / nodeFieldCount,
		edgeCount: raw.edges.length / edgeFieldCount,
		nodes: Uint32Array.from(raw.nodes),
		edges: Uint32Array.from(raw.edges),
		locations: Uint32Array.from(raw.locations ?? []),
		strings: {
			count: strings.length,
			get: index => {
				const s = strings[index];
				if (s === undefined) throw new SnapshotFormatError(`string index ${index} out of range`);
				return s;
			},
		},
	};
}
