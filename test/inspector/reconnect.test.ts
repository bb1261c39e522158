/** Reconnecting: a port-forward that drops and comes back, a target that restarts, a target that stops answering. */
import assert from 'node:assert/strict';
import net from 'node:net';
import type {AddressInfo} from 'node:net';
import {test} from 'node:test';
import {Monitor} from '../../src/inspector/monitor.js';
import {InspectorSession} from '../../src/inspector/session.js';
import {type Event, initialState, reduce} from '../../src/model/state.js';
import {startProxy} from '../helpers/proxy.js';
import {startTarget} from '../helpers/target.js';
import {waitFor} from '../helpers/wait.js';

function recorder() {
	const events: Event[] = [];
	return {events, onEvent: (event: Event) => events.push(event), of: <T extends Event['type']>(type: T) => events.filter((e): e is Extract<Event, {type: T}> => e.type === type)};
}

async function freePort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as AddressInfo;
	await new Promise<void>(resolve => server.close(() => resolve()));
	return port;
}

test('a port-forward that drops and comes back: history kept, "reconnecting (attempt n)", then the same process resumes', async () => {
	const target = await startTarget('server');
	const proxy = await startProxy(target.port);
	const rec = recorder();
	const monitor = await Monitor.attach({kind: 'address', address: {host: '127.0.0.1', port: proxy.port}}, {intervalMs: 200, samplingIntervalBytes: 65_536, reconnect: true, onEvent: rec.onEvent});
	try {
		await waitFor(() => rec.of('sample').length >= 3, {what: 'samples through the proxy'});
		proxy.pause();
		await waitFor(() => rec.of('reconnecting').length >= 2, {what: 'two reconnect attempts', timeoutMs: 15_000});
		assert.equal(rec.of('closed').length, 0, 'the session did not end');
		assert.equal(monitor.reconnecting, true);
		const before = rec.of('sample').length;
		proxy.resume();
		await waitFor(() => rec.of('reconnected').length === 1, {what: 'reconnected', timeoutMs: 20_000});
		await waitFor(() => rec.of('sample').length >= before + 3, {what: 'samples again'});
		assert.equal(rec.of('target-restarted').length, 0, 'the same process');
		assert.equal(rec.of('sampling-started').length, 2, 'sampling started again on the new connection');
		const state = rec.events.reduce(reduce, initialState({historySize: 1000}));
		assert.equal(state.connection, 'connected');
		assert.ok(state.samples.items.length >= before + 3, 'the samples from before the drop are kept');
		assert.ok(state.log.items.some(e => /reconnecting \(history kept\)/.test(e.text)));
		assert.ok(state.log.items.some(e => /^reconnected after \d+s: the same process$/.test(e.text)));
		assert.equal(state.auditCounts.attach, 2);
	} finally {
		await monitor.stop('test over');
		await proxy.close();
	}
	const fresh = await InspectorSession.connect(target.webSocketUrl);
	try {
		await assert.rejects(fresh.send('HeapProfiler.getSamplingProfile'), 'sampling stopped on detach after the reconnect');
	} finally {
		await fresh.close();
		await target.kill();
	}
});

test('a target killed and started again on the same port: a restart, counted, with the last heap reading', async () => {
	const port = await freePort();
	let target = await startTarget('server', {nodeArgs: [`--inspect=127.0.0.1:${port}`]});
	const rec = recorder();
	const monitor = await Monitor.attach({kind: 'address', address: {host: '127.0.0.1', port}}, {intervalMs: 200, reconnect: true, onEvent: rec.onEvent});
	try {
		await waitFor(() => rec.of('sample').length >= 3, {what: 'samples'});
		const firstPid = target.pid;
		await target.kill();
		await waitFor(() => rec.of('connection-lost').length === 1, {what: 'the connection lost'});
		target = await startTarget('server', {nodeArgs: [`--inspect=127.0.0.1:${port}`]});
		await waitFor(() => rec.of('target-restarted').length === 1, {what: 'the restart', timeoutMs: 20_000});
		const [restart] = rec.of('target-restarted');
		assert.equal(restart!.previousPid, firstPid);
		assert.equal(restart!.target.pid, target.pid);
		await waitFor(() => rec.events.at(-1)?.type === 'sample', {what: 'samples of the new process'});
		const state = rec.events.reduce(reduce, initialState({historySize: 1000}));
		assert.equal(state.restarts.length, 1);
		assert.ok(state.restarts[0]!.lastHeapUsed! > 0);
		assert.equal(state.target?.pid, target.pid);
		assert.match(state.log.items.find(e => e.text.startsWith('target restarted'))!.text, new RegExp(`^target restarted: pid ${firstPid} is now pid ${target.pid} \\(restart 1\\); its last heapUsed was [\\d.]+ [KMG]?B, [\\d.]+ [KMG]?B under its heap limit$`));
	} finally {
		await monitor.stop('test over');
		await target.kill();
	}
});

test('a target stopped with SIGSTOP: "unresponsive", no pile-up, and it recovers after SIGCONT', async () => {
	const target = await startTarget('server');
	const rec = recorder();
	const monitor = await Monitor.attach({kind: 'url', url: target.webSocketUrl}, {intervalMs: 100, reconnect: true, onEvent: rec.onEvent});
	try {
		await waitFor(() => rec.of('sample').length >= 3, {what: 'samples'});
		process.kill(target.pid, 'SIGSTOP');
		await waitFor(() => rec.of('lagging').length >= 1, {what: 'lagging', timeoutMs: 10_000});
		const stoppedAt = rec.of('sample').length;
		process.kill(target.pid, 'SIGCONT');
		await waitFor(() => rec.of('sample').length >= stoppedAt + 5, {what: 'samples again'});
		// One sample call was in flight during the 3 s stop; calls every 100 ms queued behind it
		// would come back as a burst of ~30.
		const resumed = rec.of('sample').slice(stoppedAt).map(e => e.receivedAt);
		const burst = resumed.filter(t => t - resumed[0]! < 300).length;
		assert.ok(burst <= 4, `${burst} samples within 300 ms of the resume: ${resumed.join(', ')}`);
		assert.equal(rec.of('connection-lost').length, 0);
		const state = rec.events.reduce(reduce, initialState({historySize: 1000}));
		assert.equal(state.connection, 'connected');
		assert.ok(state.log.items.some(e => /^target unresponsive for \d+s: no sample/.test(e.text)));
	} finally {
		process.kill(target.pid, 'SIGCONT');
		await monitor.stop('test over');
		await target.kill();
	}
});

test('with reconnect on, a target that never comes back ends the session after the reconnect window', async () => {
	const target = await startTarget('server');
	const rec = recorder();
	const monitor = await Monitor.attach({kind: 'url', url: target.webSocketUrl}, {intervalMs: 200, reconnect: true, reconnectForMs: 2000, onEvent: rec.onEvent});
	await waitFor(() => rec.of('sample').length >= 1, {what: 'a sample'});
	await target.kill();
	const reason = await monitor.done;
	assert.match(reason, /no answer for \d+s \(\d+ attempts\)$/);
	assert.equal(monitor.endedByTarget, true);
	await monitor.stop('after');
});
