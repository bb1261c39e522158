/**
 * The Prometheus view of a session: what `/metrics` serves, from the same state and verdict the
 * TUI and the report read. Names follow Prometheus' conventions (base units, `_bytes`,
 * `_total`); labels are bounded (three memory series, the resource types Node reports, the top
 * listener rows). Pure: the exporter turns these families into prom-client metrics at scrape time.
 */
import type {State} from './state.js';
import type {LeakVerdict} from './verdict.js';

export type Labels = Record<string, string>;

export interface MetricFamily {
	name: string;
	help: string;
	type: 'gauge' | 'counter';
	labelNames: readonly string[];
	samples: Array<{labels: Labels; value: number}>;
}

/** Listener rows exported, biggest first: one emitter per row would otherwise be one series each. */
export const maxListenerRows = 10;

/** What the session knows outside the state: the collector's own cost, and whether it is on. */
export interface CollectorFacts {
	/** Time spent in leaktop's inspector calls (in the agent, on the app's main thread). */
	collectorSeconds: number;
	samplesTaken: number;
}

const memorySeries = [
	{kind: 'heap', series: 'heap'},
	{kind: 'external', series: 'external'},
	{kind: 'rss', series: 'rss'},
] as const;

/** The families for one target; `labels` (`target` in the CLI) go on every sample. */
export function metricFamilies(state: State, verdict: LeakVerdict, facts: CollectorFacts, labels: Labels = {}): MetricFamily[] {
	const extra = Object.keys(labels);
	const family = (name: string, help: string, type: MetricFamily['type'], labelNames: readonly string[], samples: Array<{labels?: Labels; value: number}>): MetricFamily => ({
		name,
		help,
		type,
		labelNames: [...extra, ...labelNames],
		samples: samples.map(sample => ({labels: {...labels, ...sample.labels}, value: sample.value})),
	});
	const sample = state.samples.items.at(-1);
	const families: MetricFamily[] = [];
	if (sample) {
		families.push(
			family('leaktop_heap_used_bytes', 'V8 heap in use at the latest sample.', 'gauge', [], [{value: sample.heapUsed}]),
			family('leaktop_heap_total_bytes', 'V8 heap reserved at the latest sample.', 'gauge', [], [{value: sample.heapTotal}]),
			family('leaktop_external_bytes', 'Memory of C++ objects bound to JS objects (Buffers among them) at the latest sample.', 'gauge', [], [{value: sample.external}]),
			family('leaktop_array_buffers_bytes', 'ArrayBuffer and Buffer memory at the latest sample.', 'gauge', [], [{value: sample.arrayBuffers}]),
			family('leaktop_rss_bytes', 'Resident set size at the latest sample.', 'gauge', [], [{value: sample.rss}]),
			family(
				'leaktop_active_resources',
				'Active handles and requests by type (process.getActiveResourcesInfo) at the latest sample.',
				'gauge',
				['type'],
				Object.entries(sample.resources).map(([type, count]) => ({labels: {type}, value: count})),
			),
		);
	}
	const memory = memorySeries.flatMap(({kind, series}) => {
		const signal = verdict.signals.find(s => s.kind === kind);
		return signal ? [{series, signal}] : [];
	});
	families.push(
		family(
			'leaktop_floor_bytes',
			'The series after garbage collection: its floor, the part a leak raises (heap: exact after a forced GC or census).',
			'gauge',
			['series'],
			memory.flatMap(({series, signal}) => (signal.floor === null ? [] : [{labels: {series}, value: signal.floor}])),
		),
		family(
			'leaktop_floor_slope_bytes_per_second',
			'Slope of the floor (Theil-Sen over the session); 0 until the floor has enough points.',
			'gauge',
			['series'],
			memory.map(({series, signal}) => ({labels: {series}, value: signal.verdict === 'warming up' ? 0 : signal.slopePerHour / 3600})),
		),
		family(
			'leaktop_floor_growing',
			"1 when leaktop's verdict for the series is sustained growth, else 0.",
			'gauge',
			['series'],
			memory.map(({series, signal}) => ({labels: {series}, value: signal.verdict === 'growing' ? 1 : 0})),
		),
		family('leaktop_leak_verdict', "1 when any series leaks (the verdict the TUI's header shows), else 0.", 'gauge', [], [{value: verdict.leak ? 1 : 0}]),
		family(
			'leaktop_evidence_ready',
			'0 while the heap floor has too little history for a verdict (about 30 s and 6 points), then 1.',
			'gauge',
			[],
			[{value: verdict.signals.some(s => s.kind === 'heap' && s.verdict !== 'warming up') ? 1 : 0}],
		),
	);
	const census = state.censuses.items.at(-1);
	if (census) {
		const rows = [...census.rows].sort((a, b) => b.count - a.count).slice(0, maxListenerRows);
		families.push(
			family(
				'leaktop_listeners',
				`Listeners per emitter and event at the latest census (the ${maxListenerRows} biggest rows).`,
				'gauge',
				['emitter', 'event'],
				rows.map(row => ({labels: {emitter: row.emitter, event: row.event}, value: row.count})),
			),
		);
		if (typeof census.promises === 'number') families.push(family('leaktop_promises', 'Live Promise objects after the latest census\'s full GC.', 'gauge', [], [{value: census.promises}]));
	}
	families.push(
		family(
			'leaktop_target_connected',
			'1 while leaktop gets samples from the target; 0 while it reconnects or after the target went away (the other gauges then hold their last values).',
			'gauge',
			[],
			[{value: state.connection === 'connected' || state.connection === 'lagging' ? 1 : 0}],
		),
		family('leaktop_target_restarts_total', 'Times the target came back as another process during the session.', 'counter', [], [{value: state.restarts.length}]),
		family('leaktop_samples_total', 'Memory samples taken.', 'counter', [], [{value: facts.samplesTaken}]),
		family('leaktop_collector_seconds_total', "Time spent in leaktop's inspector calls: in the agent, time on the app's main thread.", 'counter', [], [{value: facts.collectorSeconds}]),
	);
	return families;
}

/** The agent's own switch (`SIGUSR2`): while it is 0, only the process metrics are served. */
export function agentFamilies(enabled: boolean): MetricFamily[] {
	return [{name: 'leaktop_agent_enabled', help: 'Whether the agent collects (SIGUSR2 toggles it): 1 on, 0 off.', type: 'gauge', labelNames: [], samples: [{labels: {}, value: enabled ? 1 : 0}]}];
}
