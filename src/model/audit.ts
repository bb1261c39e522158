/**
 * The audit trail: every action leaktop takes on the target, with a timestamp, for the event
 * log, the recording, the report and the exit summary. Reads that change nothing in the target
 * (the memory sample every tick, a watch, a side-effect-free `:eval`) are not actions; a profile
 * read is, because V8 collects garbage before it answers, and so is an `:eval` the user let run
 * with side effects. Pure: no I/O.
 */
import type {Event} from './state.js';

export const auditActions = ['open-inspector', 'attach', 'sampling-start', 'profile-read', 'gc', 'census', 'count', 'eval', 'snapshot', 'near-limit', 'detach', 'sampling-stop'] as const;
export type AuditAction = (typeof auditActions)[number];

export interface AuditEntry {
	/** Local clock, epoch ms. */
	t: number;
	action: AuditAction;
	detail: string;
}

export type AuditCounts = Record<AuditAction, number>;

export function emptyAuditCounts(): AuditCounts {
	return Object.fromEntries(auditActions.map(action => [action, 0])) as AuditCounts;
}

/** The audit entry an event stands for, if it is an action on the target. */
export function auditEntryOf(event: Event): AuditEntry | null {
	switch (event.type) {
		case 'attached':
			return {t: event.t, action: 'attach', detail: `pid ${event.target.pid} at ${event.target.address}`};
		case 'reconnected':
			return {t: event.t, action: 'attach', detail: 'reconnected to the same process'};
		case 'target-restarted':
			return {t: event.t, action: 'attach', detail: `reconnected: the target restarted as pid ${event.target.pid}`};
		case 'sampling-started':
			return {t: event.t, action: 'sampling-start', detail: event.intervalBytes === null ? 'shared with another inspector client' : `HeapProfiler.startSampling, interval ${event.intervalBytes} bytes`};
		case 'sampling-stopped':
			return {t: event.t, action: 'sampling-stop', detail: event.reason};
		case 'allocations':
			return {t: event.t, action: 'profile-read', detail: `HeapProfiler.getSamplingProfile in ${Math.round(event.durationMs)} ms`};
		case 'gc-started':
			return {t: event.t, action: 'gc', detail: 'HeapProfiler.collectGarbage'};
		case 'census-started':
			return {t: event.t, action: 'census', detail: 'Runtime.queryObjects on EventEmitter and EventTarget'};
		case 'inspector-opened':
			return {t: event.t, action: 'open-inspector', detail: event.how};
		case 'count-started':
			return {t: event.t, action: 'count', detail: `Runtime.queryObjects on (${event.expression}).prototype${event.sideEffects ? ', the constructor found with side effects allowed' : ''}`};
		case 'eval-result':
		case 'eval-failed':
			return event.sideEffects ? {t: event.t, action: 'eval', detail: `Runtime.evaluate without the side-effect check: ${event.expression}`} : null;
		case 'snapshot-started':
			return {t: event.t, action: 'snapshot', detail: `HeapProfiler.takeHeapSnapshot to ${event.path}`};
		case 'near-limit-armed':
			return {t: event.t, action: 'near-limit', detail: `v8.setHeapSnapshotNearHeapLimit(1): ${event.where}`};
		case 'detaching':
			return {t: event.t, action: 'detach', detail: event.reason};
		default:
			return null;
	}
}
