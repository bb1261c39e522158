/** `leaktop --headless --metrics ADDR`: the agent's metrics for sessions attached over CDP. */
import assert from 'node:assert/strict';
import {createServer} from 'node:net';
import {after, test} from 'node:test';
import {assertFailsWith, assertOk, exitOf, runCli, spawnCli} from '../helpers/cli.js';
import {waitForOutput} from '../helpers/processes.js';
import {startTarget} from '../helpers/target.js';
import {waitFor} from '../helpers/wait.js';

function samplesOf(text: string, target: string): number {
	const line = text.split('\n').find(l => l.startsWith(`leaktop_samples_total{target="${target}"} `));
	return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

test('one target and two: a target label each, the same families as the agent, no leaktop process metrics; the endpoint ends with the run', async () => {
	const [a, b] = await Promise.all([startTarget('server'), startTarget('leaks/lru')]);
	after(() => Promise.all([a.kill(), b.kill()]));
	for (const ports of [[a.port], [a.port, b.port]]) {
		const cli = spawnCli(['--headless', ...ports.flatMap(port => ['--port', String(port)]), '--metrics', '127.0.0.1:0', '--duration', '4s', '--census', 'off']);
		const [, url] = await waitForOutput(cli, 'stderr', /^leaktop: serving Prometheus metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)$/m);
		const names = ports.map(port => `127.0.0.1:${port}`);
		const text = await waitFor(async () => {
			const body = await (await fetch(url!)).text();
			return names.every(name => samplesOf(body, name) >= 2) ? body : undefined;
		}, {timeoutMs: 15_000, what: `samples of ${names.join(', ')} in ${url}`});
		for (const name of names) {
			assert.match(text, new RegExp(`^leaktop_heap_used_bytes\\{target="${name}"\\} \\d+$`, 'm'));
			assert.match(text, new RegExp(`^leaktop_floor_slope_bytes_per_second\\{target="${name}",series="heap"\\} `, 'm'));
			assert.match(text, new RegExp(`^leaktop_leak_verdict\\{target="${name}"\\} 0$`, 'm'));
		}
		assert.doesNotMatch(text, /^(process|nodejs)_/m, "leaktop's own process is not the target");
		assert.doesNotMatch(text, /^leaktop_agent_enabled/m);
		assertOk(await exitOf(cli, 20_000));
		await assert.rejects(fetch(url!), 'the endpoint closes with the session');
	}
});

test('a taken port fails before attaching; a bad address is a usage error', async () => {
	const taken = createServer();
	await new Promise<void>(resolve => taken.listen(0, '127.0.0.1', resolve));
	after(() => taken.close());
	const port = (taken.address() as {port: number}).port;
	// Nothing listens on 1: had leaktop tried to attach first, it would have said so instead.
	const busy = await runCli(['--headless', '--port', '1', '--metrics', `127.0.0.1:${port}`]);
	assertFailsWith(busy, `cannot serve metrics on 127.0.0.1:${port}: the port is in use`);
	assertFailsWith(await runCli(['--headless', '--metrics', 'everywhere']), 'invalid --metrics "everywhere": use :PORT (every interface) or HOST:PORT, e.g. :9464 or 127.0.0.1:9464');
});
