import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';
import {LeaktopError, TimeoutError} from '../../src/errors.js';
import {type ListenerRow, takeListenerCensus, type TakenListenerCensus} from '../../src/inspector/census.js';
import {InspectorSession} from '../../src/inspector/session.js';
import {listenerGrowth} from '../../src/model/listeners.js';
import {httpGet, startTarget, type Target} from '../helpers/target.js';
import {waitFor} from '../helpers/wait.js';

function find(census: TakenListenerCensus, emitter: string, event: string): ListenerRow | undefined {
	return census.rows.find(r => r.emitter === emitter && r.event === event);
}

function row(census: TakenListenerCensus, emitter: string, event: string): ListenerRow {
	const found = find(census, emitter, event);
	assert.ok(found, `no row for ${emitter} ${event} in ${JSON.stringify(census.rows)}`);
	return found;
}

/** Forces full GCs until the fixture's WeakRef to its Ephemeral emitter says `alive`. */
async function waitEphemeral(session: InspectorSession, target: Target, alive: boolean): Promise<void> {
	await waitFor(
		async () => {
			await session.send('HeapProfiler.collectGarbage', undefined, 10_000);
			return (await httpGet(target.httpPort!, '/ephemeral/alive')) === String(alive);
		},
		{what: `the Ephemeral emitter to be ${alive ? 'alive' : 'collected'}`},
	);
}

