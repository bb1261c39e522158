import {basename} from 'node:path';
import {append, createRing, last, type Ring} from './ring.js';
import type {ConnectionState, ListenerCensus, LogEntry, LogLevel, MemorySample, TargetInfo} from './types.js';
import {formatBytes, formatClock, formatCost, formatDuration, formatSignedBytes} from './format.js';
import {type AuditCounts, type AuditEntry, auditEntryOf, emptyAuditCounts} from './audit.js';
import {extendTimeBox, startTimeBox, type TimeBox, timeLeftMs} from './time-box.js';
import type {Point} from './growth.js';
import type {ProfileAggregate} from './allocations.js';
import {type AllocationsState, initialAllocations, moveSelection, withBaseline, withPoll} from './allocations-state.js';
import {type CaptureProgress, initialSnapshots, moveSnapshotSelection, type SnapshotRecord, type SnapshotsState, togglePick} from './snapshots-state.js';
import {type DiffEvent, diffTotals, isDiffRunning, reduceDiff} from './diff-state.js';
import {describeEstimate, type SnapshotEstimate} from './snapshot-risk.js';
import {addWatch, removeWatch, type WatchReading, type WatchSeries, withReadings} from './watches.js';
import type {LineState} from './command-line.js';
import type {SnapshotEvidence} from './findings.js';

/** Audit entries kept in full (a profile read every 30 s fills this in 8 hours); the counts cover all. */
const auditSize = 1000;

/** What the lower part of the screen shows; tab cycles through them. */
export const panels = ['chart', 'allocations', 'resources', 'listeners', 'watches', 'snapshots', 'findings'] as const;
export type Panel = (typeof panels)[number];

export interface State {
	target: TargetInfo | null;
	connection: ConnectionState;
	samples: Ring<MemorySample>;
	log: Ring<LogEntry>;
	/** While paused the view renders this frozen history; collection goes on into `samples`. */
	frozen: Ring<MemorySample> | null;
	helpOpen: boolean;
	/** What `?` shows (the keys) or `:help` (the commands). */
	helpPage: HelpPage;
	gcRunning: boolean;
	/** Local clock of the last sample received, to tell a lagging target from a quiet one. */
	lastSampleAt: number | null;
	/** Why the session ended, once it has. */
	endReason: string | null;
	/** The session ended because the target went away, not because leaktop detached. */
	endedByTarget: boolean;
	/** Exact heap floors (target clock): heapUsed right after a forced GC or a census. */
	heapFloors: Ring<Point>;
	/** Target-clock time growth is counted from: attach, or the last `b`. */
	baselineT: number | null;
	censuses: Ring<ListenerCensus>;
	censusRunning: boolean;
	/** Automatic censuses wait while the target is this busy (share of wall time; null: it does not say); null while they run. */
	censusPaused: {t: number; utilization: number | null} | null;
	panel: Panel;
	/** Actions leaktop took on the target: the latest entries, and how many of each in all. */
	audit: Ring<AuditEntry>;
	auditCounts: AuditCounts;
	/** `.heapprofile` files written this session (`e`, `--heap-profile`). */
	profilesWritten: string[];
	/** The attempt under way while the connection is being tried again; null when connected. */
	reconnectAttempt: number | null;
	/** Each time the target came back as another process (new pid or start time). */
	restarts: RestartRecord[];
	/** `--duration` in the TUI: when the session ends by itself; null without one. */
	timeBox: TimeBox | null;
	allocations: AllocationsState;
	snapshots: SnapshotsState;
	/** `:watch` and `--watch` expressions, with their readings. */
	watches: WatchSeries[];
	/** The `:` command line while it is open. */
	prompt: PromptState | null;
	/** A typed expression V8 refused as side-effecting, waiting for y/N. */
	question: Question | null;
	/** `:threshold`: the memory growth that counts as a leak, over the one leaktop started with. */
	thresholdBytesPerHour: number | null;
	/** What the latest snapshot diff showed holding the new objects: the findings' snapshot evidence, kept after the diff is closed. */
	snapshotEvidence: SnapshotEvidence | null;
	/** The findings panel: the selected finding (most confident first) and whether its evidence is open. */
	findingsView: {selected: number; open: boolean};
}

export type HelpPage = 'keys' | 'commands';

export interface PromptState extends LineState {
	/** What tab could complete, when more than one. */
	candidates: string[];
}

