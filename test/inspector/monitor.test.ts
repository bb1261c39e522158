import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';
import {Monitor} from '../../src/inspector/monitor.js';
import {InspectorSession} from '../../src/inspector/session.js';
import type {Event} from '../../src/model/state.js';
import {httpGet, startTarget, type Target} from '../helpers/target.js';
import {waitFor} from '../helpers/wait.js';
import {startProxy} from '../helpers/proxy.js';

function recorder() {
	const events: Event[] = [];
	return {events, onEvent: (event: Event) => events.push(event), of: <T extends Event['type']>(type: T) => events.filter((e): e is Extract<Event, {type: T}> => e.type === type)};
}

describe('monitor against a real target', () => {
	let target: Target;
	before(async () => {
		target = await startTarget('server');
	});
	after(async () => {
		await target.kill();
	});

	test('attaches, describes the target and streams samples', async () => {
		const rec = recorder();
		const monitor = await Monitor.attach({kind: 'address', address: {host: '127.0.0.1', port: target.port}}, {intervalMs: 100, onEvent: rec.onEvent});
		try {
			const [attached] = rec.of('attached');
			assert.equal(attached?.target.pid, target.pid);
			assert.equal(attached?.target.nodeVersion, process.version);
			assert.ok(attached!.target.heapSizeLimit! > 0, 'heap_size_limit read from v8');
			assert.equal(attached?.target.address, `127.0.0.1:${target.port}`);
			await waitFor(() => rec.of('sample').length >= 3, {what: '3 samples'});
			for (const {sample} of rec.of('sample')) {
				assert.ok(sample.heapUsed > 0 && sample.heapTotal >= sample.heapUsed && sample.rss > sample.heapTotal && sample.uptime > 0);
			}
		} finally {
			await monitor.stop('test over');
		}
	});

	test('samples carry the event loop busy time; automatic censuses wait while the loop is busy and resume when it is quiet', async () => {
		await httpGet(target.httpPort!, '/busy?ms=60000');
		const rec = recorder();
		const monitor = await Monitor.attach({kind: 'url', url: target.webSocketUrl}, {intervalMs: 250, firstCensusDelayMs: 0, onEvent: rec.onEvent});
		try {
			await waitFor(() => rec.of('census-paused').length > 0, {what: 'the census to pause'});
			const [paused] = rec.of('census-paused');
			assert.ok(paused!.utilization! > 0.5, `utilization while busy: ${paused!.utilization}`);
			assert.equal(rec.of('census-started').length, 0, 'no census while the loop is busy');
			const samples = rec.of('sample').map(e => e.sample);
			assert.ok(samples.every(s => typeof s.loopActiveMs === 'number'), 'every sample has loopActiveMs');
			await httpGet(target.httpPort!, '/busy?ms=0');
			await waitFor(() => rec.of('census').length > 0, {what: 'a census once the loop is quiet', timeoutMs: 30_000});
			const [resumed] = rec.of('census-resumed');
			assert.ok(resumed && resumed.utilization! < 0.07, `resumed at ${resumed?.utilization}`);
			assert.equal(rec.of('census-paused').length, 1, 'the pause is said once');
		} finally {
			await httpGet(target.httpPort!, '/busy?ms=0');
			await monitor.stop('test over');
		}
	});

	test('a forced GC frees garbage and logs before -> after', async () => {
		const rec = recorder();
		const monitor = await Monitor.attach({kind: 'url', url: target.webSocketUrl}, {intervalMs: 1000, onEvent: rec.onEvent});
		try {
			// The garbage is made after attaching: attaching starts allocation sampling, whose
			// start collects garbage too, and under load it sometimes took the 30 MB first.
			await httpGet(target.httpPort!, '/retain?mb=30');
			await httpGet(target.httpPort!, '/drop');
			await monitor.gc();
			const [finished] = rec.of('gc-finished');
			assert.ok(finished, `gc finished (events: ${rec.events.map(e => e.type).join(',')})`);
			assert.ok(finished.before - finished.after > 10_000_000, `GC freed ${finished.before - finished.after} bytes`);
		} finally {
			await monitor.stop('test over');
		}
	});

	test('detaching leaves no trace and the next client can attach', async () => {
		const globalsBefore = await httpGet(target.httpPort!, '/globals');
		const monitor = await Monitor.attach({kind: 'url', url: target.webSocketUrl}, {intervalMs: 50, onEvent: () => undefined});
		await monitor.gc();
		await monitor.stop('test over');
		assert.equal(await monitor.done, 'test over');
		assert.equal(await httpGet(target.httpPort!, '/globals'), globalsBefore, 'no injected globals');
		assert.match(await httpGet(target.httpPort!, '/'), /^ok \d+/);

		const fresh = await InspectorSession.connect(target.webSocketUrl);
		try {
			await assert.rejects(fresh.send('HeapProfiler.getSamplingProfile'), 'no sampling left running');
			const {result} = await fresh.send('Runtime.evaluate', {expression: '1 + 1', returnByValue: true});
			assert.equal(result.value, 2);
		} finally {
			await fresh.close();
		}
	});

	test('two clients can watch the same target at once', async () => {
		const a = recorder();
		const b = recorder();
		const first = await Monitor.attach({kind: 'url', url: target.webSocketUrl}, {intervalMs: 100, onEvent: a.onEvent});
		const second = await Monitor.attach({kind: 'url', url: target.webSocketUrl}, {intervalMs: 100, onEvent: b.onEvent});
		try {
			await waitFor(() => a.of('sample').length >= 2 && b.of('sample').length >= 2, {what: 'samples on both'});
			await second.stop('done');
			const count = a.of('sample').length;
			await waitFor(() => a.of('sample').length > count + 1, {what: 'first keeps sampling after the second detaches'});
		} finally {
			await first.stop('done');
			await second.stop('done');
		}
	});

	test('stop is idempotent and emits detaching then closed once', async () => {
		const rec = recorder();
		const monitor = await Monitor.attach({kind: 'url', url: target.webSocketUrl}, {intervalMs: 100, onEvent: rec.onEvent});
		await Promise.all([monitor.stop('one'), monitor.stop('two')]);
		await monitor.stop('three');
		assert.deepEqual(rec.events.filter(e => e.type === 'detaching' || e.type === 'closed').map(e => e.type), ['detaching', 'closed']);
		const samples = rec.of('sample').length;
		await new Promise(resolve => setTimeout(resolve, 300));
		assert.equal(rec.of('sample').length, samples, 'no samples after stop');
		assert.equal(monitor.endedByTarget, false);
	});
});

