import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, test} from 'node:test';
import {aggregateClasses, type ClassAggregate, classifyNodes, classNameOf, type NodeClasses} from '../../../src/model/heap-snapshot/classes.js';
import type {HeapSnapshot} from '../../../src/model/heap-snapshot/snapshot.js';
import {DevtoolsSnapshot} from '../../helpers/devtools-snapshot.js';
import {writeSnapshot} from '../../helpers/heap-snapshots.js';
import {snapshotFromJson} from '../../helpers/snapshot-json.js';

// Known numbers of instances of names no Node built-in uses.
const fixture = `(() => {
class Leaky { constructor(i) { this.i = i; this.payload = 'leaky-' + i; } }
globalThis.leaky = Array.from({length: 1000}, (_, i) => new Leaky(i));
// Not written as a literal: V8 would keep one more such object as the literal's boilerplate.
globalThis.shapes = Array.from({length: 400}, (_, i) => {
	const o = new Object();
	o.leakyAlpha = 'a' + i;
	o.leakyBeta = [];
	return o;
});
globalThis.patterns = Array.from({length: 50}, (_, i) => new RegExp('leaky' + i));
globalThis.closures = Array.from({length: 300}, (_, i) => () => i);
globalThis.joined = Array.from({length: 200}, (_, i) => globalThis.leaky[i].payload + '-joined-with-a-long-enough-tail');
})();`;

let dir: string;
let path: string;
let snapshot: HeapSnapshot;
let classes: NodeClasses;
let rows: ClassAggregate[];

before(async () => {
	dir = mkdtempSync(join(tmpdir(), 'leaktop-classes-'));
	path = await writeSnapshot(dir, fixture);
	snapshot = snapshotFromJson(readFileSync(path, 'utf8'));
	classes = classifyNodes(snapshot);
	rows = aggregateClasses(classes);
});

after(() => rmSync(dir, {recursive: true, force: true}));

function row(name: string): ClassAggregate {
	const found = rows.filter(r => r.name === name);
	assert.equal(found.length, 1, `one row named ${name}: ${JSON.stringify(found)}`);
	return found[0]!;
}

test('constructors, plain-object shapes and regexps have exactly the instances the process made', () => {
	const leaky = row('Leaky');
	assert.equal(leaky.count, 1000);
	assert.match(leaky.key, /^\d+,\d+,\d+,Leaky$/, 'a class with a constructor in a script is keyed by its location');
	// Every instance has the same layout: the same self size.
	assert.equal(leaky.selfSize % 1000, 0);
	assert.ok(leaky.selfSize > 0);
	assert.equal(row('{leakyAlpha, leakyBeta}').count, 400);
	assert.ok(row('RegExp').count >= 50);
});

test('node types get the names of DevTools Summary view', () => {
	const names = new Set(rows.map(r => r.name));
	for (const name of ['(system)', '(compiled code)', 'Function', '(string)', '(concatenated string)', '(object shape)', 'Object', 'Array']) {
		assert.ok(names.has(name), `${name} in ${[...names].join(' | ')}`);
	}
	assert.ok(!names.has('(closure)'), 'closures are Function in this DevTools version');
	assert.ok(row('Function').count >= 300);
	assert.ok(row('(concatenated string)').count >= 200);
});

test('classNameOf names one node', () => {
	const {nodes, nodeFieldCount: nf, offsets: o, strings} = snapshot;
	let seen = 0;
	for (let p = 0; p < nodes.length; p += nf) {
		if (strings.get(nodes[p + o.nodeName]!) === 'Leaky' && snapshot.meta.nodeTypes[nodes[p + o.nodeType]!] === 'object') {
			assert.equal(classNameOf(classes, p, nf), 'Leaky');
			seen++;
		}
	}
	assert.equal(seen, 1000);
});

test('sizes move from owned arrays to their owner but none is lost, and rows come largest first', () => {
	const {nodes, nodeFieldCount: nf, offsets: o} = snapshot;
	let raw = 0;
	for (let p = 0; p < nodes.length; p += nf) raw += nodes[p + o.nodeSelfSize]!;
	assert.equal(
		rows.reduce((sum, r) => sum + r.selfSize, 0),
		raw,
	);
	// The store holding the 1000 instances counts in the `leaky` Array's own size: 1000 pointers more.
	const {edges, edgeFieldCount: ef} = snapshot;
	const property = snapshot.meta.edgeTypes.indexOf('property');
	const arrays = new Set<number>();
	for (let e = 0; e < edges.length; e += ef) {
		if (edges[e + o.edgeType] !== property || snapshot.strings.get(edges[e + o.edgeNameOrIndex]!) !== 'leaky') continue;
		const to = edges[e + o.edgeToNode]!;
		if (snapshot.strings.get(nodes[to + o.nodeName]!) === 'Array') arrays.add(to);
	}
	assert.equal(arrays.size, 1);
	const [array] = arrays;
	assert.ok(classes.selfSizes[array! / nf]! >= nodes[array! + o.nodeSelfSize]! + 1000 * 4);
	for (let k = 1; k < rows.length; k++) assert.ok(rows[k - 1]!.selfSize >= rows[k]!.selfSize);
});

test('counts and self sizes match Chrome DevTools Summary, row by row', async () => {
	const devtools = (await DevtoolsSnapshot.load(path)).summaryRows();
	const ours = new Map(rows.map(r => [r.key, r]));
	assert.equal(ours.size, rows.length, 'keys are unique');
	assert.deepEqual(
		devtools.map(r => [r.classKey, r.name, r.count, r.selfSize]).sort(),
		devtools.map(r => {
			const mine = ours.get(r.classKey);
			return [r.classKey, mine?.name, mine?.count, mine?.selfSize];
		}).sort(),
	);
	assert.equal(devtools.length, rows.length);
});
