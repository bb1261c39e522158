/**
 * The target of the heap snapshot benchmark: a process holding a cache of small records, the
 * kind of heap a leaking service has (millions of small objects and short strings in a Map),
 * not one giant string that a snapshot would walk in one step.
 *
 * At start it fills the cache until the live heap (after a full GC) reaches `--mb` MB, then
 * prints `ready <httpPort>`. A 10 ms interval records the longest gap between its ticks: the
 * longest time the main thread was stopped, whoever stopped it (a snapshot over the inspector or
 * one written in-process). Everything else is HTTP on the printed port:
 *
 *   GET /stats  {pid, heapUsed, rss, records, maxGapMs}: maxGapMs since the last /reset, counting
 *               a stall still in progress (the interval may not have ticked yet after one)
 *   GET /reset  forgets the longest gap
 *   GET /write?path=P  runs `v8.writeHeapSnapshot(P)` in-process; answers {ms} (its duration)
 *
 *   node --inspect=127.0.0.1:0 dist/bench/heap-target.js --mb 150
 */
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {exitOnSignals} from './target-shutdown.js';
import {performance} from 'node:perf_hooks';
import {parseArgs} from 'node:util';
import v8 from 'node:v8';
import {runInNewContext} from 'node:vm';

const {values: args} = parseArgs({options: {mb: {type: 'string', default: '50'}}});
const targetBytes = Number(args.mb) * 1e6;
if (!(targetBytes > 0)) throw new Error(`--mb must be a positive number, not ${args.mb}`);

// A full GC on demand without `--expose-gc` on the command line (the benchmark starts every
// target the same way): the flag set at run time exposes `gc` to contexts created after it.
v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface CustomerRecord {
	id: number;
	name: string;
	email: string;
	city: string;
	plan: string;
	score: number;
	visits: number;
	lastSeen: number;
	tags: string[];
}

const cache = new Map<string, CustomerRecord>();
const cities = ['Lisbon', 'Osaka', 'Lagos', 'Quito', 'Tartu', 'Perth', 'Leeds', 'Pune'];
const plans = ['free', 'team', 'business'];
const batchSize = 1000;

/**
 * One batch as a service would get it, JSON from a database or an API, so the strings are
 * flat, distinct and parsed, and the numbers include doubles (HeapNumbers in the heap).
 */
function batchJson(first: number): string {
	const rows: unknown[] = [];
	for (let id = first; id < first + batchSize; id++) {
		rows.push({
			id,
			name: `Customer ${id.toString(36)} ${cities[id % cities.length]}`,
			email: `customer.${id}@example.com`,
			city: cities[id % cities.length],
			plan: plans[id % plans.length],
			score: (id % 997) / 7,
			visits: id % 1000,
			lastSeen: 1_700_000_000_000 + id * 1000,
			tags: [`segment-${id % 31}`, `cohort-${id % 12}`],
		});
	}
	return JSON.stringify(rows);
}

function addBatch(): void {
	for (const record of JSON.parse(batchJson(cache.size)) as CustomerRecord[]) cache.set(`customer:${record.id}`, record);
}

/** Fills the cache until the heap after a full GC reaches the target (within a batch or so). */
function fill(): void {
	// Records are about the same size, so a measured per-record cost gets close in one step;
	// the loop then tops up the last few percent measured again after each GC.
	for (let round = 0; round < 20; round++) {
		gc();
		const used = process.memoryUsage().heapUsed;
		if (used >= targetBytes) return;
		// The first round only measures: 10 batches give the per-record cost.
		const missing = cache.size === 0 ? 10 * batchSize : ((targetBytes - used) / ((used - baseHeap) / cache.size)) * 0.97;
		for (let added = 0; added < missing; added += batchSize) addBatch();
	}
}

gc();
const baseHeap = process.memoryUsage().heapUsed;
fill();
gc();

// The event loop watch: started once the heap is built, so building is not a stall.
const tickMs = 10;
let lastTick = performance.now();
let maxGapMs = 0;
setInterval(() => {
	const t = performance.now();
	maxGapMs = Math.max(maxGapMs, t - lastTick);
	lastTick = t;
}, tickMs);

function send(res: http.ServerResponse, body: unknown): void {
	res.setHeader('content-type', 'application/json');
	res.end(JSON.stringify(body));
}

const server = http.createServer((req, res) => {
	const url = new URL(req.url ?? '/', 'http://localhost');
	if (url.pathname === '/stats') {
		const {heapUsed, rss} = process.memoryUsage();
		send(res, {pid: process.pid, heapUsed, rss, records: cache.size, maxGapMs: Math.max(maxGapMs, performance.now() - lastTick)});
	} else if (url.pathname === '/reset') {
		maxGapMs = 0;
		lastTick = performance.now();
		send(res, {ok: true});
	} else if (url.pathname === '/write') {
		const path = url.searchParams.get('path');
		if (!path) {
			res.statusCode = 400;
			send(res, {error: 'path is required'});
			return;
		}
		const started = performance.now();
		v8.writeHeapSnapshot(path);
		send(res, {ms: performance.now() - started});
	} else {
		res.statusCode = 404;
		send(res, {error: 'not found'});
	}
});
server.listen(0, '127.0.0.1', () => {
	process.stdout.write(`ready ${(server.address() as AddressInfo).port}\n`);
});

exitOnSignals(server);
