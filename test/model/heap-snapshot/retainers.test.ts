import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, test} from 'node:test';
import {firstEdgeIndexes, retainers} from '../../../src/model/heap-snapshot/graph.js';
import {
	BASE_SYSTEM_DISTANCE,
	distances,
	dominatorTree,
	retainerPathLines,
	retainerStepViews,
	NO_DISTANCE,
	nodeInfo,
	type NodeInfo,
	retainedSizes,
	ROOT_ORDINAL,
	shortestRetainerPath,
} from '../../../src/model/heap-snapshot/retainers.js';
import {type HeapSnapshot, SnapshotFormatError} from '../../../src/model/heap-snapshot/snapshot.js';
import {DevtoolsSnapshot} from '../../helpers/devtools-snapshot.js';
import {snapshotFromJson} from '../../helpers/snapshot-json.js';
import {writeSnapshot} from '../../helpers/heap-snapshots.js';

const MB = 1 << 20;

// Each kind of reference the analysis must tell apart, in one process. Inside a function so
// that no top-level binding in the script's own scope adds a path.
const fixture = `(() => {
class Leaky { constructor() { this.payload = 'leaky payload'; } }
globalThis.keep = new Map();
keep.set('k', new Leaky());

// Strongly held only at the end of a long chain, weakly right from the global object.
class BehindWeakRef {}
const behindWeakRef = new BehindWeakRef();
globalThis.deep = {a: {b: {c: {d: behindWeakRef}}}};
globalThis.ref = new WeakRef(behindWeakRef);

class WeakMapKey {}
const weakMapKey = new WeakMapKey();
globalThis.deepKey = {a: {b: {c: {d: weakMapKey}}}};
class WeakMapValue {}
globalThis.weakMap = new WeakMap([[weakMapKey, new WeakMapValue()]]);

class Owner { constructor() { this.buffer = new Array(131072).fill(0.5); } }
globalThis.owner = new Owner();
})();`;

const dir = mkdtempSync(join(tmpdir(), 'leaktop-retainers-'));
let snapshotPath: string;
let snapshot: HeapSnapshot;

before(async () => {
	snapshotPath = await writeSnapshot(dir, fixture);
	snapshot = snapshotFromJson(readFileSync(snapshotPath, 'utf8'));
});

after(() => rmSync(dir, {recursive: true, force: true}));

function only(type: string, name: string): NodeInfo {
	const found: NodeInfo[] = [];
	for (let ordinal = 0; ordinal < snapshot.nodeCount; ordinal++) {
		const info = nodeInfo(snapshot, ordinal * snapshot.nodeFieldCount);
		if (info.type === type && info.name === name) found.push(info);
	}
	assert.equal(found.length, 1, `one ${type} ${name} in the snapshot`);
	return found[0]!;
}

const ordinalOf = (node: {nodeIndex: number}) => node.nodeIndex / snapshot.nodeFieldCount;

test('the Leaky instance is kept through the Map and the global `keep` property', () => {
	const leaky = only('object', 'Leaky');
	const path = shortestRetainerPath(snapshot, leaky.nodeIndex);
	assert.ok(path, 'a path');
	assert.equal(path[0]!.nodeIndex, leaky.nodeIndex);
	assert.equal(path[0]!.edge, null);
	const map = path.findIndex(step => step.type === 'object' && step.name === 'Map');
	assert.ok(map > 0, `the Map is on the path: ${retainerPathLines(retainerStepViews(path)).join(' <- ')}`);
	const top = path.at(-1)!;
	assert.deepEqual(top.edge, {type: 'property', name: 'keep'});
	assert.equal(top.name, 'global');
	assert.equal(top.distance, 1, 'the global object is a user root');
	assert.equal(path.length - 1, map + 1, 'the Map is held by the global object directly');
	// Distances fall by one per step, as DevTools counts them.
	path.forEach((step, i) => assert.equal(step.distance, path.length - i));
	const lines = retainerPathLines(retainerStepViews(path));
	assert.match(lines[0]!, /^Leaky @\d+$/);
	assert.match(lines.at(-1)!, /^keep in global @\d+$/);
	assert.match(lines[map]!, / in Map @\d+$/);
});

