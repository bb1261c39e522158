import assert from 'node:assert/strict';
import {mkdtemp, readFile, rm, stat} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {readFileSync} from 'node:fs';
import {Monitor} from '../../src/inspector/monitor.js';
import {InspectorSession} from '../../src/inspector/session.js';
import {evaluateValue} from '../../src/inspector/evaluate.js';
import {aggregateProfile} from '../../src/model/allocations.js';
import {visibleRows} from '../../src/model/allocations-state.js';
import type {AllocationRow} from '../../src/model/allocation-table.js';
import {initialState, reduce, type Event} from '../../src/model/state.js';
import {writeHeapProfile} from '../../src/heap-profile.js';
import {fixturePath} from '../helpers/paths.js';
import {startProxy} from '../helpers/proxy.js';
import {httpGet, startTarget, type Target} from '../helpers/target.js';
import {waitFor} from '../helpers/wait.js';

/** A monitor whose events feed a real state, as the TUI's store does. */
async function watch(url: string, samplingIntervalBytes: number | null) {
	let state = initialState({historySize: 600, samplingIntervalBytes});
	const events: Event[] = [];
	const monitor = await Monitor.attach(
		{kind: 'url', url},
		{
			intervalMs: 1000,
			samplingIntervalBytes,
			onEvent(event) {
				events.push(event);
				state = reduce(state, event);
			},
		},
	);
	return {monitor, events, state: () => state};
}

/** 1-based line of the first line of `name.js` (built fixture) that contains `text`. */
function lineOf(name: string, text: string): number {
	const index = readFileSync(fixturePath(name), 'utf8').split('\n').findIndex(line => line.includes(text));
	assert.ok(index >= 0, `${text} in ${name}`);
	return index + 1;
}

/** What a fresh inspector client learns when it asks for the sampling profile. */
async function samplingSeenByFreshClient(url: string): Promise<'running' | 'not started'> {
	const fresh = await InspectorSession.connect(url);
	try {
		await fresh.send('HeapProfiler.getSamplingProfile');
		return 'running';
	} catch (error) {
		assert.match(String(error), /not started/);
		return 'not started';
	} finally {
		await fresh.close();
	}
}

describe('allocation sampling against real leaks', () => {
	const targets: Target[] = [];
	after(async () => {
		await Promise.all(targets.map(t => t.kill()));
	});

	/** Watches the leak fixture `name` until the top row satisfies `isLeak` (60 s at most). */
	async function topSite(name: string, isLeak: (row: AllocationRow) => boolean, what: string, args: string[] = []) {
		const target = await startTarget(name, {args});
		targets.push(target);
		const {monitor, state} = await watch(target.webSocketUrl, 64 * 1024);
		try {
			const top = await waitFor(
				() => {
					const [first] = visibleRows(state().allocations);
					return first && first.growthBytes > 500_000 && isLeak(first) ? first : undefined;
				},
				{timeoutMs: 60_000, intervalMs: 500, what},
			);
			assert.equal(state().allocations.status, 'running');
			return {top, target};
		} finally {
			await monitor.stop('test over');
		}
	}

	test('cache leak: the site that creates the cached values rises to the top within 60 s', async () => {
		const {top, target} = await topSite('leaks/cache', row => row.site.functionName === 'record', 'record() on top of the allocations');
		assert.match(top.site.url, /fixtures\/leaks\/common\.js$/);
		assert.equal(top.site.line, lineOf('leaks/common', 'export function record('));
		const callers = top.stack.map(f => f.functionName);
		assert.equal(callers[0], 'record');
		assert.ok(callers.includes('getUser'), `getUser in the stack: ${callers.join(' < ')}`);
		assert.ok(top.stack.every(f => f.bytes > 0 && f.bytes <= top.liveBytes));
		assert.equal(await samplingSeenByFreshClient(target.webSocketUrl), 'not started', 'detach stops sampling');
	});

	test('listener leak: the subscribing request handler is on the top stack within 60 s', async () => {
		const calledFromHandler = (row: AllocationRow) => row.stack.some(f => f.functionName === 'handle' && /leaks\/listeners\.js$/.test(f.url));
		// 10 MB/min: under a loaded CI box profile reads slow down and space out (their cadence
		// follows their cost), so the leak must show within the first few reads.
		const {top} = await topSite('leaks/listeners', calledFromHandler, 'a growing site called from the listeners fixture', ['--rate', '10']);
		assert.match(top.site.url, /fixtures\/leaks\/(common|listeners)\.js$/);
	});
});

