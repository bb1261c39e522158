import type {State} from './state.js';
import type {LogEntry, MemorySample, TargetInfo} from './types.js';
import {censusesSinceBaseline, type LeakVerdict, resourceTypes, type VerdictOptions} from './verdict.js';
import {listenerGrowth, type ListenerGrowthRow} from './listeners.js';

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
	resources: {byType: Record<string, {count: number; growth: number; slopePerHour: number; verdict: string}>};
	listeners: {
		top: ListenerGrowthRow[];
		censuses: number;
		lastCensus: {t: number; durationMs: number; emitterCount: number} | null;
	};
	/** heapUsed right after each forced GC (`g`) or census: exact floors, target clock. */
	heapFloors: Array<{t: number; heapUsed: number}>;
	samples: MemorySample[];
	log: LogEntry[];
}

export interface ReportMeta {
	leaktopVersion: string;
	startedAt: number;
	endedAt: number;
	intervalMs: number;
	verdictOptions: VerdictOptions;
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
		reportVersion,
		leaktopVersion: meta.leaktopVersion,
		startedAt: new Date(meta.startedAt).toISOString(),
		endedAt: new Date(meta.endedAt).toISOString(),
		intervalMs: meta.intervalMs,
		target: state.target,
		endReason: state.endReason,
		baselineT: state.baselineT,
		thresholds: {bytesPerHour: meta.verdictOptions.thresholdBytesPerHour, countPerHour: meta.verdictOptions.thresholdCountPerHour},
		verdict,
		resources: {byType},
		listeners: {
			top: latest ? listenerGrowth(censuses[0] ?? null, latest) : [],
			censuses: censuses.length,
			lastCensus: latest ? {t: latest.t, durationMs: latest.durationMs, emitterCount: latest.emitterCount} : null,
		},
		heapFloors: state.heapFloors.items.map(p => ({t: p.t, heapUsed: p.v})),
		samples: state.samples.items.slice(),
		log: state.log.items.slice(),
	};
}
