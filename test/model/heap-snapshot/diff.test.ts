import assert from 'node:assert/strict';
import {mkdirSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, test} from 'node:test';
import {aggregateClasses} from '../../../src/model/heap-snapshot/classes.js';
import {type ClassDiff, comparability, diffSnapshots, newInstances, type SnapshotDiff} from '../../../src/model/heap-snapshot/diff.js';
import type {HeapSnapshot} from '../../../src/model/heap-snapshot/snapshot.js';
import {DevtoolsSnapshot} from '../../helpers/devtools-snapshot.js';
import {track, type Spawned} from '../../helpers/processes.js';
import {snapshotFromJson} from '../../helpers/snapshot-json.js';
import {waitFor} from '../../helpers/wait.js';

// One process, three snapshots: 1000 Leaky; 500 more; 200 of the first ones dropped, and a
// plain object that gains a property (so changes shape, hence class).
const fixture = `
const v8 = require('node:v8');
const {join} = require('node:path');
class Leaky { constructor(i) { this.i = i; this.payload = 'leaky-' + i; } }
const kept = [];
for (let i = 0; i < 1000; i++) kept.push(new Leaky(i));
const shaped = Array.from({length: 10}, (_, i) => ({leakyAlpha: 'a' + i}));
v8.writeHeapSnapshot(join(process.env.SNAPSHOT_DIR, 'a.heapsnapshot'));
for (let i = 1000; i < 1500; i++) kept.push(new Leaky(i));
v8.writeHeapSnapshot(join(process.env.SNAPSHOT_DIR, 'b.heapsnapshot'));
kept.splice(0, 200);
for (const o of shaped) o.leakyGamma = {};
v8.writeHeapSnapshot(join(process.env.SNAPSHOT_DIR, 'c.heapsnapshot'));
`;

let dir: string;
const children: Spawned[] = [];
let a: HeapSnapshot;
let b: HeapSnapshot;
let c: HeapSnapshot;
let other: HeapSnapshot;

async function snapshotsOfOneProcess(name: string): Promise<string> {
	const out = join(dir, name);
	mkdirSync(out);
	const child = track(process.execPath, ['-e', fixture], {env: {...process.env, SNAPSHOT_DIR: out}});
	children.push(child);
	await waitFor(() => child.child.exitCode !== null || child.child.signalCode !== null, {timeoutMs: 60_000, what: `the ${name} snapshot child to exit`});
	assert.equal(child.child.exitCode, 0, child.stderr());
	return out;
}

before(async () => {
	dir = mkdtempSync(join(tmpdir(), 'leaktop-diff-'));
	const [one, two] = await Promise.all([snapshotsOfOneProcess('one'), snapshotsOfOneProcess('two')]);
	const load = (path: string) => snapshotFromJson(readFileSync(path, 'utf8'));
	a = load(join(one, 'a.heapsnapshot'));
	b = load(join(one, 'b.heapsnapshot'));
	c = load(join(one, 'c.heapsnapshot'));
	// The same script in another process: the hardest case, ids assigned in nearly the same order.
	other = load(join(two, 'b.heapsnapshot'));
});

after(async () => {
	for (const child of children) await child.kill();
	rmSync(dir, {recursive: true, force: true});
});

function comparable(diff: SnapshotDiff): SnapshotDiff & {comparable: true} {
	assert.ok(diff.comparable, JSON.stringify(diff.comparability));
	return diff;
}

function row(diff: SnapshotDiff & {comparable: true}, name: string): ClassDiff {
	const found = diff.classes.filter(r => r.name === name);
	assert.equal(found.length, 1, `one row named ${name}`);
	return found[0]!;
}

function leakySize(snapshot: HeapSnapshot): number {
	const leaky = aggregateClasses(snapshot).find(r => r.name === 'Leaky')!;
	return leaky.selfSize / leaky.count;
}

test('500 more instances in one process: #new 500, #deleted 0, sizes from the instances', () => {
	const diff = comparable(diffSnapshots(a, b));
	const leaky = row(diff, 'Leaky');
	assert.equal(leaky.newCount, 500);
	assert.equal(leaky.deletedCount, 0);
	assert.equal(leaky.countDelta, 500);
	assert.equal(leaky.allocSize, 500 * leakySize(b));
	assert.equal(leaky.freedSize, 0);
	assert.equal(leaky.sizeDelta, leaky.allocSize);
	assert.equal(aggregateClasses(a).find(r => r.name === 'Leaky')!.count, 1000);
	assert.equal(aggregateClasses(b).find(r => r.name === 'Leaky')!.count, 1500);
});

