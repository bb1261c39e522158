/** Reconnecting: a port-forward that drops and comes back, a target that restarts (also mid-snapshot), an impostor on its port, a target that stops answering. */
import assert from 'node:assert/strict';
import {readdir} from 'node:fs/promises';
import {test} from 'node:test';
import {NotConnectedError} from '../../src/errors.js';
import {Monitor} from '../../src/inspector/monitor.js';
import {InspectorSession} from '../../src/inspector/session.js';
import {type Event, initialState, reduce} from '../../src/model/state.js';
import {SnapshotError} from '../../src/inspector/snapshot.js';
import {fakeEchoWebSocket, freePort} from '../helpers/fake-servers.js';
import {startProxy} from '../helpers/proxy.js';
import {httpGet, startTarget, tempDirForFile} from '../helpers/target.js';
import {waitFor} from '../helpers/wait.js';

function recorder() {
	const events: Event[] = [];
	return {events, onEvent: (event: Event) => events.push(event), of: <T extends Event['type']>(type: T) => events.filter((e): e is Extract<Event, {type: T}> => e.type === type)};
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

const snapshotDir = tempDirForFile('leaktop-reconnect-snapshot-');

test('a target killed during a heap snapshot: the capture says so and leaves no file; the restart is counted and a snapshot of the new process works', async () => {
	const port = await freePort();
	let target = await startTarget('server', {nodeArgs: [`--inspect=127.0.0.1:${port}`]});
	const rec = recorder();
	const monitor = await Monitor.attach({kind: 'address', address: {host: '127.0.0.1', port}}, {intervalMs: 200, reconnect: true, onEvent: rec.onEvent});
	try {
		// ~400k small objects: the snapshot takes seconds to build, time enough to kill it.
		await httpGet(target.httpPort!, '/retain?mb=10');
		await waitFor(() => rec.of('sample').length >= 2, {what: 'samples'});
		const firstPid = target.pid;
		let killed = false;
		await assert.rejects(
			monitor.snapshot({
				path: `${snapshotDir}/killed.heapsnapshot`,
				onProgress() {
					if (killed) return;
					killed = true;
					process.kill(firstPid, 'SIGKILL');
				},
			}),
			(error: unknown) => error instanceof SnapshotError && /^the target went away during the heap snapshot \(it likely ran out of memory/.test(error.message),
		);
		assert.deepEqual(await readdir(snapshotDir), [], 'no partial file');
		await waitFor(() => rec.of('connection-lost').length === 1, {what: 'the connection lost'});
		assert.equal(rec.of('closed').length, 0, 'the session goes on, reconnecting');
		await assert.rejects(monitor.snapshot({path: `${snapshotDir}/while-down.heapsnapshot`}), NotConnectedError);
		await target.exited;
		target = await startTarget('server', {nodeArgs: [`--inspect=127.0.0.1:${port}`]});
		await waitFor(() => rec.of('target-restarted').length === 1, {what: 'the restart', timeoutMs: 20_000});
		assert.equal(rec.of('target-restarted')[0]!.previousPid, firstPid);
		const taken = await monitor.snapshot({path: `${snapshotDir}/after-restart.heapsnapshot`});
		assert.ok(taken.bytes > 0);
		assert.deepEqual(await readdir(snapshotDir), ['after-restart.heapsnapshot']);
		const state = rec.events.reduce(reduce, initialState({historySize: 1000}));
		assert.equal(state.restarts.length, 1);
		assert.equal(state.target?.pid, target.pid);
	} finally {
		await monitor.stop('test over');
		await target.kill();
	}
});

test('while the target is down, a WebSocket on its port that is not an inspector is a failed attempt; the real target is found after it', async () => {
	const port = await freePort();
	let target = await startTarget('server', {nodeArgs: [`--inspect=127.0.0.1:${port}`]});
	const rec = recorder();
	const monitor = await Monitor.attach({kind: 'address', address: {host: '127.0.0.1', port}}, {intervalMs: 200, reconnect: true, onEvent: rec.onEvent});
	let impostor: Awaited<ReturnType<typeof fakeEchoWebSocket>> | undefined;
	try {
		await waitFor(() => rec.of('sample').length >= 2, {what: 'samples'});
		const firstPid = target.pid;
		await target.kill();
		impostor = await fakeEchoWebSocket(port);
		await waitFor(() => impostor!.messages() >= 2, {what: 'two attempts that spoke to the impostor', timeoutMs: 15_000});
		assert.equal(monitor.reconnecting, true);
		assert.equal(rec.of('reconnected').length + rec.of('target-restarted').length, 0, 'the impostor was not taken for the target');
		const attemptsOnImpostor = rec.of('reconnecting').length;
		await impostor.close();
		impostor = undefined;
		target = await startTarget('server', {nodeArgs: [`--inspect=127.0.0.1:${port}`]});
		await waitFor(() => rec.of('target-restarted').length === 1, {what: 'the real target found again', timeoutMs: 20_000});
		assert.equal(rec.of('target-restarted')[0]!.previousPid, firstPid);
		assert.ok(rec.of('reconnecting').length > attemptsOnImpostor);
		await waitFor(() => rec.events.at(-1)?.type === 'sample', {what: 'samples of the new process'});
	} finally {
		await monitor.stop('test over');
		await impostor?.close();
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