export interface Question {
	kind: 'eval' | 'count';
	expression: string;
	/** V8's reason for refusing it. */
	reason: string;
}

/** A restart seen on reconnect: the process before it, and how close it was to its limit. */
export interface RestartRecord {
	t: number;
	previousPid: number;
	pid: number;
	/** The last heapUsed read from the process before it, and the heap limit it had. */
	lastHeapUsed: number | null;
	heapLimit: number | null;
}

export type Event =
	| {type: 'attached'; target: TargetInfo; t: number}
	| {type: 'connection-lost'; t: number; reason: string}
	| {type: 'reconnecting'; t: number; attempt: number}
	| {type: 'reconnected'; t: number; downMs: number}
	/** The endpoint answered again, but as another process: `target` is its facts. */
	| {type: 'target-restarted'; t: number; target: TargetInfo; previousPid: number}
	| {type: 'sample'; sample: MemorySample; receivedAt: number}
	| {type: 'lagging'; t: number; sinceMs: number}
	| {type: 'gc-started'; t: number}
	| {type: 'gc-finished'; t: number; before: number; after: number; durationMs: number}
	| {type: 'gc-failed'; t: number; message: string}
	| {type: 'log'; t: number; level: LogLevel; text: string}
	| {type: 'toggle-pause'; t: number}
	/** Without `page`, `?`: shows the keys or closes whatever help is open. */
	| {type: 'toggle-help'; page?: HelpPage}
	| {type: 'cycle-panel'}
	| {type: 'show-panel'; panel: Panel}
	| {type: 'baseline'; t: number}
	| {type: 'heap-floor'; t: number; heapUsed: number}
	| {type: 'census-started'; t: number}
	| {type: 'census'; census: ListenerCensus}
	| {type: 'snapshot-evidence'; t: number; evidence: SnapshotEvidence}
	/** up/down in the findings panel; the view clamps the index to the findings there are. */
	| {type: 'select-finding'; delta: number}
	| {type: 'toggle-finding'}
	| {type: 'census-failed'; t: number; message: string}
	/** `utilization`: the target's event loop busy share over the last seconds; null when it does not say. */
	| {type: 'census-paused'; t: number; utilization: number | null}
	| {type: 'census-resumed'; t: number; utilization: number | null}
	| {type: 'time-box-started'; t: number; limitMs: number}
	| {type: 'time-box-extended'; t: number; byMs: number}
	| {type: 'time-box-warning'; t: number}
	/** `intervalBytes` is null when another client had already started sampling (its interval is not known). */
	| {type: 'sampling-started'; t: number; intervalBytes: number | null}
	| {type: 'allocations'; t: number; durationMs: number; aggregate: ProfileAggregate}
	| {type: 'sampling-stopped'; t: number; reason: string}
	| {type: 'sampling-failed'; t: number; message: string}
	| {type: 'toggle-internals'}
	| {type: 'select-allocation'; delta: number}
	| {type: 'toggle-stack'}
	| {type: 'profile-written'; t: number; path: string; bytes: number}
	| {type: 'snapshot-checking'; t: number}
	/** `confirm`: the estimate is risky and the user must say yes first. */
	| {type: 'snapshot-estimate'; t: number; estimate: SnapshotEstimate; confirm: boolean}
	| {type: 'snapshot-started'; t: number; path: string}
	| {type: 'snapshot-progress'; progress: CaptureProgress}
	| {type: 'snapshot-abandoning'; t: number}
	| {type: 'snapshot-written'; snapshot: SnapshotRecord}
	| {type: 'snapshot-failed'; t: number; message: string}
	| {type: 'snapshot-cancelled'; t: number; reason: string}
	| {type: 'near-limit-confirm'; t: number}
	| {type: 'near-limit-cancelled'; t: number}
	| {type: 'near-limit-armed'; t: number; where: string}
	| {type: 'near-limit-failed'; t: number; message: string}
	| {type: 'select-snapshot'; delta: number}
	| {type: 'pick-snapshot'}
	| DiffEvent
	/** `--open-inspector`: leaktop made the process open its inspector (`how`: the command it ran). */
	| {type: 'inspector-opened'; t: number; how: string}
	| {type: 'watch-added'; t: number; id: number; expression: string}
	| {type: 'watch-removed'; t: number; id: number}
	| {type: 'watch-values'; t: number; readings: Array<{id: number; reading: WatchReading}>}
	| {type: 'question'; t: number; question: Question}
	/** The user's y (run it with side effects) or anything else (do not). */
	| {type: 'question-answered'; t: number; yes: boolean}
	/** `sideEffects`: it ran without V8's side-effect check, after the user said yes. */
	| {type: 'eval-result'; t: number; expression: string; text: string; sideEffects: boolean}
	| {type: 'eval-failed'; t: number; expression: string; message: string; sideEffects: boolean}
	| {type: 'count-started'; t: number; expression: string; sideEffects: boolean}
	| {type: 'count-result'; t: number; expression: string; name: string; count: number; durationMs: number}
	| {type: 'interval-set'; t: number; ms: number}
	| {type: 'threshold-set'; t: number; bytesPerHour: number}
	| {type: 'prompt-open'}
	| {type: 'prompt-set'; line: LineState; candidates: string[]}
	| {type: 'prompt-close'}
	| {type: 'detaching'; t: number; reason: string}
	/** `byTarget`: the target went away (or could not be reached again); leaktop's own detach leaves it out. */
	| {type: 'closed'; t: number; reason: string; byTarget?: boolean};