test('a path never goes through a weak edge, even when that would be shorter', () => {
	for (const name of ['BehindWeakRef', 'WeakMapKey']) {
		const node = only('object', name);
		const path = shortestRetainerPath(snapshot, node.nodeIndex)!;
		assert.ok(path, `${name} has a strong path`);
		const text = retainerPathLines(retainerStepViews(path)).join(' <- ');
		assert.ok(path.every(step => step.edge?.type !== 'weak'), text);
		assert.deepEqual(
			path.slice(1).map(step => step.edge!.name),
			['d', 'c', 'b', 'a', name === 'WeakMapKey' ? 'deepKey' : 'deep'],
			text,
		);
	}
});

test('a system object ends its path at (GC roots), and the synthetic root has no path', () => {
	const internalized = only('synthetic', '(Internalized strings)');
	const path = shortestRetainerPath(snapshot, internalized.nodeIndex)!;
	assert.deepEqual(
		path.map(step => step.name),
		['(Internalized strings)', '(GC roots)'],
	);
	assert.equal(path[1]!.distance, BASE_SYSTEM_DISTANCE + 1);
	assert.deepEqual(shortestRetainerPath(snapshot, ROOT_ORDINAL), [{...nodeInfo(snapshot, 0), edge: null, distance: BASE_SYSTEM_DISTANCE}]);
	assert.throws(() => shortestRetainerPath(snapshot, 1), RangeError);
});

test('retained sizes: the root holds every byte, each node at least its own, an owner its 1 MB array', () => {
	const retained = retainedSizes(snapshot);
	const {dominator} = dominatorTree(snapshot);
	let total = 0;
	for (let ordinal = 0; ordinal < snapshot.nodeCount; ordinal++) {
		const self = snapshot.nodes[ordinal * snapshot.nodeFieldCount + snapshot.offsets.nodeSelfSize]!;
		total += self;
		assert.ok(retained[ordinal]! >= self, `node ${ordinal}`);
		if (ordinal !== ROOT_ORDINAL) assert.ok(retained[dominator[ordinal]!]! >= retained[ordinal]!, `dominator of ${ordinal}`);
	}
	assert.equal(retained[ROOT_ORDINAL], total);
	assert.equal(dominator[ROOT_ORDINAL], ROOT_ORDINAL);

	const owner = only('object', 'Owner');
	assert.ok(retained[ordinalOf(owner)]! >= MB, `Owner retains ${retained[ordinalOf(owner)]}`);
	// The Owner, not the global object, dominates its array: nothing else points at it.
	const path = shortestRetainerPath(snapshot, owner.nodeIndex)!;
	assert.equal(path.at(-1)!.name, 'global');
	const global = ordinalOf(path.at(-1)!);
	assert.ok(retained[global]! >= retained[ordinalOf(owner)]!);
	let arrays = 0;
	for (let ordinal = 0; ordinal < snapshot.nodeCount; ordinal++) {
		if (dominator[ordinal] === ordinalOf(owner) && retained[ordinal]! >= MB) arrays++;
	}
	assert.equal(arrays, 1, 'one MB-sized node directly under the Owner');
});

test('WeakRef targets are not retained by the WeakRef: the strong chain dominates them', () => {
	const retained = retainedSizes(snapshot);
	const {dominator} = dominatorTree(snapshot);
	const target = only('object', 'BehindWeakRef');
	const holder = shortestRetainerPath(snapshot, target.nodeIndex)![1]!;
	assert.equal(dominator[ordinalOf(target)], ordinalOf(holder));
	assert.ok(retained[ordinalOf(holder)]! >= retained[ordinalOf(target)]!);
});

