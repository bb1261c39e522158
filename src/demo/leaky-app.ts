/**
 * The app `leaktop demo` watches: a small HTTP server that drives its own traffic and leaks in
 * the four ways the seed describes. Each scenario retains about 4-5 MB a minute at the default
 * 20 requests a second: fast enough for a verdict within a minute, slow enough to watch for an
 * hour.
 */
import {EventEmitter} from 'node:events';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {randomBytes} from 'node:crypto';
import {Readable} from 'node:stream';

import {type Scenario, scenarios} from './scenarios.js';

function option(name: string, fallback: string): string {
	const index = process.argv.indexOf(`--${name}`);
	return index >= 0 && process.argv[index + 1] ? process.argv[index + 1]! : fallback;
}

const chosen = option('scenario', 'all');
const active: readonly Scenario[] = chosen === 'all' ? scenarios : scenarios.filter(s => s === chosen);
if (active.length === 0) {
	process.stderr.write(`leaky-app: unknown scenario "${chosen}"\n`);
	process.exitCode = 2;
} else {
	start();
}

function start(): void {
	const requestsPerSecond = Number(option('rate', '20'));
	process.title = `leaktop-demo (${chosen})`;

	// listeners: one per request on a shared bus, never removed; the warning is silenced, as the seed says teams do.
	const bus = new EventEmitter();
	bus.setMaxListeners(0);
	// closure: callbacks kept for "shutdown hooks" capture the whole order through a shared context.
	const shutdownHooks: Array<() => string> = [];
	// cache: a Map used as a cache with no eviction.
	const userCache = new Map<string, {id: string; profile: string; history: number[]}>();
	// stream: an audit stream nobody reads; push() ignores backpressure, so Buffers pile up off-heap.
	const audit = new Readable({read() {}});

	// Text that really occupies `bytes` on the heap: `'x'.repeat(n)` would share its halves and
	// weigh almost nothing.
	const text = (bytes: number) => randomBytes(bytes >> 1).toString('hex');

	let sequence = 0;
	const handlers: Record<Scenario, (res: http.ServerResponse) => void> = {
		listeners(res) {
			const context = {requestId: ++sequence, trace: text(4000)};
			bus.on('update', (data: unknown) => res.writableEnded || res.write(JSON.stringify({data, id: context.requestId, trace: context.trace.length})));
			res.end('ok');
		},
		closure(res) {
			const order = {id: ++sequence, items: Array.from({length: 20}, (_, i) => ({name: `item-${i}-${sequence}`, note: text(160)}))};
			const summary = order.items.map(i => i.name).join(',').slice(0, 40);
			const audit = () => order.items.length;
			shutdownHooks.push(() => summary);
			res.end(String(audit()));
		},
		cache(res) {
			const id = `user-${++sequence}`;
			userCache.set(id, {id, profile: text(3600), history: Array.from({length: 64}, (_, i) => i * sequence)});
			res.end(String(userCache.size));
		},
		stream(res) {
			audit.push(Buffer.alloc(4200, sequence++ & 0xff));
			res.end('ok');
		},
	};

	const server = http.createServer((req, res) => {
		const name = req.url?.slice(1) as Scenario;
		if (name in handlers) handlers[name](res);
		else res.end('leaktop demo: GET /listeners, /closure, /cache, /stream\n');
	});
	server.listen(0, '127.0.0.1', () => {
		const {port} = server.address() as AddressInfo;
		process.stdout.write(`leaky-app listening on http://127.0.0.1:${port} (${active.join(', ')})\n`);
		const agent = new http.Agent({keepAlive: true, maxSockets: 4});
		const load = setInterval(() => {
			for (const scenario of active) {
				http.get({host: '127.0.0.1', port, path: `/${scenario}`, agent}, res => res.resume()).on('error', () => undefined);
			}
		}, 1000 / requestsPerSecond);
		const stop = () => {
			clearInterval(load);
			agent.destroy();
			server.close();
			server.closeAllConnections();
			if (process.connected) process.disconnect();
		};
		process.once('SIGTERM', stop);
		process.once('SIGINT', stop);
		// Started by `leaktop demo` with an IPC channel: when leaktop goes, so does the demo.
		process.once('disconnect', stop);
		// leaktop may have gone before the server listened (killed during start-up): the
		// disconnect is then already past, and only `connected === false` tells.
		if (process.connected === false) stop();
	});
}