export interface StateOptions {
	/** How many samples to keep: the chart window and the report's history. */
	historySize: number;
	logSize?: number;
	/** Allocation sampling interval in bytes; null when sampling is off. */
	samplingIntervalBytes?: number | null;
}

export function initialState({historySize, logSize = 200, samplingIntervalBytes = null}: StateOptions): State {
	return {
		target: null,
		connection: 'connecting',
		samples: createRing(historySize),
		log: createRing(logSize),
		frozen: null,
		helpOpen: false,
		helpPage: 'keys',
		gcRunning: false,
		lastSampleAt: null,
		endReason: null,
		endedByTarget: false,
		heapFloors: createRing(historySize),
		baselineT: null,
		censuses: createRing(200),
		censusRunning: false,
		censusPaused: null,
		panel: 'chart',
		timeBox: null,
		reconnectAttempt: null,
		restarts: [],
		audit: createRing(auditSize),
		auditCounts: emptyAuditCounts(),
		profilesWritten: [],
		allocations: initialAllocations(samplingIntervalBytes),
		snapshots: initialSnapshots,
		watches: [],
		prompt: null,
		question: null,
		thresholdBytesPerHour: null,
		snapshotEvidence: null,
		findingsView: {selected: 0, open: false},
	};
}

function formatShare(share: number): string {
	return `${Math.round(share * 100)} %`;
}

/** Why automatic censuses wait, for the log and the listeners panel. */
export function censusPauseReason(utilization: number | null): string {
	const load = utilization === null ? 'the target does not report how busy its event loop is' : `the target's event loop is ${formatShare(utilization)} busy`;
	return `${load}, and a census leaves a busy process ~15 % slower for minutes (it clears V8's inline caches); l takes one anyway`;
}

/**
 * The target came back as another process: its leak signals count from its first sample (a new
 * segment, as `b` would start), and the restart says how close the one before was to its limit.
 */
function withRestart(state: State, event: Extract<Event, {type: 'target-restarted'}>): State {
	const lastHeapUsed = last(state.samples)?.heapUsed ?? null;
	const heapLimit = state.target?.heapSizeLimit ?? null;
	const restart: RestartRecord = {t: event.t, previousPid: event.previousPid, pid: event.target.pid, lastHeapUsed, heapLimit};
	const near = lastHeapUsed !== null && heapLimit !== null ? `; its last heapUsed was ${formatBytes(lastHeapUsed)}, ${formatBytes(Math.max(0, heapLimit - lastHeapUsed))} under its heap limit${heapLimit - lastHeapUsed < heapLimit * 0.1 ? ': likely killed for running out of memory' : ''}` : '';
	const next = {
		...state,
		target: event.target,
		connection: 'connected' as const,
		reconnectAttempt: null,
		restarts: [...state.restarts, restart],
		// The next sample starts the new segment.
		baselineT: null,
		allocations: withBaseline(state.allocations, toTargetClock(state, event.t)),
	};
	return withLog(next, event.t, 'warn', `target restarted: pid ${event.previousPid} is now pid ${event.target.pid} (restart ${next.restarts.length})${near}`);
}

/** Local time to target time, through the offset seen on the latest sample. */
function toTargetClock(state: State, localT: number): number {
	const latest = last(state.samples);
	return latest && state.lastSampleAt !== null ? localT + (latest.t - state.lastSampleAt) : localT;
}