test('a WeakMap value is retained by its key, as DevTools counts it, and sits past both key and table', () => {
	const {dominator} = dominatorTree(snapshot);
	const distance = distances(snapshot);
	const key = only('object', 'WeakMapKey');
	const value = only('object', 'WeakMapValue');
	assert.equal(dominator[ordinalOf(value)], ordinalOf(key));
	const path = shortestRetainerPath(snapshot, value.nodeIndex)!;
	assert.equal(path[1]!.edge!.type, 'internal');
	assert.match(path[1]!.edge!.name, /pair in WeakMap/);
	// The key is 6 steps out (the deepKey chain), the table 3 (weakMap -> table): the farther counts.
	assert.equal(distance[ordinalOf(value)], distance[ordinalOf(key)]! + 1);
});

test('distances match the retainer paths and every node is reached in a real snapshot', () => {
	const distance = distances(snapshot);
	assert.equal(distance.filter(d => d === NO_DISTANCE).length, 0);
	assert.equal(distance[ROOT_ORDINAL], BASE_SYSTEM_DISTANCE);
	// The same object from the cache, not a second BFS.
	assert.equal(distances(snapshot), distance);
});

test('the reverse index lists each edge once, under its target', () => {
	const first = firstEdgeIndexes(snapshot);
	const {firstRetainer, retainingEdge, retainingNode} = retainers(snapshot);
	assert.equal(first[snapshot.nodeCount], snapshot.edges.length);
	assert.equal(firstRetainer[snapshot.nodeCount], snapshot.edgeCount);
	const seen = new Uint8Array(snapshot.edgeCount);
	for (let ordinal = 0; ordinal < snapshot.nodeCount; ordinal++) {
		for (let slot = firstRetainer[ordinal]!; slot < firstRetainer[ordinal + 1]!; slot++) {
			const edgeIndex = retainingEdge[slot]!;
			assert.equal(snapshot.edges[edgeIndex + snapshot.offsets.edgeToNode], ordinal * snapshot.nodeFieldCount);
			const from = retainingNode[slot]!;
			assert.ok(first[from]! <= edgeIndex && edgeIndex < first[from + 1]!);
			seen[edgeIndex / snapshot.edgeFieldCount]!++;
		}
	}
	assert.ok(seen.every(count => count === 1));
});

// A hand-made graph where the answers are known. Nodes: [type, name, id, self_size, edge_count];
// edges: [type, name_or_index, to_node (ordinal x 5)].
function tinySnapshot(nodes: number[][], edges: number[][]): HeapSnapshot {
	return snapshotFromJson(
		JSON.stringify({
			snapshot: {
				meta: {
					node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'],
					node_types: [['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic']],
					edge_fields: ['type', 'name_or_index', 'to_node'],
					edge_types: [['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak']],
				},
				node_count: nodes.length,
				edge_count: edges.length,
			},
			nodes: nodes.flat(),
			edges: edges.map(([type, name, to]) => [type, name, to! * 5]).flat(),
			strings: ['', '(GC roots)', 'global', 'A', 'B', 'C', 'D', 'a', 'b', 'c', 'd', 'Cycle', 'weakOnly'],
		}),
	);
}

const [SYNTHETIC, OBJECT] = [9, 3];
const [ELEMENT, PROPERTY, SHORTCUT, WEAK] = [1, 2, 5, 6];

