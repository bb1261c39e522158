import assert from 'node:assert/strict';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {devtoolsDiff, devtoolsSummary, DevtoolsSnapshot, loadDevtools} from './devtools-snapshot.js';
import {type SnapshotPair, snapshotPair, writeSnapshot} from './heap-snapshots.js';

/** The cache fixture's leaked record (test/fixtures/leaks/common.ts `record`) as DevTools names its shape: only pointer-valued properties are edges. */
const payloadClass = '{user, items, history, notes}';

describe('DevTools heap snapshot code as an oracle', () => {
	let dir: string;
	let pair: SnapshotPair;
	let base: DevtoolsSnapshot;
	let next: DevtoolsSnapshot;

	before(async () => {
		dir = await mkdtemp(join(tmpdir(), 'leaktop-devtools-oracle-'));
		// 30 MB/min: about 25 kB retained per request, 20 requests a second.
		pair = await snapshotPair('leaks/cache', dir, {growMs: 1000, minGrowthBytes: 300_000, args: ['--rate', '30']});
	});
	after(async () => {
		await rm(dir, {recursive: true, force: true});
	});

	test('transpiles once, then loads a snapshot of a fixture', async t => {
		let started = performance.now();
		await loadDevtools();
		t.diagnostic(`DevTools transpile (or cache reuse) + import: ${Math.round(performance.now() - started)} ms`);
		started = performance.now();
		base = await DevtoolsSnapshot.load(pair.base);
		t.diagnostic(`first load: ${Math.round(performance.now() - started)} ms`);
		started = performance.now();
		next = await DevtoolsSnapshot.load(pair.next);
		t.diagnostic(`second load: ${Math.round(performance.now() - started)} ms`);
	});

	test('the Summary has the usual classes, with counts and sizes', () => {
		const summary = next.summary();
		for (const name of ['Object', '(string)', 'Function', '(compiled code)', '(system)', 'Array', 'Map', payloadClass]) {
			const entry = summary.get(name);
			assert.ok(entry && entry.count > 0 && entry.selfSize > 0, `${name}: ${JSON.stringify(entry)}`);
		}
		assert.equal(summary.get('(closure)'), undefined, 'this DevTools names closures Function');
		const rows = next.summaryRows();
		assert.equal(rows.reduce((sum, row) => sum + row.count, 0), [...summary.values()].reduce((sum, entry) => sum + entry.count, 0));
		assert.ok(rows.every(row => row.classKey.endsWith(`,${row.name}`)), 'class keys end with the name');
	});

	test('the Comparison shows the cached records as new and none deleted, matched by id', async () => {
		const diff = next.diff(base);
		const payload = diff.get(payloadClass);
		assert.ok(payload, [...diff.keys()].join(' | '));
		assert.equal(payload.removedCount, 0);
		assert.ok(payload.countDelta > 0 && payload.sizeDelta > 0, JSON.stringify(payload));
		const row = next.diffRows(base).find(r => r.name === payloadClass)!;
		assert.equal(row.addedIds.length, payload.addedCount);
		for (const id of row.addedIds) {
			assert.equal(next.node(id)?.name, payloadClass);
			assert.equal(base.node(id), null, `new record @${id} is not in the base`);
		}
		// The other records of the class were there before (the base may name them differently:
		// the diff classifies it by the newer snapshot's shapes).
		const added = new Set(row.addedIds);
		const kept = next.instanceIds(payloadClass).filter(id => !added.has(id));
		assert.equal(kept.length + payload.addedCount, next.summary().get(payloadClass)!.count);
		for (const id of kept) assert.notEqual(base.node(id), null, `old record @${id} is in the base`);
		assert.ok(diff.get('(string)')!.countDelta > 0, 'the cache keys and record texts are new strings');
		// The path-based export agrees with the handles.
		assert.deepEqual(await devtoolsDiff(pair.base, pair.next), diff);
	});

	test('a new record is retained through the Map: retainer path and retained size', () => {
		const row = next.diffRows(base).find(r => r.name === payloadClass)!;
		// V8 may also reach the newest literal through an allocation site's feedback (a path as
		// short as the Map's), so the Map is asked of most records, not of one.
		const ids = row.addedIds.slice(0, 10);
		const throughMap = ids.filter(id => {
			const info = next.node(id)!;
			assert.equal(info.name, payloadClass);
			assert.ok(info.retainedSize > info.selfSize, JSON.stringify(info));
			const path = next.retainerPath(id)!;
			assert.equal(path.length, info.distance - 1, JSON.stringify(path));
			return path.some(step => step.name === 'Map' && step.edgeName === 'table');
		});
		assert.ok(throughMap.length >= ids.length - 1, `${throughMap.length} of ${ids.length} new records retained through the Map's table`);
		assert.equal(next.node(2 ** 31), null);
	});

	test('a hand-made heap: exactly the instances the script keeps', async () => {
		const path = await writeSnapshot(dir, 'class Kept { constructor(i) { this.box = {i}; } }\nglobalThis.kept = Array.from({length: 1234}, (_, i) => new Kept(i));');
		const summary = await devtoolsSummary(path);
		const kept = summary.get('Kept');
		assert.equal(kept?.count, 1234);
		// All instances are alike: the self size is a whole multiple of the count.
		assert.ok(kept.selfSize > 0 && kept.selfSize % 1234 === 0, JSON.stringify(kept));
	});
});