test('a target that exits ends the session with a reason', async () => {
	const target = await startTarget('exit-after', {args: ['1500']});
	try {
		const rec = recorder();
		const monitor = await Monitor.attach({kind: 'url', url: target.webSocketUrl}, {intervalMs: 100, onEvent: rec.onEvent});
		const reason = await monitor.done;
		assert.equal(reason, 'the process exited');
		// Node holds an exiting process until debuggers leave; leaktop must let it go.
		await waitFor(() => target.child.exitCode !== null, {timeoutMs: 5000, what: 'the target to finish exiting'});
		assert.equal(monitor.endedByTarget, true);
		assert.equal(rec.of('closed').length, 1);
		await monitor.stop('after exit');
		assert.equal(rec.of('closed').length, 1, 'stop after the target left does not report twice');
	} finally {
		await target.kill();
	}
});

test('a dropped connection (a port-forward dying) ends the session; the target keeps running', async () => {
	const target = await startTarget('server');
	const proxy = await startProxy(target.port);
	try {
		const rec = recorder();
		const url = target.webSocketUrl.replace(`:${target.port}/`, `:${proxy.port}/`);
		const monitor = await Monitor.attach({kind: 'url', url}, {intervalMs: 100, onEvent: rec.onEvent});
		await waitFor(() => rec.of('sample').length >= 1, {what: 'a sample through the proxy'});
		proxy.drop();
		assert.match(await monitor.done, /connection to the target closed/);
		assert.equal(monitor.endedByTarget, true);
		assert.match(await httpGet(target.httpPort!, '/'), /^ok \d+/);
		await monitor.stop('after drop');
	} finally {
		await proxy.close();
		await target.kill();
	}
});