function withFloor(state: State, localT: number, heapUsed: number): State {
	return {...state, heapFloors: append(state.heapFloors, {t: toTargetClock(state, localT), v: heapUsed})};
}

function withLog(state: State, t: number, level: LogLevel, text: string): State {
	return {...state, log: append(state.log, {t, level, text})};
}

export function reduce(state: State, event: Event): State {
	const next = reduceEvent(state, event);
	const entry = auditEntryOf(event);
	if (!entry) return next;
	return {...next, audit: append(next.audit, entry), auditCounts: {...next.auditCounts, [entry.action]: next.auditCounts[entry.action] + 1}};
}

function reduceEvent(state: State, event: Event): State {
	switch (event.type) {
		case 'attached': {
			const {target} = event;
			return withLog({...state, target, connection: 'connected'}, event.t, 'info', `attached to pid ${target.pid} (node ${target.nodeVersion}) at ${target.address}`);
		}
		case 'connection-lost':
			return withLog({...state, connection: 'reconnecting', reconnectAttempt: 0}, event.t, 'warn', `${event.reason}; reconnecting (history kept)`);
		case 'reconnecting':
			return {...state, connection: 'reconnecting', reconnectAttempt: event.attempt};
		case 'reconnected':
			return withLog({...state, connection: 'connected', reconnectAttempt: null}, event.t, 'info', `reconnected after ${formatDuration(event.downMs)}: the same process`);
		case 'target-restarted':
			return withRestart(state, event);
		case 'sample':
			return {
				...state,
				baselineT: state.baselineT ?? event.sample.t,
				samples: append(state.samples, event.sample),
				lastSampleAt: event.receivedAt,
				connection: state.connection === 'lagging' ? 'connected' : state.connection,
			};
		case 'lagging':
			if (state.connection !== 'connected') return state;
			return withLog({...state, connection: 'lagging'}, event.t, 'warn', `target unresponsive for ${Math.round(event.sinceMs / 1000)}s: no sample (its event loop is blocked, or the connection is slow)`);
		case 'gc-started':
			return withLog({...state, gcRunning: true}, event.t, 'info', 'forcing a full GC...');
		case 'gc-finished': {
			const freed = event.after - event.before;
			return withLog(withFloor({...state, gcRunning: false}, event.t, event.after), event.t, 'info', `GC: heapUsed ${formatBytes(event.before)} -> ${formatBytes(event.after)} (${formatSignedBytes(freed)}) in ${Math.round(event.durationMs)} ms`);
		}
		case 'gc-failed':
			return withLog({...state, gcRunning: false}, event.t, 'error', `GC failed: ${event.message}`);
		case 'log':
			return withLog(state, event.t, event.level, event.text);
		case 'toggle-pause':
			return state.frozen
				? withLog({...state, frozen: null}, event.t, 'info', 'view resumed')
				: withLog({...state, frozen: state.samples}, event.t, 'info', 'view paused (collection goes on)');
		case 'toggle-help':
			if (event.page === undefined || (state.helpOpen && state.helpPage === event.page)) return {...state, helpOpen: !state.helpOpen, helpPage: 'keys'};
			return {...state, helpOpen: true, helpPage: event.page};
		case 'cycle-panel':
			return {...state, panel: panels[(panels.indexOf(state.panel) + 1) % panels.length]!};
		case 'show-panel':
			return {...state, panel: event.panel};
		case 'baseline': {
			const t = last(state.samples)?.t ?? toTargetClock(state, event.t);
			// The next snapshot taken becomes the baseline snapshot `d` compares from.
			const snapshots = {...state.snapshots, baselineFrom: state.snapshots.taken.length};
			return withLog({...state, baselineT: t, allocations: withBaseline(state.allocations, t), snapshots}, event.t, 'info', 'baseline set: growth now counts from here');
		}
		case 'heap-floor':
			return withFloor(state, event.t, event.heapUsed);
		case 'select-finding':
			return {...state, findingsView: {selected: Math.max(0, state.findingsView.selected + event.delta), open: false}};
		case 'toggle-finding':
			// From another panel it always opens; in the findings panel it opens or closes.
			return {...state, panel: 'findings', findingsView: {...state.findingsView, open: state.panel !== 'findings' || !state.findingsView.open}};
		case 'snapshot-evidence': {
			const {evidence} = event;
			return withLog({...state, snapshotEvidence: evidence}, event.t, 'info', `snapshot diff: ${evidence.newCount} new ${evidence.className} (retaining ${formatBytes(evidence.retainedSize)}), held by ${evidence.holderName}`);
		}
		case 'census-started':
			return {...state, censusRunning: true};
		case 'census': {
			const {census} = event;
			const total = census.rows.reduce((sum, row) => sum + row.count, 0);
			return withLog(
				{...state, censusRunning: false, censuses: append(state.censuses, census)},
				census.t,
				'info',
				`listener census: ${total} listeners on ${census.emitterCount} emitters in ${formatCost(census.durationMs)}${typeof census.promises === 'number' ? `; ${census.promises} live promises` : ''}`,
			);
		}
		case 'census-failed':
			return withLog({...state, censusRunning: false}, event.t, 'warn', `listener census failed: ${event.message}`);
		case 'time-box-started': {
			const timeBox = startTimeBox(event.t, event.limitMs);
			return withLog({...state, timeBox}, event.t, 'info', `time box: leaktop detaches at ${formatClock(timeBox.endsAt)}, after ${formatDuration(event.limitMs)}; + adds 5 minutes`);
		}
		case 'time-box-extended': {
			if (!state.timeBox) return state;
			const timeBox = extendTimeBox(state.timeBox, event.t, event.byMs);
			return withLog({...state, timeBox}, event.t, 'info', `time box extended by ${formatDuration(event.byMs)}: leaktop detaches at ${formatClock(timeBox.endsAt)}`);
		}
		case 'time-box-warning': {
			if (!state.timeBox) return state;
			const timeBox = {...state.timeBox, warned: true};
			return withLog({...state, timeBox}, event.t, 'warn', `${formatDuration(timeLeftMs(timeBox, event.t))} left: leaktop detaches at ${formatClock(timeBox.endsAt)}; + adds 5 minutes`);
		}
		case 'census-paused':
			return withLog({...state, censusPaused: {t: event.t, utilization: event.utilization}}, event.t, 'warn', `automatic listener census paused: ${censusPauseReason(event.utilization)}`);
		case 'census-resumed':
			return withLog({...state, censusPaused: null}, event.t, 'info', `automatic listener census resumed: the target's event loop is ${formatShare(event.utilization ?? 0)} busy`);
		case 'sampling-started': {
			const {intervalBytes} = event;
			const shared = intervalBytes === null;
			const text = shared
				? 'allocation sampling was already running (started by another inspector client): leaktop reads it and leaves it running'
				: `allocation sampling started: one sample per ${formatBytes(intervalBytes)} allocated on average`;
			return withLog({...state, allocations: {...state.allocations, status: 'running', reason: shared ? 'shared with another inspector client' : null, intervalBytes}}, event.t, 'info', text);
		}
		case 'allocations':
			return {...state, allocations: withPoll(state.allocations, event.aggregate, toTargetClock(state, event.t), event.t, event.durationMs)};
		case 'sampling-stopped': {
			// Stopped by leaktop while detaching is routine; stopped by someone else is news.
			const level = state.connection === 'detaching' ? 'info' : 'warn';
			return withLog({...state, allocations: {...state.allocations, status: 'stopped', reason: event.reason}}, event.t, level, event.reason);
		}
		case 'sampling-failed': {
			const reason = `allocation sampling could not start: ${event.message}`;
			return withLog({...state, allocations: {...state.allocations, status: 'failed', reason}}, event.t, 'warn', reason);
		}
		// Selecting brings the allocations panel up, wherever tab left the lower panel.
		case 'toggle-internals':
			return {...state, panel: 'allocations', allocations: {...state.allocations, showInternals: !state.allocations.showInternals, selectedKey: null, stackOpen: false}};
		case 'select-allocation':
			return {...state, panel: 'allocations', allocations: moveSelection(state.allocations, event.delta)};
		case 'toggle-stack':
			return {...state, panel: 'allocations', allocations: {...state.allocations, stackOpen: !state.allocations.stackOpen}};
		case 'profile-written':
			return withLog({...state, profilesWritten: [...state.profilesWritten, event.path]}, event.t, 'info', `heap profile written to ${event.path} (${formatBytes(event.bytes)}); load it in Chrome DevTools > Memory`);
		case 'snapshot-checking':
			return {...state, panel: 'snapshots', snapshots: {...state.snapshots, capture: {phase: 'checking', estimate: null, done: 0, total: 0, bytesWritten: 0, startedAt: event.t, path: null}}};
		case 'snapshot-estimate': {
			const capture = state.snapshots.capture;
			if (!capture) return state;
			const next = {...state, snapshots: {...state.snapshots, capture: {...capture, estimate: event.estimate, phase: event.confirm ? ('confirm' as const) : capture.phase}}};
			const text = `heap snapshot estimate: ${describeEstimate(event.estimate)}`;
			return event.confirm ? withLog(withLog(next, event.t, 'warn', text), event.t, 'warn', `risky: ${event.estimate.reasons.join('; ')}. Take it? y/N`) : withLog(next, event.t, 'info', text);
		}
		case 'snapshot-started': {
			const capture = state.snapshots.capture;
			if (!capture) return state;
			return withLog({...state, snapshots: {...state.snapshots, capture: {...capture, phase: 'building', path: event.path}}}, event.t, 'info', `heap snapshot started: the target stops while it walks its heap; writing ${event.path}`);
		}
		case 'snapshot-progress': {
			const capture = state.snapshots.capture;
			if (!capture || capture.phase === 'abandoning') return state;
			const {progress} = event;
			const next = progress.phase === 'building' ? {...capture, phase: 'building' as const, done: progress.done, total: progress.total} : {...capture, phase: 'writing' as const, bytesWritten: progress.bytes};
			return {...state, snapshots: {...state.snapshots, capture: next}};
		}
		case 'snapshot-abandoning': {
			const capture = state.snapshots.capture;
			if (!capture) return state;
			return withLog({...state, snapshots: {...state.snapshots, capture: {...capture, phase: 'abandoning'}}}, event.t, 'warn', 'abandoning the heap snapshot: the target still finishes its pause; the partial file will be removed');
		}
		case 'snapshot-written': {
			const {snapshot} = event;
			return withLog(
				{...state, snapshots: {...state.snapshots, capture: null, taken: [...state.snapshots.taken, snapshot]}},
				snapshot.t,
				'info',
				`heap snapshot written: ${snapshot.path} (${formatBytes(snapshot.bytes)}${snapshot.nodeCount === null ? '' : `, ${snapshot.nodeCount} objects`}); the target paused ${formatCost(snapshot.pauseMs)}`,
			);
		}
		case 'snapshot-failed':
			return withLog({...state, snapshots: {...state.snapshots, capture: null}}, event.t, 'error', event.message);
		case 'snapshot-cancelled':
			return withLog({...state, snapshots: {...state.snapshots, capture: null}}, event.t, 'info', event.reason);
		case 'near-limit-confirm':
			return withLog(
				{...state, panel: 'snapshots', snapshots: {...state.snapshots, nearLimitConfirm: true}},
				event.t,
				'warn',
				'arm a heap snapshot for when the target nears its heap limit? It stays armed after leaktop detaches and cannot be disarmed. y/N',
			);
		case 'near-limit-cancelled':
			return withLog({...state, snapshots: {...state.snapshots, nearLimitConfirm: false}}, event.t, 'info', 'near-heap-limit snapshot not armed');
		case 'near-limit-armed':
			return withLog(
				{...state, snapshots: {...state.snapshots, nearLimitConfirm: false, nearLimit: {armedAt: event.t, where: event.where}}},
				event.t,
				'warn',
				`near-heap-limit snapshot armed: if the heap nears its limit the process writes ${event.where} before it dies; this cannot be disarmed`,
			);
		case 'near-limit-failed':
			return withLog({...state, snapshots: {...state.snapshots, nearLimitConfirm: false}}, event.t, 'error', `near-heap-limit snapshot not armed: ${event.message}`);
		case 'select-snapshot':
			return {...state, panel: 'snapshots', snapshots: moveSnapshotSelection(state.snapshots, event.delta)};
		case 'pick-snapshot':
			return {...state, panel: 'snapshots', snapshots: togglePick(state.snapshots)};
		case 'diff-started':
		case 'diff-progress':
		case 'diff-done':
		case 'diff-failed':
		case 'diff-closed':
		case 'diff-select':
		case 'diff-open':
		case 'diff-instances':
		case 'diff-instances-failed':
		case 'diff-select-instance':
		case 'diff-close-class':
			return withDiff(state, event);
		case 'inspector-opened':
			return withLog(state, event.t, 'warn', `opened the target's inspector: ${event.how} (it stays open after leaktop detaches)`);
		case 'watch-added':
			return withLog({...state, watches: addWatch(state.watches, event.id, event.expression, state.samples.capacity)}, event.t, 'info', `watch ${event.id}: ${event.expression} (every sample, side-effect free; :unwatch ${event.id} stops it)`);
		case 'watch-removed': {
			const watch = state.watches.find(w => w.id === event.id);
			if (!watch) return state;
			return withLog({...state, watches: removeWatch(state.watches, event.id)}, event.t, 'info', `watch ${event.id} removed: ${watch.expression}`);
		}
		case 'watch-values':
			return {...state, watches: withReadings(state.watches, toTargetClock(state, event.t), event.readings)};
		case 'question': {
			const {question} = event;
			// The question first: a long expression must not push "y/N" off an 80-column log line.
			const what = question.kind === 'eval' ? 'run' : 'run, to find the constructor,';
			return withLog({...state, question}, event.t, 'warn', `y/N: ${what} with side effects allowed? ${question.expression} (V8 refused it: ${question.reason})`);
		}
		case 'question-answered': {
			if (!state.question) return state;
			const next = {...state, question: null};
			return event.yes ? next : withLog(next, event.t, 'info', `not run: ${state.question.expression}`);
		}
		case 'eval-result':
			return withLog(state, event.t, 'info', `${event.sideEffects ? 'ran (side effects allowed)' : '='} ${event.expression} -> ${event.text}`);
		case 'eval-failed':
			return withLog(state, event.t, 'error', `${event.expression}: ${event.message}`);
		case 'count-started':
			return withLog(state, event.t, 'info', `counting instances of ${event.expression} (a heap walk after a full GC)...`);
		case 'count-result':
			return withLog(
				state,
				event.t,
				'info',
				`count: ${event.count} live ${event.name} instances (subclasses included) in ${formatCost(event.durationMs)}; the walk leaves a busy process slower for minutes`,
			);
		case 'interval-set':
			return withLog(state, event.t, 'info', `sampling every ${formatCost(event.ms)} from now on`);
		case 'threshold-set':
			return withLog({...state, thresholdBytesPerHour: event.bytesPerHour}, event.t, 'info', `leak threshold: floor growth of ${formatBytes(event.bytesPerHour)}/h or more`);
		case 'prompt-open':
			return {...state, prompt: {text: '', cursor: 0, candidates: []}, helpOpen: false};
		case 'prompt-set':
			return state.prompt ? {...state, prompt: {...event.line, candidates: event.candidates}} : state;
		case 'prompt-close':
			return {...state, prompt: null};
		case 'detaching':
			return withLog({...state, connection: 'detaching'}, event.t, 'info', `detaching: ${event.reason}`);
		case 'closed':
			return withLog({...state, connection: 'closed', endReason: event.reason, endedByTarget: event.byTarget === true}, event.t, state.connection === 'detaching' ? 'info' : 'error', event.reason);
	}
}

