/** `leaktop diff`: real snapshots of the leak fixtures, compared as a user runs it. */
import assert from 'node:assert/strict';
import type {Finding} from '../../src/model/findings.js';
import {copyFile, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {assertFailsWith, assertOk, runCli} from '../helpers/cli.js';
import {devtoolsDiff} from '../helpers/devtools-snapshot.js';
import {type SnapshotPair, snapshotPair, writeSnapshot} from '../helpers/heap-snapshots.js';

/** The cache fixture's record (test/fixtures/leaks/common.ts) as DevTools names its shape. */
const recordClass = '{user, items, history, notes}';

interface DiffJson {
	base: {path: string; bytes: number; nodeCount: number};
	next: {path: string; bytes: number; nodeCount: number};
	comparable: boolean;
	reason: string | null;
	classes: Array<{name: string; newCount: number | null; deletedCount: number | null; countDelta: number; sizeDelta: number}>;
	findings: Finding[];
	retainers?: {
		name: string;
		which: string;
		total: number;
		instances: Array<{
			retainedSize: number;
			retainers: Array<{edge: string; node: string}> | null;
			closure: {functionName: string; location: {scriptName: string | null; line: number} | null; scopes: Array<{variables: Array<{variable: string; retainedSize?: number}>}>} | null;
		}>;
	};
}

let dir: string;
let cache: SnapshotPair;

before(async () => {
	dir = await mkdtemp(join(tmpdir(), 'leaktop-cli-diff-'));
	cache = await snapshotPair('leaks/cache', dir, {growMs: 1000, minGrowthBytes: 300_000, args: ['--rate', '30']});
});
after(async () => {
	await rm(dir, {recursive: true, force: true});
});

const diffJson = async (args: string[]) => {
	const result = await runCli(['diff', ...args, '--json'], {timeoutMs: 60_000});
	assertOk(result);
	return JSON.parse(result.stdout) as DiffJson;
};

describe('leaktop diff on two snapshots of one process', () => {
	test('prints the Comparison table, largest size delta first, with the leaking class growing', async () => {
		const result = await runCli(['diff', cache.base, cache.next, '--top', '15'], {timeoutMs: 60_000});
		assertOk(result);
		const [table, finding] = result.stdout.trimEnd().split('\n\n');
		assert.match(finding ?? '', /^finding: cache leak: /, 'the finding follows the table');
		const [header, ...rows] = table!.split('\n');
		assert.match(header!, /^Class +#New +#Deleted +#Delta +Alloc\. Size +Freed Size +Size Delta$/);
		assert.ok(rows.length > 0 && rows.length <= 15, `${rows.length} rows`);
		const record = rows.find(row => row.startsWith(recordClass));
		assert.ok(record, `a ${recordClass} row in:\n${result.stdout}`);
		assert.match(record, /^\S.*\s+([\d,]+)\s+0\s+\+[\d,]+\s/, 'new records, none deleted');
		assert.match(result.stderr, /^leaktop: \S+\.heapsnapshot \([\d.]+ [KMG]?B, [\d,]+ objects\) -> \S+\.heapsnapshot \(.*\), compared in /m);
	});

	test('--json has the contract fields and agrees with Chrome DevTools on every class', async () => {
		const json = await diffJson([cache.base, cache.next, '--top', '1000']);
		assert.equal(json.comparable, true);
		assert.equal(json.reason, null);
		const devtools = await devtoolsDiff(cache.base, cache.next);
		assert.equal(json.classes.length, devtools.size, 'one row per changed class, as in DevTools');
		for (const row of json.classes) {
			for (const key of ['name', 'newCount', 'deletedCount', 'countDelta', 'sizeDelta']) assert.ok(key in row, `${key} in ${JSON.stringify(row)}`);
			const theirs = devtools.get(row.name);
			assert.ok(theirs, `DevTools has ${row.name}`);
			assert.deepEqual(
				{newCount: row.newCount, deletedCount: row.deletedCount, sizeDelta: row.sizeDelta},
				{newCount: theirs.addedCount, deletedCount: theirs.removedCount, sizeDelta: theirs.sizeDelta},
				row.name,
			);
		}
		const sizes = json.classes.map(c => c.sizeDelta);
		assert.deepEqual(sizes, [...sizes].sort((a, b) => b - a), 'sorted by size delta');
		// The finding: the records grow, held by the Map the program calls `cache`.
		const [finding] = json.findings;
		assert.equal(finding?.pattern, 'cache', JSON.stringify(json.findings));
		assert.match(finding!.sentence, new RegExp(`^cache leak: [\\d,]+ new ${recordClass.replace(/[{}]/g, '\\$&')} objects \\(retaining [\\d.]+ [KMG]?B\\) pile up in a Map cache that nothing evicts; bound the collection`));
		assert.ok(finding!.retainers.some(line => /^table in Map @\d+$/.test(line)), finding!.retainers.join('\n'));
		assert.equal(finding!.advice.docs, 'Diagnostics: Memory, Using Heap Snapshot');
	});

	test('--retainers shows the new records and their path from a GC root through the cache Map', async () => {
		const result = await runCli(['diff', cache.base, cache.next, '--top', '3', '--retainers', recordClass], {timeoutMs: 60_000});
		assertOk(result);
		assert.match(result.stdout, new RegExp(`^New ${recordClass.replace(/[{}]/g, '\\$&')} objects: [\\d,]+, retaining [\\d.]+ [KMG]?B; the \\d that retain the most`, 'm'));
		assert.match(result.stdout, /^ {2}<- table in Map @\d+$/m);
		const json = await diffJson([cache.base, cache.next, '--retainers', recordClass]);
		const found = json.retainers!;
		assert.equal(found.which, 'new');
		assert.equal(found.total, json.classes.find(c => c.name === recordClass)!.newCount);
		assert.ok(found.instances.length > 0 && found.instances.length <= 5);
		for (const instance of found.instances) assert.ok(instance.retainedSize > 1000, 'a record retains its items and strings');
		// The newest literal can also be reached through V8's allocation-site feedback, as near as the Map.
		const throughMap = found.instances.filter(instance => instance.retainers?.some(step => step.node.startsWith('Map @')));
		assert.ok(throughMap.length >= found.instances.length - 1, JSON.stringify(found.instances.map(i => i.retainers)));
	});
});

test('closure leak: --retainers Function names the kept function, its file, and the order its scope keeps', async () => {
	const closure = await snapshotPair('leaks/closure', dir, {growMs: 1000, minGrowthBytes: 300_000, args: ['--rate', '30']});
	const json = await diffJson([closure.base, closure.next, '--retainers', 'Function']);
	const kept = json.retainers!.instances.map(i => i.closure!).find(c => /leaks\/closure\.js$/.test(c.location?.scriptName ?? ''));
	assert.ok(kept, JSON.stringify(json.retainers!.instances.map(i => i.closure?.location)));
	const [finding] = json.findings;
	assert.equal(finding?.pattern, 'closure', JSON.stringify(json.findings));
	assert.match(finding!.site?.url ?? '', /leaks\/closure\.js$/, 'the function whose context keeps the orders');
	assert.ok(finding!.retainers.some(line => /^order in system \/ Context @\d+$/.test(line)), finding!.retainers.join('\n'));
	const variables = kept.scopes.flatMap(scope => scope.variables);
	const order = variables.find(v => v.variable === 'order');
	const summary = variables.find(v => v.variable === 'summary');
	assert.ok(order && summary, `captured: ${variables.map(v => v.variable).join(', ')}`);
	assert.ok(order.retainedSize! > 10 * summary.retainedSize!, `order retains ${order.retainedSize}, summary ${summary.retainedSize}`);

	// The same leak seen from its growing scopes: each names the function it belongs to.
	const result = await runCli(['diff', closure.base, closure.next, '--top', '1', '--retainers', 'system / Context'], {timeoutMs: 60_000});
	assertOk(result);
	assert.match(result.stdout, /^ {2}the scope of function \S+ at \S*leaks\/closure\.js:\d+:\d+$/m);
	assert.match(result.stdout, /^ {2}its scope keeps: .*\border \(/m);
	assert.match(result.stdout, /^finding: closure leak: [\d,]+ new \S.* objects \(retaining .*\) are kept alive through the context of \(closure\) .*, created in \S+ closure\.js:\d+; capture only the fields/m);
});

test('closures kept in an array, each scope keeping a big object: the finding is the kept object and the closure, not the array', async () => {
	// Few classes grow here, so the small closures are among the candidates, and they retain more
	// than the orders they keep (their contexts hold the orders): the orders still name the leak.
	const base = join(dir, 'kept-base.heapsnapshot');
	const next = await writeSnapshot(
		dir,
		`class Order { constructor(i) { this.items = Array.from({length: 300}, (_, j) => 'item ' + i + ' ' + j); } }
		const queue = [];
		globalThis.queue = queue;
		function place(order) {
			const summary = 'order of ' + order.items.length;
			const validate = () => order.items.length > 0;
			queue.push(() => summary);
			return validate();
		}
		require('node:v8').writeHeapSnapshot(${JSON.stringify(base)});
		for (let i = 0; i < 60; i++) place(new Order(i));`,
		{name: 'kept-next'},
	);
	const json = await diffJson([base, next]);
	assert.ok(json.classes.some(row => row.name === 'Function' && row.newCount! >= 60), 'the closures grew too');
	const [finding] = json.findings;
	assert.equal(finding?.pattern, 'closure', JSON.stringify(json.findings));
	assert.match(finding!.sentence, /^closure leak: 60 new Order objects .* kept alive through the context of \(closure\) \(anonymous\), created in .*\[eval\]:7;/);
	assert.ok(finding!.retainers.some(line => /^order in system \/ Context @\d+$/.test(line)), finding!.retainers.join('\n'));
});

test('snapshots of two processes: says the ids are not comparable and compares class counts', async () => {
	const other = await writeSnapshot(dir, 'globalThis.keep = Array.from({length: 5000}, (_, i) => ({other: "x" + i}));');
	const result = await runCli(['diff', cache.base, other], {timeoutMs: 60_000});
	assertOk(result);
	assert.match(result.stderr, /^leaktop: ids not comparable: only [\d.]+ % of shared ids name the same objects, so these are snapshots of different processes; comparing class counts only$/m);
	assert.match(result.stdout.split('\n')[0]!, /^Class +Count A +Count B +#Delta +Size A +Size B +Size Delta$/);
	const json = await diffJson([cache.base, other]);
	assert.equal(json.comparable, false);
	assert.ok(json.classes.every(c => c.newCount === null && c.deletedCount === null && typeof c.countDelta === 'number'));

	// leaktop's own file names carry the pid: different pids are never compared by id.
	const renamed = [join(dir, 'api-7d9-100-20261125T100000.heapsnapshot'), join(dir, 'api-7d9-200-20261125T101000.heapsnapshot')] as const;
	await copyFile(cache.base, renamed[0]);
	await copyFile(cache.next, renamed[1]);
	const byName = await diffJson([...renamed]);
	assert.equal(byName.comparable, false);
	assert.match(byName.reason!, /^different processes \(api-7d9 pid 100, api-7d9 pid 200\); comparing class counts only$/);
});

test('bad input: one clear line and exit 2', async () => {
	const text = await readFile(cache.next, 'utf8');
	const truncated = join(dir, 'truncated.heapsnapshot');
	await writeFile(truncated, text.slice(0, Math.floor(text.length * 0.6)));
	const notSnapshot = join(dir, 'profile.heapprofile');
	await writeFile(notSnapshot, '{"head":{"callFrame":{}},"samples":[]}');
	assertFailsWith(await runCli(['diff', cache.base, truncated]), /truncated\.heapsnapshot: truncated heap snapshot: the file ends inside the \w+ section \(\d+ % of the \w+ read\)$/);
	assertFailsWith(await runCli(['diff', cache.base, notSnapshot]), /profile\.heapprofile: not a V8 heap snapshot/);
	assertFailsWith(await runCli(['diff', cache.base, join(dir, 'missing.heapsnapshot')]), /^cannot read .*missing\.heapsnapshot: no such file$/);
	assertFailsWith(await runCli(['diff', cache.base, dir]), /is a directory, not a heap snapshot$/);
	assertFailsWith(await runCli(['diff', cache.base]), 'leaktop diff takes two heap snapshot files, the earlier first (got 1; see leaktop --help)');
	assertFailsWith(await runCli(['diff', cache.base, cache.next, '--top', 'all']), 'invalid --top "all": must be a positive integer');
	assertFailsWith(await runCli(['diff', cache.base, cache.next, '--retainers', 'NoSuchClass'], {timeoutMs: 60_000}), /^no class "NoSuchClass" with new objects in the later snapshot \(the top classes: /);
});
