import type {State} from './state.js';
import type {LogEntry, MemorySample, TargetInfo} from './types.js';

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
	samples: MemorySample[];
	log: LogEntry[];
}

export interface ReportMeta {
	leaktopVersion: string;
	startedAt: number;
	endedAt: number;
	intervalMs: number;
}

export function buildReport(state: State, meta: ReportMeta): Report {
	return {
		reportVersion,
		leaktopVersion: meta.leaktopVersion,
		startedAt: new Date(meta.startedAt).toISOString(),
		endedAt: new Date(meta.endedAt).toISOString(),
		intervalMs: meta.intervalMs,
		target: state.target,
		endReason: state.endReason,
		samples: state.samples.items.slice(),
		log: state.log.items.slice(),
	};
}