describe('allocation sampling lifecycle', () => {
	let target: Target;
	let dir: string;
	before(async () => {
		target = await startTarget('server');
		dir = await mkdtemp(join(tmpdir(), 'leaktop-sampling-'));
	});
	after(async () => {
		await target.kill();
		await rm(dir, {recursive: true, force: true});
	});

	test('--sampling off starts no sampling', async () => {
		const {monitor, state} = await watch(target.webSocketUrl, null);
		try {
			await waitFor(() => state().samples.items.length >= 1, {what: 'a sample'});
			assert.equal(state().allocations.status, 'off');
			assert.equal(await samplingSeenByFreshClient(target.webSocketUrl), 'not started');
			await assert.rejects(monitor.samplingProfile(), /allocation sampling is not running/);
		} finally {
			await monitor.stop('test over');
		}
	});

	test('starts at attach with the interval asked for, polls, and writes a .heapprofile DevTools loads', async () => {
		const {monitor, state} = await watch(target.webSocketUrl, 4096);
		try {
			assert.equal(state().allocations.status, 'running');
			assert.equal(state().allocations.intervalBytes, 4096);
			assert.equal(await samplingSeenByFreshClient(target.webSocketUrl), 'running');
			await httpGet(target.httpPort!, '/retain?mb=2');
			await waitFor(() => state().allocations.polls >= 1, {timeoutMs: 15_000, what: 'a first poll'});
			const path = join(dir, 'app.heapprofile');
			const bytes = await writeHeapProfile(monitor, path);
			assert.equal((await stat(path)).mode & 0o777, 0o600);
			const text = await readFile(path, 'utf8');
			assert.equal(Buffer.byteLength(text), bytes);
			const profile = JSON.parse(text) as {head: {callFrame: {functionName: string; url: string; lineNumber: number}; selfSize: number; children: unknown[]}; samples: Array<{size: number; nodeId: number}>};
			assert.equal(profile.head.callFrame.functionName, '(root)');
			assert.equal(typeof profile.head.selfSize, 'number');
			assert.ok(Array.isArray(profile.head.children) && profile.head.children.length > 0);
			assert.ok(Array.isArray(profile.samples) && profile.samples.every(s => s.size > 0 && Number.isInteger(s.nodeId)));
		} finally {
			await monitor.stop('test over');
			await httpGet(target.httpPort!, '/drop');
		}
		assert.equal(await samplingSeenByFreshClient(target.webSocketUrl), 'not started');
	});

	test('says so when another client stops sampling, and keeps watching', async () => {
		const {monitor, state, events} = await watch(target.webSocketUrl, 64 * 1024);
		try {
			const other = await InspectorSession.connect(target.webSocketUrl);
			try {
				await other.send('HeapProfiler.stopSampling');
			} finally {
				await other.close();
			}
			await waitFor(() => state().allocations.status === 'stopped', {timeoutMs: 15_000, what: 'the stop noticed'});
			assert.match(state().allocations.reason!, /another inspector client stopped allocation sampling/);
			assert.equal(state().log.items.find(l => /another inspector client/.test(l.text))?.level, 'warn');
			const samples = state().samples.items.length;
			await waitFor(() => state().samples.items.length > samples, {what: 'samples still coming'});
		} finally {
			await monitor.stop('test over');
		}
		assert.equal(events.filter(e => e.type === 'sampling-stopped').length, 1, 'detach does not stop it twice');
	});

	test("shares sampling another client started, and leaves it running on detach", async () => {
		const other = await InspectorSession.connect(target.webSocketUrl);
		try {
			await other.send('HeapProfiler.startSampling', {samplingInterval: 32_768});
			const {monitor, state} = await watch(target.webSocketUrl, 64 * 1024);
			try {
				assert.equal(state().allocations.status, 'running');
				assert.equal(state().allocations.intervalBytes, null, 'the interval is the other client\'s');
				assert.match(state().log.items.map(l => l.text).join('\n'), /already running \(started by another inspector client\)/);
				await waitFor(() => state().allocations.polls >= 1, {timeoutMs: 15_000, what: 'a poll of the shared profile'});
			} finally {
				await monitor.stop('test over');
			}
			assert.equal(await samplingSeenByFreshClient(target.webSocketUrl), 'running', "the other client's sampling goes on");
		} finally {
			await other.send('HeapProfiler.stopSampling').catch(() => undefined);
			await other.close();
		}
	});

	test('a dropped connection stops sampling in the target too', async () => {
		const proxy = await startProxy(target.port);
		try {
			const url = target.webSocketUrl.replace(`:${target.port}/`, `:${proxy.port}/`);
			const {monitor} = await watch(url, 64 * 1024);
			proxy.drop();
			await monitor.done;
			await waitFor(async () => (await samplingSeenByFreshClient(target.webSocketUrl)) === 'not started', {what: 'sampling stopped with the session'});
		} finally {
			await proxy.close();
		}
	});

	test("leaktop's own allocations in the target are counted apart", async () => {
		const session = await InspectorSession.connect(target.webSocketUrl);
		try {
			await session.send('HeapProfiler.startSampling', {samplingInterval: 1024});
			// Kept alive on purpose (a test target), so the profile still holds it when read.
			await evaluateValue(session, 'globalThis.leaktopOwnTest = Array.from({length: 20000}, (_, i) => ({i})), 1');
			const {profile} = await session.send('HeapProfiler.getSamplingProfile');
			const aggregate = aggregateProfile(profile);
			assert.ok(aggregate.ownBytes > 100_000, `own bytes ${aggregate.ownBytes}`);
			assert.ok(aggregate.all.sites.every(s => s.stack.every(f => f.functionName !== '__leaktop__')));
			await evaluateValue(session, 'delete globalThis.leaktopOwnTest');
			await session.send('HeapProfiler.stopSampling');
		} finally {
			await session.close();
		}
	});
});
