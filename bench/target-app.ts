/**
 * The benchmark target: a small HTTP service that keeps itself busy. It serves JSON built fresh
 * for every request (garbage churn), keeps a bounded cache (a warm, flat heap), and drives its
 * own load with a keep-alive client at a fixed rate, so the event loop is never idle while
 * leaktop samples it. Start it with `node --inspect=127.0.0.1:0 dist/bench/target-app.js`;
 * it prints `ready <httpPort>` on stdout once it listens. GET /stats returns the request count,
 * the uptime and heapUsed.
 *
 * BENCH_TARGET_RPS sets the self-load (default 200 requests per second).
 */
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {exitOnSignals} from './target-shutdown.js';

const requestsPerSecond = Math.max(0, Number(process.env.BENCH_TARGET_RPS ?? '200'));
const tickMs = 10;

let served = 0;
const startedAt = Date.now();
const cache = new Map<string, string>();
const cacheLimit = 500;

function page(key: string): string {
	const cached = cache.get(key);
	if (cached !== undefined) return cached;
	const items = Array.from({length: 40}, (_, i) => ({id: i, key, name: `item-${key}-${i}`, tags: ['a', 'b', String(i % 7)]}));
	const body = JSON.stringify({key, items});
	cache.set(key, body);
	if (cache.size > cacheLimit) cache.delete(cache.keys().next().value!);
	return body;
}

const server = http.createServer((req, res) => {
	const url = new URL(req.url ?? '/', 'http://localhost');
	if (url.pathname === '/stats') {
		res.setHeader('content-type', 'application/json');
		res.end(JSON.stringify({served, uptimeMs: Date.now() - startedAt, heapUsed: process.memoryUsage().heapUsed}));
		return;
	}
	served++;
	// Per-request garbage on top of the cached part: a fresh envelope every time.
	const envelope = JSON.stringify({at: Date.now(), path: url.pathname, trace: Array.from({length: 20}, (_, i) => `${served}-${i}`)});
	res.setHeader('content-type', 'application/json');
	res.end(`${envelope}\n${page(String(served % 1000))}`);
});

server.listen(0, '127.0.0.1', () => {
	const {port} = server.address() as AddressInfo;
	const agent = new http.Agent({keepAlive: true, maxSockets: 8});
	const perTick = (requestsPerSecond * tickMs) / 1000;
	let owed = 0;
	if (perTick > 0) {
		setInterval(() => {
			owed += perTick;
			for (; owed >= 1; owed--) {
				http
					.get({host: '127.0.0.1', port, path: `/item/${served % 1000}`, agent}, res => res.resume())
					.on('error', () => undefined);
			}
		}, tickMs);
	}
	process.stdout.write(`ready ${port}\n`);
});

exitOnSignals(server);
