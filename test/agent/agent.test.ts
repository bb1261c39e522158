/** The agent inside real apps, started as users start it: `node --import leaktop/agent`. */
import assert from 'node:assert/strict';
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, test} from 'node:test';
import {inProcessSession} from '../../src/inspector/in-process.js';
import {fixturePath, repoRoot} from '../helpers/paths.js';
import {type Spawned, track, waitForOutput} from '../helpers/processes.js';
import {waitFor} from '../helpers/wait.js';

// An app directory with leaktop installed, as `npm install leaktop` leaves it: the package's
// `exports` resolve `leaktop/agent`.
const appDir = mkdtempSync(join(tmpdir(), 'leaktop-agent-app-'));
mkdirSync(join(appDir, 'node_modules'));
symlinkSync(repoRoot, join(appDir, 'node_modules', 'leaktop'), 'dir');
after(() => rmSync(appDir, {recursive: true, force: true}));

interface AgentApp extends Spawned {
	metricsUrl: string;
	httpPort: number | undefined;
}

async function startApp(script: string, {preload = ['--import', 'leaktop/agent'], env = {}, args = [] as string[], ready = true} = {}): Promise<AgentApp> {
	const p = track(process.execPath, [...preload, script, ...args], {cwd: appDir, env: {...process.env, LEAKTOP_METRICS_PORT: '127.0.0.1:0', LEAKTOP_INTERVAL: '200ms', ...env}});
	after(() => p.kill());
	const [, metricsUrl] = await waitForOutput(p, 'stderr', /^leaktop agent: serving (http:\/\/\S+\/metrics) /m);
	const httpPort = ready ? Number((await waitForOutput(p, 'stdout', /ready (\d+)/))[1]) : undefined;
	return {...p, metricsUrl: metricsUrl!, httpPort};
}

async function scrape(url: string): Promise<string> {
	const response = await fetch(url);
	assert.equal(response.status, 200);
	assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
	return response.text();
}

function value(text: string, name: string, labels = ''): number | undefined {
	const line = text.split('\n').find(l => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
	return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

/** TCP ports the process listens on: its socket inodes matched against /proc/net/tcp{,6}. */
function listeningPorts(pid: number): number[] {
	const inodes = new Set(
		readdirSync(`/proc/${pid}/fd`).flatMap(fd => {
			try {
				return [/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? []].flat();
			} catch {
				return [];
			}
		}),
	);
	const ports: number[] = [];
	for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
		for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
			const fields = line.trim().split(/\s+/);
			if (fields[3] === '0A' && inodes.has(fields[9]!)) ports.push(Number.parseInt(fields[1]!.split(':').at(-1)!, 16));
		}
	}
	return ports.sort((a, b) => a - b);
}