test('dropping 200 instances shows as #deleted; an object that changed shape moves between classes', () => {
	const diff = comparable(diffSnapshots(b, c));
	const leaky = row(diff, 'Leaky');
	assert.equal(leaky.newCount, 0);
	assert.equal(leaky.deletedCount, 200);
	assert.equal(leaky.countDelta, -200);
	assert.equal(leaky.freedSize, 200 * leakySize(b));
	assert.equal(leaky.sizeDelta, -leaky.freedSize);
	// The same 10 objects, now with one more property: DevTools counts them deleted from one class
	// (they were too few for a shape of their own then: Object) and new in the other.
	const gained = row(diff, '{leakyAlpha, leakyGamma}');
	assert.equal(gained.newCount, 10);
	assert.ok(row(diff, 'Object').deletedCount >= 10);
	const idsInB = new Set<number>();
	for (let p = 0; p < b.nodes.length; p += b.nodeFieldCount) idsInB.add(b.nodes[p + b.offsets.nodeId]!);
	for (const p of newInstances(diff, gained.key, c.nodeFieldCount)) assert.ok(idsInB.has(c.nodes[p + c.offsets.nodeId]!));
});

test('rows are classes that changed, largest size delta first', () => {
	const diff = comparable(diffSnapshots(a, b));
	assert.ok(diff.classes.length > 1);
	for (const r of diff.classes) {
		assert.ok(r.newCount > 0 || r.deletedCount > 0);
		assert.equal(r.countDelta, r.newCount - r.deletedCount);
		assert.equal(r.sizeDelta, r.allocSize - r.freedSize);
	}
	for (let k = 1; k < diff.classes.length; k++) assert.ok(diff.classes[k - 1]!.sizeDelta >= diff.classes[k]!.sizeDelta);
	assert.deepEqual(diffSnapshots(a, b).classes, diff.classes, 'the same order every time');
});

test('the new instances of a class are the later snapshot nodes whose ids the earlier one lacks', () => {
	const diff = comparable(diffSnapshots(a, b));
	const leaky = row(diff, 'Leaky');
	const found = newInstances(diff, leaky.key, b.nodeFieldCount);
	assert.equal(found.length, 500);
	const {nodes, offsets: o, strings} = b;
	const idsInA = new Set<number>();
	for (let p = 0; p < a.nodes.length; p += a.nodeFieldCount) idsInA.add(a.nodes[p + a.offsets.nodeId]!);
	for (const p of found) {
		assert.equal(strings.get(nodes[p + o.nodeName]!), 'Leaky');
		assert.ok(!idsInA.has(nodes[p + o.nodeId]!));
	}
	assert.equal(newInstances(diff, 'no such class', b.nodeFieldCount).length, 0);
});

test('snapshots of one process are comparable in either order; of two processes of the same script, not', () => {
	assert.equal(comparability(a, b).sameProcess, true);
	assert.equal(comparability(c, a).sameProcess, true);
	const across = comparability(a, other);
	assert.equal(across.sameProcess, false, JSON.stringify(across));
	assert.ok(across.checked > 1000, 'many ids exist in both, so ids alone cannot tell');
});

test('two processes: class counts only, by class name', () => {
	const diff = diffSnapshots(a, other);
	assert.ok(!diff.comparable);
	const leaky = diff.classes.find(r => r.name === 'Leaky')!;
	assert.equal(leaky.baseCount, 1000);
	assert.equal(leaky.count, 1500);
	assert.equal(leaky.countDelta, 500);
	assert.equal(leaky.sizeDelta, 500 * leakySize(other));
	assert.ok(!('newCount' in leaky));
});

test('#new, #deleted and sizes match Chrome DevTools Comparison, row by row', async () => {
	const one = join(dir, 'one');
	const load = (name: string) => DevtoolsSnapshot.load(join(one, `${name}.heapsnapshot`));
	const [devA, devB, devC] = [await load('a'), await load('b'), await load('c')];
	for (const [base, next, devBase, devNext] of [
		[a, b, devA, devB],
		[b, c, devB, devC],
	] as const) {
		const ours = comparable(diffSnapshots(base, next));
		const devtools = devNext.diffRows(devBase);
		const shape = (key: string, name: string | undefined, added?: number, removed?: number, addedSize?: number, removedSize?: number) => [key, name, added, removed, addedSize, removedSize];
		const byKey = new Map(ours.classes.map(r => [r.key, r]));
		assert.deepEqual(
			devtools.map(r => shape(r.classKey, r.name, r.addedCount, r.removedCount, r.addedSize, r.removedSize)).sort(),
			devtools.map(r => {
				const mine = byKey.get(r.classKey);
				return shape(r.classKey, mine?.name, mine?.newCount, mine?.deletedCount, mine?.allocSize, mine?.freedSize);
			}).sort(),
		);
		assert.equal(ours.classes.length, devtools.length);
	}
});
