/**
 * leaktop inside the app: the CLI's Monitor over Node's in-process inspector session (no port,
 * no Debugger), feeding the same store and verdict, served as Prometheus metrics. Everything it
 * starts is unref'd: the app exits when it would have without the agent.
 */
import {describeError} from '../errors.js';
import {Monitor} from '../inspector/monitor.js';
import {agentFamilies, metricFamilies, type MetricFamily} from '../model/metrics.js';
import {initialState} from '../model/state.js';
import {computeVerdict} from '../model/verdict.js';
import {createStore, type Store} from '../store.js';
import {leaktopRegistry, type MetricsServer, serveMetrics} from '../metrics/exporter.js';
import type {AgentConfig} from './config.js';

export interface Agent {
	/** Where Prometheus scrapes. */
	readonly url: string;
	/** What SIGUSR2 (LEAKTOP_SIGNAL) does, through register.ts: stops collecting (the monitor detaches; /metrics keeps the process metrics), or starts again. */
	toggle(): Promise<void>;
	/** Stops collecting and serving. */
	stop(): Promise<void>;
}

/**
 * The floor probe's full GCs, on the samples' time scale. An LRU cache warming up read as a leak
 * on the lowest readings between GCs alone, so the first six come every 10 samples while a
 * verdict forms (at the default 10 s: every 100 s; at 1 s: every 10 s); then at least a minute
 * apart. Never more than 0.5 % of wall time: a 100 ms GC comes at most every 20 s.
 */
function floorProbe(intervalMs: number) {
	const early = Math.max(10_000, 10 * intervalMs);
	return {firstMs: early, early: 6, earlyMs: early, settledMs: Math.max(60_000, early), budget: 0.005};
}

/** The floors' slopes are fitted over the last 6 hours of samples: the seed's alert window. */
const historyMs = 6 * 3_600_000;

export async function startAgent(config: AgentConfig, log: (line: string) => void): Promise<Agent> {
	const historySize = Math.min(4320, Math.max(360, Math.ceil(historyMs / config.intervalMs)));
	let session: {monitor: Monitor; store: Store} | undefined;
	let switching: Promise<void> = Promise.resolve();
	const signal = config.toggleSignal ?? 'toggle()';

	const families = (): MetricFamily[] => {
		const live = session;
		if (!live) return agentFamilies(false);
		const state = live.store.getState();
		return [...agentFamilies(true), ...metricFamilies(state, computeVerdict(state), live.monitor.cost)];
	};
	const {registry, render} = leaktopRegistry(families, {defaultMetrics: true});

	const begin = async () => {
		const store = createStore(initialState({historySize, samplingIntervalBytes: config.samplingIntervalBytes}));
		const monitor = await Monitor.attach(
			{kind: 'in-process'},
			{
				intervalMs: config.intervalMs,
				samplingIntervalBytes: config.samplingIntervalBytes,
				firstCensusDelayMs: config.census ? 30_000 : null,
				floorProbe: config.floorGc ? floorProbe(config.intervalMs) : null,
				onEvent: event => store.dispatch(event),
			},
		);
		session = {monitor, store};
	};
	const end = async (reason: string) => {
		const live = session;
		session = undefined;
		await live?.monitor.stop(reason);
	};

	await begin();
	let server: MetricsServer;
	try {
		server = await serveMetrics(config.listen, render, registry.contentType, {background: true, onError: error => log(`metrics endpoint: ${describeError(error)}`)});
	} catch (error) {
		await end('the metrics endpoint could not start');
		throw error;
	}

	const agent: Agent = {
		url: server.url,
		toggle() {
			// Signals can come faster than a detach: each switch waits for the one before.
			switching = switching.then(async () => {
				const stopping = session !== undefined;
				try {
					if (stopping) {
						await end(signal);
						log(`collection off (${signal} turns it on again); /metrics serves the process metrics only`);
					} else {
						await begin();
						log(`collection on (${signal} turns it off), every ${config.intervalMs / 1000}s`);
					}
				} catch (error) {
					log(`cannot ${stopping ? 'stop' : 'start'} collecting: ${describeError(error)}`);
				}
			});
			return switching;
		},
		async stop() {
			await switching;
			await end('the agent stopped');
			await server.close();
		},
	};
	return agent;
}
