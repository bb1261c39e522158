import type {AuditCounts, AuditEntry} from './audit.js';
import type {RestartRecord, State} from './state.js';
import type {LogEntry, MemorySample, TargetInfo} from './types.js';
import {censusesSinceBaseline, effectiveVerdictOptions, type LeakVerdict, resourceTypes, type VerdictOptions} from './verdict.js';
import {listenerGrowth, type ListenerGrowthRow} from './listeners.js';
import type {PathAggregate, StackFrame} from './allocations.js';
import type {PollInfo, SamplingStatus} from './allocations-state.js';
import {allocationRows} from './allocation-table.js';
import {type Finding, findingsFor} from './findings.js';

export const reportVersion = 1;

/** The machine-readable record of a session: what `--report` writes. */
export interface Report {
	reportVersion: number;
	leaktopVersion: string;
	startedAt: string;
	endedAt: string;
	intervalMs: number;
	target: TargetInfo | null;
	/** Why the session ended: duration reached, signal, target gone. */
	endReason: string | null;
	/** Target clock, epoch ms: where growth is counted from. */
	baselineT: number | null;
	thresholds: {bytesPerHour: number; countPerHour: number};
	verdict: LeakVerdict;
	/** The leak named: pattern, confidence, the sentence, evidence, site and advice; most confident first. */
	findings: Finding[];
	resources: {byType: Record<string, {count: number; growth: number; slopePerHour: number; verdict: string}>};
	listeners: {
		top: ListenerGrowthRow[];
		censuses: number;
		lastCensus: {t: number; durationMs: number; emitterCount: number} | null;
		/** Set when automatic censuses were waiting at the end because the target was busy (`utilization`: its event loop's busy share). */
		autoCensusPaused: {since: number; utilization: number | null} | null;
	};
	/** Sampled allocations still alive, internals folded into the user code that called them. */
	allocations: {
		samplingIntervalBytes: number | null;
		status: SamplingStatus;
		/** Why sampling is off, stopped or failed. */
		reason: string | null;
		polls: number;
		lastPoll: PollInfo | null;
		/** Most growth since the baseline first. */
		top: AllocationEntry[];
		/** The heaviest call paths (site and nearest user callers), most live bytes first. */
		paths: Array<Omit<PathAggregate, 'key'>>;
	};
	/** heapUsed right after each forced GC (`g`) or census: exact floors, target clock. */
	heapFloors: Array<{t: number; heapUsed: number}>;
	samples: MemorySample[];
	log: LogEntry[];
	/** Each time the target came back as another process during the session. */
	restarts: RestartRecord[];
	/** Every action leaktop took on the target: how many of each, and the entries (the latest 1000). */
	audit: {counts: AuditCounts; entries: AuditEntry[]};
	/** `--watch` and `:watch` expressions still watched at the end, with their readings. */
	watches: WatchEntry[];
}

export interface WatchEntry {
	id: number;
	expression: string;
	/** The last reading as text, and as a number when it was one (a Map's size, say). */
	last: string | null;
	value: number | null;
	/** The last reading's error (an exception, a refusal, a deadline), if it failed. */
	error: string | null;
	/** Over the numeric readings since the baseline. */
	min: number | null;
	max: number | null;
	growth: number;
	slopePerHour: number;
	verdict: string;
	readings: number;
}

export interface AllocationEntry {
	functionName: string;
	url: string;
	/** 1-based; where the allocating function starts (V8 samples functions, not statements). */
	line: number;
	column: number;
	liveBytes: number;
	/** Since the baseline (attach, or the last `b`). */
	growthBytes: number;
	ratePerMinute: number;
	samples: number;
	/** Allocating frame first, with this site's bytes through each frame. */
	stack: StackFrame[];
}

/** Sites in the report: enough to find the leak, small enough to read. */
const reportedSites = 20;

export interface ReportMeta {
	leaktopVersion: string;
	startedAt: number;
	endedAt: number;
	intervalMs: number;
	verdictOptions: VerdictOptions;
}

