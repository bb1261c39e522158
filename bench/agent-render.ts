/**
 * The agent's /metrics with a full history, without waiting 6 hours for one: the agent's own
 * render path (agentFamilies + metricFamilies over the store's state and computeVerdict, into a
 * prom-client registry with the default process metrics, as src/agent/agent.ts builds it), over
 * a store filled with `--samples` synthetic samples `--interval-ms` apart (a heap sawtooth, a
 * few resource types). The agent keeps min(4320, max(360, 6 h / interval)) samples: 2160 at the
 * default 10 s, 4320 at 1 s. Times `--runs` renders after 5 uncounted ones, and measures the heap
 * the filled state holds (forced GCs before and after filling: run with `--expose-gc`).
 *
 *   node --expose-gc dist/bench/agent-render.js [--samples 2160] [--interval-ms 10000] [--runs 50]
 *
 * Prints one JSON line: {samples, intervalMs, historyHeapBytes, renderMs: number[], bytes}.
 */
import {performance} from 'node:perf_hooks';
import {parseArgs} from 'node:util';
import {leaktopRegistry} from '../src/metrics/exporter.js';
import {agentFamilies, type MetricFamily, metricFamilies} from '../src/model/metrics.js';
import {initialState} from '../src/model/state.js';
import {computeVerdict} from '../src/model/verdict.js';
import {createStore} from '../src/store.js';

const {values: args} = parseArgs({
	options: {
		samples: {type: 'string', default: '2160'},
		'interval-ms': {type: 'string', default: '10000'},
		runs: {type: 'string', default: '50'},
	},
});
const samples = Number(args.samples);
const intervalMs = Number(args['interval-ms']);
const runs = Number(args.runs);
if (!Number.isInteger(samples) || samples < 1 || !(intervalMs > 0) || !Number.isInteger(runs) || runs < 1) throw new Error('--samples, --interval-ms and --runs must be positive');

export interface RenderResult {
	samples: number;
	intervalMs: number;
	/** Heap held by the filled state (after a forced GC), over an empty store's. */
	historyHeapBytes: number;
	renderMs: number[];
	bytes: number;
}

const gc = (globalThis as {gc?: () => void}).gc;
const heapAfterGc = () => {
	gc?.();
	return process.memoryUsage().heapUsed;
};

const store = createStore(initialState({historySize: samples}));
const heapBefore = heapAfterGc();
const t0 = Date.now() - samples * intervalMs;
for (let i = 0; i < samples; i++) {
	const t = t0 + i * intervalMs;
	// A 10-25 MB sawtooth (one GC every 20 samples) on a flat floor, with a little jitter.
	const heapUsed = 10e6 + (i % 20) * 750e3 + ((i * 7919) % 100_000);
	store.dispatch({
		type: 'sample',
		sample: {
			t,
			heapUsed,
			heapTotal: 30e6,
			rss: 80e6 + ((i * 104_729) % 1e6),
			external: 2.5e6 + ((i * 31) % 50_000),
			arrayBuffers: 170e3,
			uptime: (i * intervalMs) / 1000,
			resources: {TCPServerWrap: 1, TCPSocketWrap: 3 + (i % 3), Timeout: 1 + (i % 2), Immediate: i % 2},
			loopActiveMs: i * intervalMs * 0.5,
		},
		receivedAt: t,
	});
}
const historyHeapBytes = heapAfterGc() - heapBefore;

const families = (): MetricFamily[] => {
	const state = store.getState();
	return [...agentFamilies(true), ...metricFamilies(state, computeVerdict(state), {collectorSeconds: 1.5, samplesTaken: samples})];
};
const {render} = leaktopRegistry(families, {defaultMetrics: true});
let bytes = 0;
for (let i = 0; i < 5; i++) bytes = Buffer.byteLength(await render());
const renderMs: number[] = [];
for (let i = 0; i < runs; i++) {
	const started = performance.now();
	await render();
	renderMs.push(performance.now() - started);
}
const result: RenderResult = {samples: store.getState().samples.items.length, intervalMs, historyHeapBytes, renderMs, bytes};
process.stdout.write(`${JSON.stringify(result)}\n`);
// prom-client's default metrics keep an event-loop-delay monitor running.
process.exit(0);