test('dominators on a known graph: a diamond, a weak-only node and an unreachable cycle', () => {
	// root -> (GC roots) -> global; root =shortcut=> global; global -> A, global -> B;
	// A -> C, B -> C (diamond: C is dominated by global); C -> D; global ~weak~> W;
	// X <-> Y kept only by each other.
	const snapshot = tinySnapshot(
		[
			[SYNTHETIC, 0, 1, 0, 2], // 0 root
			[SYNTHETIC, 1, 3, 0, 1], // 1 (GC roots)
			[OBJECT, 2, 5, 10, 3], // 2 global
			[OBJECT, 3, 7, 100, 1], // 3 A
			[OBJECT, 4, 9, 1000, 1], // 4 B
			[OBJECT, 5, 11, 10000, 1], // 5 C
			[OBJECT, 6, 13, 100000, 0], // 6 D
			[OBJECT, 12, 15, 7, 0], // 7 W
			[OBJECT, 11, 17, 20, 1], // 8 X
			[OBJECT, 11, 19, 30, 1], // 9 Y
		],
		[
			[ELEMENT, 1, 1],
			[SHORTCUT, 2, 2],
			[ELEMENT, 1, 2],
			[PROPERTY, 7, 3],
			[PROPERTY, 8, 4],
			[WEAK, 12, 7],
			[PROPERTY, 9, 5],
			[PROPERTY, 9, 5],
			[PROPERTY, 10, 6],
			[PROPERTY, 7, 9],
			[PROPERTY, 8, 8],
		],
	);
	const {dominator, retainedSize} = dominatorTree(snapshot);
	assert.deepEqual([...dominator], [0, 0, 0, 2, 2, 2, 5, 0, 0, 0]);
	assert.deepEqual([...retainedSize], [111167, 0, 111110, 100, 1000, 110000, 100000, 7, 20, 30]);
	assert.deepEqual([...distances(snapshot)], [BASE_SYSTEM_DISTANCE, BASE_SYSTEM_DISTANCE + 1, 1, 2, 2, 3, 4, NO_DISTANCE, NO_DISTANCE, NO_DISTANCE]);
	assert.equal(shortestRetainerPath(snapshot, 7 * 5), null, 'only a weak edge reaches W');
	assert.equal(shortestRetainerPath(snapshot, 8 * 5), null);
	assert.deepEqual(
		shortestRetainerPath(snapshot, 6 * 5)!.map(step => [step.name, step.edge?.name]),
		[
			['D', undefined],
			['C', 'd'],
			['A', 'c'],
			['global', 'a'],
		],
	);
});

test('a corrupt graph is refused with a SnapshotFormatError', () => {
	const bad = tinySnapshot(
		[
			[SYNTHETIC, 0, 1, 0, 1],
			[OBJECT, 3, 3, 1, 0],
		],
		[[PROPERTY, 7, 1]],
	);
	bad.edges[2] = 7; // not the start of a node
	assert.throws(() => retainers(bad), SnapshotFormatError);
	const short = tinySnapshot(
		[
			[SYNTHETIC, 0, 1, 0, 2],
			[OBJECT, 3, 3, 1, 0],
		],
		[[PROPERTY, 7, 1]],
	);
	assert.throws(() => firstEdgeIndexes(short), SnapshotFormatError);
});

test('distances, retained sizes and path lengths agree with Chrome DevTools on the same file', async () => {
	const devtools = await DevtoolsSnapshot.load(snapshotPath);
	const distance = distances(snapshot);
	const retained = retainedSizes(snapshot);
	// DevTools finds a node by id with a linear search: a spread of 1000 nodes, not all of them.
	const step = Math.max(1, Math.floor(snapshot.nodeCount / 1000));
	let compared = 0;
	for (let ordinal = 0; ordinal < snapshot.nodeCount; ordinal += step) {
		const mine = nodeInfo(snapshot, ordinal * snapshot.nodeFieldCount);
		const theirs = devtools.node(mine.id);
		assert.ok(theirs, `DevTools has node @${mine.id}`);
		assert.equal(distance[ordinal], theirs.distance, `distance of ${mine.type} ${mine.name} @${mine.id}`);
		// DevTools first hands the self size of `hidden` and `array` nodes with a single owner
		// to that owner (calculateShallowSizes); that changes only those nodes' retained sizes.
		if (mine.type === 'hidden' || mine.type === 'array') continue;
		assert.equal(retained[ordinal], theirs.retainedSize, `retained size of ${mine.type} ${mine.name} @${mine.id}`);
		compared++;
	}
	assert.ok(compared > 500, `compared ${compared}`);
	for (const name of ['Leaky', 'BehindWeakRef', 'WeakMapKey', 'Owner']) {
		const node = only('object', name);
		assert.equal(shortestRetainerPath(snapshot, node.nodeIndex)!.length - 1, devtools.retainerPath(node.id)!.length, name);
	}
});
