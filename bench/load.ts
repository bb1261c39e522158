/**
 * The load generator of the overhead benchmark. It runs in its own process, so that its CPU
 * time is not charged to the target it measures.
 *
 * `--connections` keep-alive connections each send their next GET as soon as the previous
 * response has ended (a closed loop: a slower server gets fewer requests, so throughput is what
 * moves when the target slows down). Requests that complete during the first `--warmup` seconds
 * are not counted: the connections open and the JIT warms up then. After that, the benchmark
 * counts the responses that complete during `--seconds`.
 *
 * It prints `window start` on stdout when the counted window opens, so the benchmark can read
 * /proc of every process at the same moment. When the window ends it prints one JSON line:
 * {requests, errors, seconds, rps, p50Ms, p99Ms, cpuPercent}, where cpuPercent is this process's own
 * CPU over the window (% of one core). Then it exits.
 *
 *   node dist/bench/load.js --port P [--connections 16] [--seconds 10] [--warmup 1] [--path /item/1]
 */
import http from 'node:http';
import {performance} from 'node:perf_hooks';
import {parseArgs} from 'node:util';

const {values: args} = parseArgs({
	options: {
		port: {type: 'string'},
		connections: {type: 'string', default: '16'},
		seconds: {type: 'string', default: '10'},
		warmup: {type: 'string', default: '1'},
		path: {type: 'string', default: '/item/1'},
	},
});
const port = Number(args.port);
const connections = Number(args.connections);
const windowMs = Number(args.seconds) * 1000;
const warmupMs = Number(args.warmup) * 1000;
if (!Number.isInteger(port) || port <= 0) throw new Error(`--port must be a port number, not ${args.port}`);
if (!Number.isInteger(connections) || connections < 1) throw new Error(`--connections must be a positive integer, not ${args.connections}`);
if (!(windowMs > 0) || !(warmupMs >= 0)) throw new Error('--seconds must be positive and --warmup not negative');

export interface LoadResult {
	requests: number;
	errors: number;
	seconds: number;
	rps: number;
	p50Ms: number;
	p99Ms: number;
	cpuPercent: number;
}

// One socket per connection loop: maxSockets equal to the loops means no request waits in the
// agent's queue, and keepAlive reuses each socket for the whole run.
const agent = new http.Agent({keepAlive: true, maxSockets: connections});
const t0 = performance.now();
const windowStart = t0 + warmupMs;
const windowEnd = windowStart + windowMs;
let requests = 0;
let errors = 0;
const latencies: number[] = [];
let stopping = false;

function loop(): void {
	if (stopping) return;
	const sent = performance.now();
	const request = http.get({host: '127.0.0.1', port, path: args.path, agent}, response => {
		response.resume();
		response.on('end', () => {
			const done = performance.now();
			if (done >= windowStart && done < windowEnd) {
				requests++;
				latencies.push(done - sent);
			}
			loop();
		});
	});
	request.on('error', () => {
		if (performance.now() >= windowStart) errors++;
		// A refused or reset connection would spin; back off a little before the next one.
		setTimeout(loop, 10);
	});
}

function percentile(sorted: readonly number[], p: number): number {
	return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : Number.NaN;
}

for (let i = 0; i < connections; i++) loop();
let cpuAtStart = process.cpuUsage();
setTimeout(() => {
	cpuAtStart = process.cpuUsage();
	process.stdout.write('window start\n');
}, Math.max(0, windowStart - performance.now()));
setTimeout(() => {
	stopping = true;
	const cpu = process.cpuUsage(cpuAtStart);
	const sorted = latencies.sort((a, b) => a - b);
	const result: LoadResult = {
		requests,
		errors,
		seconds: windowMs / 1000,
		rps: requests / (windowMs / 1000),
		p50Ms: percentile(sorted, 50),
		p99Ms: percentile(sorted, 99),
		cpuPercent: ((cpu.user + cpu.system) / 1000 / windowMs) * 100,
	};
	process.stdout.write(`${JSON.stringify(result)}\n`);
	agent.destroy();
	// Responses still in flight do not count; nothing else needs to finish.
	process.exit(0);
}, Math.max(0, windowEnd - performance.now()));
