/**
 * leaktop beside Chrome DevTools: a second inspector client that enables what DevTools' Sources,
 * Console and Memory panels enable, breaks on every exception, pauses at a breakpoint and takes
 * its own heap snapshot, while leaktop samples, takes censuses and reconnects through a
 * port-forward that drops. Neither may disturb the other.
 */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {Monitor} from '../../src/inspector/monitor.js';
import {InspectorSession} from '../../src/inspector/session.js';
import type {Event} from '../../src/model/state.js';
import {startProxy} from '../helpers/proxy.js';
import {startTarget} from '../helpers/target.js';
import {waitFor} from '../helpers/wait.js';

interface Paused {
	reason: string;
	callFrames: Array<{url: string; functionName: string}>;
}

async function globalNames(session: InspectorSession): Promise<string[]> {
	const {result} = await session.send('Runtime.evaluate', {expression: 'Object.getOwnPropertyNames(globalThis).sort()', returnByValue: true});
	return result.value as string[];
}

test('Chrome DevTools attached throughout: its breakpoints and snapshots, leaktop\'s samples, censuses and reconnect all coexist', async () => {
	const target = await startTarget('emitters');
	const devtools = await InspectorSession.connect(target.webSocketUrl);
	const proxy = await startProxy(target.port);
	const events: Event[] = [];
	const count = (type: Event['type']) => events.filter(e => e.type === type).length;
	let monitor: Monitor | undefined;
	try {
		for (const domain of ['Runtime', 'Debugger', 'HeapProfiler', 'Profiler'] as const) await devtools.send(`${domain}.enable`);
		// DevTools' "Pause on caught exceptions": leaktop's probes must never trip it.
		await devtools.send('Debugger.setPauseOnExceptions', {state: 'all'});
		const globalsBefore = await globalNames(devtools);
		const pauses: Paused[] = [];
		devtools.on('Debugger.paused', params => pauses.push(params as Paused));

		monitor = await Monitor.attach({kind: 'address', address: {host: '127.0.0.1', port: proxy.port}}, {intervalMs: 200, samplingIntervalBytes: 65_536, reconnect: true, autoCensusWhen: 'always', onEvent: event => events.push(event)});
		await waitFor(() => count('sample') >= 3, {what: 'leaktop samples'});
		await monitor.census();
		await monitor.gc();
		await monitor.pollAllocations();
		assert.equal(count('census'), 1, 'the census completed');
		assert.equal(pauses.length, 0, 'leaktop\'s evaluations never paused the target');

		// A breakpoint hit in the app: the event loop stops, the inspector still answers leaktop.
		await devtools.send('Runtime.evaluate', {expression: 'setTimeout(function atBreakpoint() { debugger; }, 50)'});
		await waitFor(() => pauses.length === 1, {what: 'DevTools paused at the breakpoint'});
		assert.equal(pauses[0]!.callFrames[0]!.functionName, 'atBreakpoint');
		const atPause = count('sample');
		await waitFor(() => count('sample') >= atPause + 3, {what: 'leaktop samples while DevTools is paused'});
		await devtools.send('Debugger.resume');

		// The port-forward leaktop uses drops; DevTools, connected directly, keeps working.
		proxy.pause();
		await waitFor(() => count('reconnecting') >= 1, {what: 'leaktop reconnecting'});
		const {result} = await devtools.send('Runtime.evaluate', {expression: '6 * 7', returnByValue: true});
		assert.equal(result.value, 42);
		proxy.resume();
		await waitFor(() => count('reconnected') === 1, {what: 'leaktop reconnected', timeoutMs: 20_000});
		assert.equal(count('target-restarted'), 0);

		// DevTools' own snapshot while leaktop watches: its chunks go to DevTools alone.
		let chunks = 0;
		const offChunks = devtools.on('HeapProfiler.addHeapSnapshotChunk', () => chunks++);
		const afterReconnect = count('sample');
		await devtools.send('HeapProfiler.takeHeapSnapshot', {reportProgress: false}, 60_000);
		offChunks();
		assert.ok(chunks > 0, 'DevTools received its snapshot');
		await waitFor(() => count('sample') >= afterReconnect + 3, {what: 'leaktop samples after DevTools\' snapshot'});
		await monitor.census();
		assert.equal(count('census'), 2);

		await monitor.stop('test over');
		monitor = undefined;
		assert.deepEqual(pauses.map(p => p.reason), ['other'], 'the only pause was DevTools\' own breakpoint');
		// DevTools' session is as it was: its debugger still breaks, its console still answers.
		await devtools.send('Runtime.evaluate', {expression: 'setTimeout(function again() { debugger; }, 50)'});
		await waitFor(() => pauses.length === 2, {what: 'DevTools\' breakpoints still work after leaktop detached'});
		await devtools.send('Debugger.resume');
		assert.deepEqual(await globalNames(devtools), globalsBefore, 'leaktop left no globals in the target');
	} finally {
		await monitor?.stop('test over');
		await devtools.close();
		await proxy.close();
		await target.kill();
	}
});
