import type {Monitor} from '../inspector/monitor.js';
import type {ListenAddress} from '../metrics/address.js';
import {leaktopRegistry, serveMetrics} from '../metrics/exporter.js';
import {metricFamilies} from '../model/metrics.js';
import {computeVerdict, type VerdictOptions} from '../model/verdict.js';
import type {Store} from '../store.js';

export interface MetricsTarget {
	/** The `target` label: the address (`127.0.0.1:9229`) or the pod's name. */
	name: string;
	store: Store;
	monitor: Monitor;
}

export interface SessionMetrics {
	url: string;
	/** The targets to serve, once attached; until then `/metrics` is empty. */
	serve(targets: readonly MetricsTarget[]): void;
	close(): Promise<void>;
}

/**
 * `--metrics :9464`: the agent's metrics for targets attached over CDP, one `target` label each.
 * Started before attaching, so that a taken port fails the run before the target is touched.
 * leaktop's own process metrics are left out: they would read as the target's.
 */
async function serveSessionMetrics(address: ListenAddress, verdictOptions: VerdictOptions): Promise<SessionMetrics> {
	let served: readonly MetricsTarget[] = [];
	const {registry, render} = leaktopRegistry(
		() =>
			served.flatMap(({name, store, monitor}) => {
				const state = store.getState();
				return metricFamilies(state, computeVerdict(state, verdictOptions), monitor.cost, {target: name});
			}),
		{defaultMetrics: false},
	);
	const server = await serveMetrics(address, render, registry.contentType);
	return {
		url: server.url,
		serve(targets) {
			served = targets;
		},
		close: () => server.close(),
	};
}

/** Runs `session` with the `--metrics` endpoint up, when one is asked for, and closes it after. */
export async function withSessionMetrics<T>(address: ListenAddress | undefined, verdictOptions: VerdictOptions, status: (line: string) => void, session: (metrics: SessionMetrics | undefined) => Promise<T>): Promise<T> {
	const metrics = address ? await serveSessionMetrics(address, verdictOptions) : undefined;
	try {
		if (metrics) status(`serving Prometheus metrics at ${metrics.url}`);
		return await session(metrics);
	} finally {
		await metrics?.close();
	}
}