describe('listener census against a real target', () => {
	let target: Target;
	let session: InspectorSession;
	before(async () => {
		target = await startTarget('emitters');
		session = await InspectorSession.connect(target.webSocketUrl);
	});
	after(async () => {
		await session?.close();
		await target?.kill();
	});

	test('counts listeners per constructor and event, with limits, EventTargets and hostile emitters', async t => {
		const before = Date.now();
		const census = await takeListenerCensus(session);
		t.diagnostic(`census on a small heap: ${census.durationMs} ms, ${census.emitterCount} emitters, ${census.rows.length} rows, ${census.skipped} skipped`);
		assert.ok(census.t >= before && census.t <= Date.now(), 'local epoch ms when it finished');
		assert.ok(census.durationMs >= 0 && census.durationMs <= census.t - before);
		assert.equal(census.truncated, false);

		assert.deepEqual(row(census, 'Feed', 'data'), {emitter: 'Feed', event: 'data', count: 15, emitters: 1, maxPerEmitter: 15, overLimit: 1, limitDisabled: 0});
		assert.deepEqual(row(census, 'OrderBus', 'Symbol(audit)'), {emitter: 'OrderBus', event: 'Symbol(audit)', count: 1, emitters: 1, maxPerEmitter: 1, overLimit: 0, limitDisabled: 1});
		assert.deepEqual(row(census, 'Ticker', 'tick'), {emitter: 'Ticker', event: 'tick', count: 2, emitters: 1, maxPerEmitter: 2, overLimit: 0, limitDisabled: 1}, 'setMaxListeners(Infinity)');
		// EventTargets: listener counts from the internal kEvents map, the limit from events.setMaxListeners.
		assert.deepEqual(row(census, 'AbortSignal', 'abort'), {emitter: 'AbortSignal', event: 'abort', count: 3, emitters: 1, maxPerEmitter: 3, overLimit: 0, limitDisabled: 0});
		assert.deepEqual(row(census, 'Channel', 'message'), {emitter: 'Channel', event: 'message', count: 3, emitters: 1, maxPerEmitter: 3, overLimit: 1, limitDisabled: 0});
		// Node's own emitters are there too.
		assert.ok(find(census, 'Server', 'request'), 'the fixture HTTP server');
		assert.ok(find(census, 'process', 'SIGTERM'), 'process');
		// Reached only through a Proxy, but the emitter itself is a plain object and counts.
		assert.equal(row(census, 'Wrapped', 'wrapped').count, 1);
		// The class name is a throwing static getter: not called.
		assert.equal(row(census, '(anonymous)', 'ping').count, 2);
		// `_events` is a throwing getter (Hostile) or a Proxy (Trapped): skipped, never read.
		assert.equal(find(census, 'Hostile', 'tick'), undefined);
		assert.equal(find(census, 'Trapped', 'x'), undefined);
		assert.ok(census.skipped >= 2, `skipped ${census.skipped}`);
		assert.equal(await httpGet(target.httpPort!, '/hits'), '0', 'no hostile getter, trap or method ran in the target');

		for (let i = 1; i < census.rows.length; i++) assert.ok(census.rows[i - 1]!.count >= census.rows[i]!.count, 'most listeners first');
		const keys = census.rows.map(r => `${r.emitter}\u0000${r.event}`);
		assert.equal(new Set(keys).size, keys.length, 'one row per constructor and event');
	});

	test('100 listeners added between two censuses show as growth 100 on (OrderBus, update)', async () => {
		await httpGet(target.httpPort!, '/add?n=5');
		const baseline = await takeListenerCensus(session);
		const start = row(baseline, 'OrderBus', 'update').count;
		assert.equal(await httpGet(target.httpPort!, '/add?n=100'), String(start + 100));
		const latest = await takeListenerCensus(session);
		assert.deepEqual(row(latest, 'OrderBus', 'update'), {emitter: 'OrderBus', event: 'update', count: start + 100, emitters: 1, maxPerEmitter: start + 100, overLimit: 0, limitDisabled: 1});
		const [top] = listenerGrowth(baseline, latest);
		assert.deepEqual([top?.emitter, top?.event, top?.growth], ['OrderBus', 'update', 100]);
	});

	test('live Promises: 500 left pending are counted, and gone from the count once settled and dropped', async () => {
		// `; 0`: a result left as a remote object would itself keep the promises alive.
		const evaluate = (expression: string) => session.send('Runtime.evaluate', {expression: `${expression}; 0`});
		const base = (await takeListenerCensus(session)).promises!;
		assert.equal(typeof base, 'number');
		await evaluate('globalThis.__pending = Array.from({length: 500}, () => { let settle; const p = new Promise(r => { settle = r; }); p.settle = settle; return p; })');
		const pending = (await takeListenerCensus(session)).promises!;
		assert.ok(pending >= base + 500, `${base} -> ${pending}`);
		await evaluate('for (const p of globalThis.__pending) p.settle(); delete globalThis.__pending');
		const after = (await takeListenerCensus(session)).promises!;
		assert.ok(after < base + 50, `settled and unreferenced promises are collected by the census's GC: ${after}`);
	});

	test('places the newest listener of the biggest rows and the most buffered streams in the code ([[FunctionLocation]], no Debugger)', async () => {
		// Over its high-water mark (16 KiB on Node 20, 64 KiB from 22): pushed past `false`, nobody reading.
		await session.send('Runtime.evaluate', {expression: "globalThis.__audit = new (require('stream').Readable)({read() {}}); __audit.push(Buffer.alloc(50000)); __audit.push(Buffer.alloc(30000)); globalThis.__calm = new (require('stream').Readable)({read() {}}); __calm.push(Buffer.alloc(100)); 0", includeCommandLineAPI: true});
		try {
			const scripts: string[] = [];
			const census = await takeListenerCensus(session, {scriptUrl: id => (scripts.push(id), `script-${id}.js`)});
			const feed = census.listenerSites?.find(p => p.emitter === 'Feed' && p.event === 'data');
			assert.ok(feed, JSON.stringify(census.listenerSites));
			// emitters.ts line 40: `for (...) feed.on('data', () => undefined);`, compiled to dist/test/fixtures/emitters.js.
			assert.match(feed.site.url, /^script-\d+\.js$/, 'the script id went through scriptUrl');
			assert.ok(feed.site.line > 1 && feed.site.column > 1, JSON.stringify(feed.site));
			const [stream] = census.streams ?? [];
			assert.deepEqual({name: stream?.name, buffered: stream?.buffered}, {name: 'Readable', buffered: 80_000});
			assert.equal(census.streams!.length, 1, 'a stream under its high-water mark is not a finding\'s business');
			assert.ok(stream!.highWaterMark >= 16_384, 'the default: 16 KiB on Node 20, 64 KiB from Node 22');
			assert.equal(stream!.site?.functionName, 'read');
			assert.equal(stream!.site?.line, 1, 'defined in the evaluated line');
		} finally {
			await session.send('Runtime.evaluate', {expression: 'delete globalThis.__audit; delete globalThis.__calm'});
		}
	});

	test('many emitters of one class: the probe, then the rest, add up', async () => {
		const before = await takeListenerCensus(session);
		const existing = find(before, 'Widget', 'change')?.count ?? 0;
		assert.equal(await httpGet(target.httpPort!, '/widgets?n=1000'), String(existing + 1000));
		const census = await takeListenerCensus(session);
		assert.deepEqual(row(census, 'Widget', 'change'), {emitter: 'Widget', event: 'change', count: existing + 1000, emitters: existing + 1000, maxPerEmitter: 1, overLimit: 0, limitDisabled: 0});
		assert.ok(census.emitterCount >= before.emitterCount + 1000);
		assert.equal(census.truncated, false);
		assert.equal(await httpGet(target.httpPort!, '/hits'), '0');
	});

	test('caps: at most maxRows rows (the biggest) and maxEmitters emitters, and says it is partial', async () => {
		const full = await takeListenerCensus(session);
		const capped = await takeListenerCensus(session, {maxRows: 2});
		assert.equal(capped.rows.length, 2);
		assert.equal(capped.truncated, true);
		assert.deepEqual(
			capped.rows.map(r => r.count),
			full.rows.slice(0, 2).map(r => r.count),
		);
		const few = await takeListenerCensus(session, {maxEmitters: 3});
		assert.ok(few.emitterCount <= 3, `read ${few.emitterCount} emitters`);
		assert.equal(few.truncated, true);
	});

	test('calls during a census share it', async () => {
		const [a, b] = await Promise.all([takeListenerCensus(session), takeListenerCensus(session)]);
		assert.equal(a, b);
		const c = await takeListenerCensus(session);
		assert.notEqual(c, a, 'a later call takes a new census');
	});

	test('leaves nothing behind: object group released, no globals, target serves, next client works', async () => {
		const globalsBefore = await httpGet(target.httpPort!, '/globals');

		// Control: an object group that is NOT released keeps what queryObjects found alive.
		const control = 'test-control';
		await httpGet(target.httpPort!, '/ephemeral');
		const prototype = await session.send('Runtime.evaluate', {expression: `process.getBuiltinModule('events').EventEmitter.prototype`, objectGroup: control});
		await session.send('Runtime.queryObjects', {prototypeObjectId: prototype.result.objectId!, objectGroup: control}, 30_000);
		await httpGet(target.httpPort!, '/ephemeral/drop');
		await session.send('HeapProfiler.collectGarbage', undefined, 10_000);
		await session.send('HeapProfiler.collectGarbage', undefined, 10_000);
		assert.equal(await httpGet(target.httpPort!, '/ephemeral/alive'), 'true', 'held by the unreleased group');
		await session.send('Runtime.releaseObjectGroup', {objectGroup: control});
		await waitEphemeral(session, target, false);

		// The census: it saw the emitter, and once dropped, the emitter can be collected.
		await httpGet(target.httpPort!, '/ephemeral');
		const census = await takeListenerCensus(session);
		assert.equal(row(census, 'Ephemeral', 'gone').count, 1);
		await httpGet(target.httpPort!, '/ephemeral/drop');
		await waitEphemeral(session, target, false);

		assert.equal(await httpGet(target.httpPort!, '/globals'), globalsBefore, 'no injected globals');
		assert.match(await httpGet(target.httpPort!, '/'), /^ok \d+/, 'the target still serves');
		const fresh = await InspectorSession.connect(target.webSocketUrl);
		try {
			const {result} = await fresh.send('Runtime.evaluate', {expression: '6 * 7', returnByValue: true});
			assert.equal(result.value, 42);
			assert.ok(find(await takeListenerCensus(fresh), 'Feed', 'data'), 'a census from another client works too');
		} finally {
			await fresh.close();
		}
	});

	test('a deadline too short rejects with a TimeoutError, and the session stays usable', async () => {
		await assert.rejects(takeListenerCensus(session, {timeoutMs: 1}), (error: unknown) => error instanceof TimeoutError && /listener census did not finish/.test(error.message));
		assert.ok(find(await takeListenerCensus(session), 'Feed', 'data'));
	});
});

