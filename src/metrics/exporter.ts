import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {collectDefaultMetrics, Counter, Gauge, Registry} from 'prom-client';
import {LeaktopError} from '../errors.js';
import type {MetricFamily} from '../model/metrics.js';
import type {ListenAddress} from './address.js';

type Metric = Gauge | Counter;

/**
 * A prom-client registry whose leaktop metrics are read at scrape time from `read()` (one call
 * per scrape, so every family comes from the same state); with `defaultMetrics`, prom-client's
 * process and Node.js metrics of this process too (the agent: the app's own).
 */
export function leaktopRegistry(read: () => MetricFamily[], {defaultMetrics}: {defaultMetrics: boolean}): {registry: Registry; render(): Promise<string>} {
	const registry = new Registry();
	if (defaultMetrics) collectDefaultMetrics({register: registry});
	const metrics = new Map<string, Metric>();
	const metricOf = (family: MetricFamily): Metric => {
		let metric = metrics.get(family.name);
		if (!metric) {
			const config = {name: family.name, help: family.help, labelNames: family.labelNames, registers: [registry]};
			metric = family.type === 'counter' ? new Counter(config) : new Gauge(config);
			metrics.set(family.name, metric);
		}
		return metric;
	};
	return {
		registry,
		async render() {
			// Several targets give the same names with their own labels: one metric per name.
			const byName = new Map<string, MetricFamily[]>();
			for (const family of read()) byName.set(family.name, [...(byName.get(family.name) ?? []), family]);
			// A family missing from this scrape (the listeners before a census, everything while the
			// agent is off) is left out: prom-client would print a label-less one as 0.
			for (const [name, metric] of metrics) {
				if (byName.has(name)) metric.reset();
				else {
					registry.removeSingleMetric(name);
					metrics.delete(name);
				}
			}
			for (const families of byName.values()) {
				const metric = metricOf(families[0]!);
				for (const {labels, value} of families.flatMap(f => f.samples)) {
					if (metric instanceof Counter) metric.inc(labels, value);
					else metric.set(labels, value);
				}
			}
			return registry.metrics();
		},
	};
}

export interface MetricsServer {
	/** Where it listens, as a URL to scrape. */
	url: string;
	close(): Promise<void>;
}

/**
 * Serves `GET /metrics`. `background`: the server never keeps the process alive (the agent runs
 * inside the app, which must still exit when it is done).
 */
export async function serveMetrics(address: ListenAddress, render: () => Promise<string>, contentType: string, {background = false, onError = (_error: Error) => {}} = {}): Promise<MetricsServer> {
	const server: Server = createServer((request, response) => {
		const path = (request.url ?? '/').split('?')[0];
		if (request.method !== 'GET' && request.method !== 'HEAD') {
			response.writeHead(405, {allow: 'GET, HEAD'}).end();
			return;
		}
		if (path !== '/metrics') {
			response.writeHead(404, {'content-type': 'text/plain'}).end('leaktop serves /metrics only\n');
			return;
		}
		render().then(
			body => response.writeHead(200, {'content-type': contentType}).end(request.method === 'HEAD' ? undefined : body),
			(error: unknown) => response.writeHead(500, {'content-type': 'text/plain'}).end(`${String(error)}\n`),
		);
	});
	server.keepAliveTimeout = 5000;
	await new Promise<void>((resolve, reject) => {
		server.once('error', error => {
			const code = (error as NodeJS.ErrnoException).code;
			const where = `${address.host ?? ''}:${address.port}`;
			reject(new LeaktopError(code === 'EADDRINUSE' ? `cannot serve metrics on ${where}: the port is in use` : code === 'EACCES' ? `cannot serve metrics on ${where}: permission denied` : `cannot serve metrics on ${where}: ${error.message}`));
		});
		server.listen(address.port, address.host, () => resolve());
	});
	// After listening, an error (accept failing with EMFILE under load) must not become an
	// unhandled 'error' event: in the agent, that would crash the app.
	server.on('error', onError);
	if (background) {
		server.unref();
		// A scrape's keep-alive socket, or a client that connects and sends nothing, would hold the app open.
		server.on('connection', socket => socket.unref());
	}
	const {address: host, port, family} = server.address() as AddressInfo;
	const shown = address.host === undefined ? 'localhost' : family === 'IPv6' ? `[${host}]` : host;
	return {
		url: `http://${shown}:${port}/metrics`,
		close: () =>
			new Promise<void>(resolve => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}