/** What every report starts with: its format, who wrote it, and when. */
export function reportStamp(meta: ReportMeta): Pick<Report, 'reportVersion' | 'leaktopVersion' | 'startedAt' | 'endedAt' | 'intervalMs'> {
	return {
		reportVersion,
		leaktopVersion: meta.leaktopVersion,
		startedAt: new Date(meta.startedAt).toISOString(),
		endedAt: new Date(meta.endedAt).toISOString(),
		intervalMs: meta.intervalMs,
	};
}

/** `verdict` is the one the caller already computed from the same state. */
export function buildReport(state: State, verdict: LeakVerdict, meta: ReportMeta): Report {
	const byType: Report['resources']['byType'] = {};
	const current = state.samples.items.at(-1);
	for (const type of resourceTypes(state.samples.items)) {
		const signal = verdict.signals.find(s => s.kind === 'resources' && s.series === type);
		byType[type] = {count: current?.resources[type] ?? 0, growth: signal?.growth ?? 0, slopePerHour: signal?.slopePerHour ?? 0, verdict: signal?.verdict ?? 'warming up'};
	}
	const censuses = censusesSinceBaseline(state);
	const latest = censuses.at(-1);
	return {
		...reportStamp(meta),
		target: state.target,
		endReason: state.endReason,
		baselineT: state.baselineT,
		thresholds: {bytesPerHour: effectiveVerdictOptions(state, meta.verdictOptions).thresholdBytesPerHour, countPerHour: meta.verdictOptions.thresholdCountPerHour},
		verdict,
		findings: findingsFor(state, verdict, state.snapshotEvidence),
		resources: {byType},
		listeners: {
			top: latest ? listenerGrowth(censuses[0] ?? null, latest) : [],
			censuses: censuses.length,
			lastCensus: latest ? {t: latest.t, durationMs: latest.durationMs, emitterCount: latest.emitterCount} : null,
			autoCensusPaused: state.censusPaused && {since: state.censusPaused.t, utilization: state.censusPaused.utilization},
		},
		allocations: {
			samplingIntervalBytes: state.allocations.intervalBytes,
			status: state.allocations.status,
			reason: state.allocations.reason,
			polls: state.allocations.polls,
			lastPoll: state.allocations.lastPoll,
			top: allocationRows(state.allocations.user, reportedSites).map(row => ({
				...row.site,
				liveBytes: row.liveBytes,
				growthBytes: row.growthBytes,
				ratePerMinute: Math.round(row.ratePerMinute),
				samples: row.samples,
				stack: row.stack,
			})),
			paths: state.allocations.paths.user.slice(0, reportedSites).map(({frames, liveBytes, samples}) => ({frames, liveBytes, samples})),
		},
		heapFloors: state.heapFloors.items.map(p => ({t: p.t, heapUsed: p.v})),
		samples: state.samples.items.slice(),
		log: state.log.items.slice(),
		restarts: state.restarts.slice(),
		audit: {counts: {...state.auditCounts}, entries: state.audit.items.slice()},
		watches: state.watches.map(watch => {
			const baseline = state.baselineT ?? -Infinity;
			const values = watch.points.items.filter(p => p.t >= baseline).map(p => p.v);
			const signal = verdict.signals.find(s => s.kind === 'watch' && s.series === watch.expression);
			return {
				id: watch.id,
				expression: watch.expression,
				last: watch.text,
				value: watch.points.items.at(-1)?.v ?? null,
				error: watch.error,
				// A day of readings is too many arguments for Math.min(...values).
				min: values.length > 0 ? values.reduce((a, b) => Math.min(a, b)) : null,
				max: values.length > 0 ? values.reduce((a, b) => Math.max(a, b)) : null,
				growth: signal?.growth ?? 0,
				slopePerHour: signal?.slopePerHour ?? 0,
				verdict: signal?.verdict ?? 'warming up',
				readings: values.length,
			};
		}),
	};
}