describe('listener census: runtime differences and refusals', () => {
	const targets: Target[] = [];
	const sessions: InspectorSession[] = [];
	async function open(args: string[]): Promise<{target: Target; session: InspectorSession}> {
		const target = await startTarget('emitters', {args});
		targets.push(target);
		const session = await InspectorSession.connect(target.webSocketUrl);
		sessions.push(session);
		return {target, session};
	}
	after(async () => {
		for (const session of sessions) await session.close();
		for (const target of targets) await target.kill();
	});

	test('an ESM target without process.getBuiltinModule: events comes from the inspector require', async () => {
		const {target, session} = await open(['--hide-getBuiltinModule']);
		const {result} = await session.send('Runtime.evaluate', {expression: 'typeof process.getBuiltinModule', returnByValue: true});
		assert.equal(result.value, 'undefined');
		const census = await takeListenerCensus(session);
		assert.equal(row(census, 'Feed', 'data').overLimit, 1);
		assert.equal(row(census, 'AbortSignal', 'abort').count, 3);
		assert.equal(await httpGet(target.httpPort!, '/hits'), '0');
	});

	test('a builtin replaced by code with side effects stops the census before that code runs', async () => {
		const {target, session} = await open(['--patch-builtin']);
		// Enough emitters that a census without the probe would read most of them unguarded.
		await httpGet(target.httpPort!, '/widgets?n=1000');
		await assert.rejects(takeListenerCensus(session), (error: unknown) => error instanceof LeaktopError && /side effects/.test(error.message));
		assert.equal(await httpGet(target.httpPort!, '/hits'), '0', 'the replaced Reflect.ownKeys never ran');
		assert.match(await httpGet(target.httpPort!, '/'), /^ok \d+/);
	});
});