function withDiff(state: State, event: DiffEvent): State {
	const before = state.snapshots.diff;
	const diff = reduceDiff(before, event);
	const next = {...state, snapshots: {...state.snapshots, diff}};
	switch (event.type) {
		case 'diff-started':
			return withLog({...next, panel: 'snapshots'}, event.t, 'info', `comparing heap snapshots ${basename(event.base.path)} -> ${basename(event.next.path)} (in a worker thread)`);
		case 'diff-done': {
			if (!isDiffRunning(before)) return next;
			const {summary} = event;
			const took = formatCost(event.t - before.startedAt);
			if (!summary.comparable) return withLog(next, event.t, 'warn', `snapshot diff in ${took}: ${summary.reason ?? 'ids not comparable'}`);
			const totals = diffTotals(summary);
			return withLog(next, event.t, 'info', `snapshot diff in ${took}: ${totals.newCount} new, ${totals.deletedCount} deleted objects, ${formatSignedBytes(totals.sizeDelta)}`);
		}
		case 'diff-failed':
			return before.status === 'idle' ? next : withLog(next, event.t, 'error', `snapshot diff failed: ${event.message}`);
		case 'diff-closed':
			return isDiffRunning(before) ? withLog(next, event.t, 'info', 'snapshot diff cancelled: the worker reading the files was stopped') : next;
		default:
			return next;
	}
}

/** The history the view should draw: frozen while paused, live otherwise. */
export function visibleSamples(state: State): readonly MemorySample[] {
	return (state.frozen ?? state.samples).items;
}