test('node --import leaktop/agent: /metrics has the heap, the floors, the resources and the process metrics; no inspector port', async () => {
	const app = await startApp(fixturePath('leaks/cache'), {args: ['--rate', '30']});
	const text = await waitFor(async () => {
		const body = await scrape(app.metricsUrl);
		return (value(body, 'leaktop_samples_total') ?? 0) >= 3 ? body : undefined;
	}, {timeoutMs: 15_000, what: 'three samples in /metrics'});
	assert.ok(value(text, 'leaktop_heap_used_bytes')! > 1_000_000);
	assert.ok(value(text, 'leaktop_floor_bytes', 'series="heap"')! > 1_000_000);
	assert.ok(value(text, 'leaktop_floor_slope_bytes_per_second', 'series="heap"') !== undefined);
	assert.equal(value(text, 'leaktop_agent_enabled'), 1);
	assert.equal(value(text, 'leaktop_active_resources', 'type="TCPServerWrap"'), 1, "the app's server: the agent's is unref'd, so not an active resource");
	assert.ok(value(text, 'leaktop_collector_seconds_total')! > 0);
	// prom-client's defaults describe the app's own process.
	assert.ok(Math.abs(value(text, 'process_start_time_seconds')! - Date.now() / 1000) < 120);
	assert.ok(value(text, 'nodejs_heap_size_used_bytes')! > 0);
	assert.match(text, /^# TYPE leaktop_samples_total counter$/m);
	assert.match(text, /^# HELP leaktop_floor_slope_bytes_per_second /m);
	// The only ports are the app's and the agent's: no inspector, not even on loopback.
	const metricsPort = Number(new URL(app.metricsUrl).port);
	assert.deepEqual(listeningPorts(app.pid), [app.httpPort!, metricsPort].sort((a, b) => a - b));
	assert.doesNotMatch(app.stderr(), /Debugger listening/);
	assert.equal((await fetch(app.metricsUrl.replace('/metrics', '/'))).status, 404);
});

test('the agent sees a leak: the heap slope rises and the verdict becomes 1; a cache that fills up, not', async () => {
	// The control first, so that it has as much history when the leak is called. Without the floor
	// probe's GCs, its warm-up read as a leak at about that time.
	const control = await startApp(fixturePath('leaks/lru'), {args: ['--rate', '0.5'], env: {LEAKTOP_INTERVAL: '1s'}});
	const app = await startApp(fixturePath('leaks/cache'), {args: ['--rate', '30'], env: {LEAKTOP_INTERVAL: '1s'}});
	// The first moment the leak is called and the control has a verdict of its own (not "warming up").
	const [text, controlText] = await waitFor(async () => {
		const bodies = await Promise.all([scrape(app.metricsUrl), scrape(control.metricsUrl)]);
		return value(bodies[0], 'leaktop_leak_verdict') === 1 && value(bodies[1], 'leaktop_evidence_ready') === 1 ? bodies : undefined;
	}, {timeoutMs: 90_000, intervalMs: 1000, what: 'leaktop_leak_verdict 1 for the leak, evidence for the control'});
	assert.ok(value(text, 'leaktop_floor_slope_bytes_per_second', 'series="heap"')! > 1e6 / 3600, 'faster than the README alert threshold');
	assert.equal(value(text, 'leaktop_floor_growing', 'series="heap"'), 1);
	assert.equal(value(controlText, 'leaktop_leak_verdict'), 0, controlText.split('\n').filter(l => l.startsWith('leaktop_floor')).join('\n'));
});

test('SIGUSR2 turns collection off and on, and says so; the app keeps serving', async () => {
	const app = await startApp(fixturePath('server'));
	await waitFor(async () => (value(await scrape(app.metricsUrl), 'leaktop_samples_total') ?? 0) >= 1, {what: 'a sample'});
	process.kill(app.pid, 'SIGUSR2');
	await waitForOutput(app, 'stderr', /^leaktop agent: collection off \(SIGUSR2 turns it on again\)/m);
	const off = await scrape(app.metricsUrl);
	assert.equal(value(off, 'leaktop_agent_enabled'), 0);
	assert.equal(value(off, 'leaktop_heap_used_bytes'), undefined, 'no leaktop samples while off');
	assert.ok(value(off, 'process_resident_memory_bytes')! > 0, 'the process metrics stay');
	assert.equal(await (await fetch(`http://127.0.0.1:${app.httpPort}/`)).text(), `ok ${app.pid}`);
	process.kill(app.pid, 'SIGUSR2');
	await waitForOutput(app, 'stderr', /^leaktop agent: collection on \(SIGUSR2 turns it off\)/m);
	await waitFor(async () => (value(await scrape(app.metricsUrl), 'leaktop_samples_total') ?? 0) >= 1, {what: 'samples again'});
	assert.equal(value(await scrape(app.metricsUrl), 'leaktop_agent_enabled'), 1);
});

test('LEAKTOP_SIGNAL=off: the agent takes no signal, so SIGUSR2 does what it did before (here: ends the app)', async () => {
	const app = await startApp(fixturePath('server'), {env: {LEAKTOP_SIGNAL: 'off'}});
	assert.match(app.stderr(), /no toggle signal\)$/m);
	process.kill(app.pid, 'SIGUSR2');
	const exit = await waitFor(() => Promise.race([app.exited, new Promise(resolve => setTimeout(resolve, 100, undefined))]), {what: 'the app to end on SIGUSR2'});
	assert.deepEqual(exit, {code: null, signal: 'SIGUSR2'});
});

test('an app that is done exits as without the agent, worker threads and cluster workers and all; --require works for CommonJS', async () => {
	const script = join(appDir, 'short.cjs');
	writeFileSync(
		script,
		`const cluster = require('node:cluster');
		if (cluster.isPrimary) {
			const {Worker} = require('node:worker_threads');
			const worker = new Worker('setTimeout(() => {}, 300)', {eval: true});
			worker.on('exit', () => console.log('worker done'));
			cluster.fork().on('exit', () => console.log('cluster worker done'));
			setTimeout(() => console.log('app done'), 1500);
		} else setTimeout(() => process.exit(0), 300);`,
	);
	const app = await startApp(script, {preload: ['--require', 'leaktop/agent'], ready: false});
	const exit = await waitFor(() => Promise.race([app.exited, new Promise(resolve => setTimeout(resolve, 100, undefined))]), {timeoutMs: 15_000, what: 'the app to exit by itself'});
	assert.deepEqual(exit, {code: 0, signal: null});
	for (const line of ['worker done', 'cluster worker done', 'app done']) assert.match(app.stdout(), new RegExp(`^${line}$`, 'm'));
	// One agent: a worker thread or a cluster worker would have served a second one.
	assert.equal(app.stderr().match(/leaktop agent:/g)?.length, 1, app.stderr());
});

test('bad settings and a taken port: one line on stderr, and the app runs without the agent', async () => {
	const bad = track(process.execPath, ['--import', 'leaktop/agent', fixturePath('server')], {cwd: appDir, env: {...process.env, LEAKTOP_INTERVAL: 'often'}});
	after(() => bad.kill());
	await waitForOutput(bad, 'stdout', /ready \d+/);
	await waitForOutput(bad, 'stderr', /^leaktop agent: invalid LEAKTOP_INTERVAL=often: use a number with a unit, e\.g\. 500ms, 30s, 15m, 2h; the agent is off$/m);

	const taken = createServer();
	await new Promise<void>(resolve => taken.listen(0, '127.0.0.1', resolve));
	after(() => taken.close());
	const port = (taken.address() as {port: number}).port;
	const clash = track(process.execPath, ['--import', 'leaktop/agent', fixturePath('server')], {cwd: appDir, env: {...process.env, LEAKTOP_METRICS_PORT: `127.0.0.1:${port}`}});
	after(() => clash.kill());
	const [, httpPort] = await waitForOutput(clash, 'stdout', /ready (\d+)/);
	await waitForOutput(clash, 'stderr', new RegExp(`^leaktop agent: cannot serve metrics on 127\\.0\\.0\\.1:${port}: the port is in use; the agent is off$`, 'm'));
	assert.equal(await (await fetch(`http://127.0.0.1:${httpPort}/`)).text(), `ok ${clash.pid}`);
	assert.deepEqual(listeningPorts(clash.pid), [Number(httpPort)], 'the agent stopped its collector and left nothing listening');
	// The signal the README says to send still does no harm: it is the agent's, even when the agent is off.
	process.kill(clash.pid, 'SIGUSR2');
	await waitForOutput(clash, 'stderr', /^leaktop agent: the agent is off; SIGUSR2 does nothing$/m);
	assert.equal(await (await fetch(`http://127.0.0.1:${httpPort}/`)).text(), `ok ${clash.pid}`);
});

test('the in-process session refuses the Debugger domain', async () => {
	const session = inProcessSession();
	try {
		await assert.rejects(session.send('Debugger.enable'), {message: 'Debugger.enable: the agent never uses the Debugger domain'});
		assert.equal(typeof (await session.send('Runtime.getHeapUsage')).usedSize, 'number');
	} finally {
		await session.close();
	}
	assert.equal(session.closed, true);
});