describe('listener census on a big heap', () => {
	let target: Target;
	let session: InspectorSession;
	before(async () => {
		target = await startTarget('emitters');
		session = await InspectorSession.connect(target.webSocketUrl);
	});
	after(async () => {
		await session?.close();
		await target?.kill();
	});

	test('1M small objects, then 100k emitters: completes, and reports its duration', {timeout: 120_000}, async t => {
		assert.equal(await httpGet(target.httpPort!, '/objects?n=1000000'), '1000000');
		const withObjects = await takeListenerCensus(session);
		const heap = await session.send('Runtime.getHeapUsage');
		t.diagnostic(`census with 1M small objects (heap ${Math.round(heap.usedSize / 1e6)} MB): ${withObjects.durationMs} ms, ${withObjects.emitterCount} emitters`);
		assert.equal(row(withObjects, 'Feed', 'data').count, 15);

		assert.equal(await httpGet(target.httpPort!, '/widgets?n=100000'), '100000');
		const withEmitters = await takeListenerCensus(session);
		const heapAfter = await session.send('Runtime.getHeapUsage');
		t.diagnostic(`census with 1M objects + 100k emitters (heap ${Math.round(heapAfter.usedSize / 1e6)} MB): ${withEmitters.durationMs} ms, ${withEmitters.emitterCount} emitters`);
		assert.equal(row(withEmitters, 'Widget', 'change').emitters, 100_000);
		assert.equal(withEmitters.truncated, false);
		assert.equal(await httpGet(target.httpPort!, '/hits'), '0');
		assert.match(await httpGet(target.httpPort!, '/'), /^ok \d+/);
	});
});
