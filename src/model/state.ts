import {append, createRing, last, type Ring} from './ring.js';
import type {ConnectionState, ListenerCensus, LogEntry, LogLevel, MemorySample, TargetInfo} from './types.js';
import {formatBytes, formatCost, formatSignedBytes} from './format.js';
import type {Point} from './growth.js';
import type {ProfileAggregate} from './allocations.js';
import {type AllocationsState, initialAllocations, moveSelection, withBaseline, withPoll} from './allocations-state.js';

/** What the lower part of the screen shows; tab cycles through them. */
export const panels = ['chart', 'allocations', 'resources', 'listeners'] as const;
export type Panel = (typeof panels)[number];

export interface State {
	target: TargetInfo | null;
	connection: ConnectionState;
	samples: Ring<MemorySample>;
	log: Ring<LogEntry>;
	/** While paused the view renders this frozen history; collection goes on into `samples`. */
	frozen: Ring<MemorySample> | null;
	helpOpen: boolean;
	gcRunning: boolean;
	/** Local clock of the last sample received, to tell a lagging target from a quiet one. */
	lastSampleAt: number | null;
	/** Why the session ended, once it has. */
	endReason: string | null;
	/** Exact heap floors (target clock): heapUsed right after a forced GC or a census. */
	heapFloors: Ring<Point>;
	/** Target-clock time growth is counted from: attach, or the last `b`. */
	baselineT: number | null;
	censuses: Ring<ListenerCensus>;
	censusRunning: boolean;
	panel: Panel;
	allocations: AllocationsState;
}

export type Event =
	| {type: 'attached'; target: TargetInfo; t: number}
	| {type: 'sample'; sample: MemorySample; receivedAt: number}
	| {type: 'lagging'; t: number; sinceMs: number}
	| {type: 'gc-started'; t: number}
	| {type: 'gc-finished'; t: number; before: number; after: number; durationMs: number}
	| {type: 'gc-failed'; t: number; message: string}
	| {type: 'log'; t: number; level: LogLevel; text: string}
	| {type: 'toggle-pause'; t: number}
	| {type: 'toggle-help'}
	| {type: 'cycle-panel'}
	| {type: 'baseline'; t: number}
	| {type: 'heap-floor'; t: number; heapUsed: number}
	| {type: 'census-started'; t: number}
	| {type: 'census'; census: ListenerCensus}
	| {type: 'census-failed'; t: number; message: string}
	/** `intervalBytes` is null when another client had already started sampling (its interval is not known). */
	| {type: 'sampling-started'; t: number; intervalBytes: number | null}
	| {type: 'allocations'; t: number; durationMs: number; aggregate: ProfileAggregate}
	| {type: 'sampling-stopped'; t: number; reason: string}
	| {type: 'sampling-failed'; t: number; message: string}
	| {type: 'toggle-internals'}
	| {type: 'select-allocation'; delta: number}
	| {type: 'toggle-stack'}
	| {type: 'profile-written'; t: number; path: string; bytes: number}
	| {type: 'detaching'; t: number; reason: string}
	| {type: 'closed'; t: number; reason: string};

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
		gcRunning: false,
		lastSampleAt: null,
		endReason: null,
		heapFloors: createRing(historySize),
		baselineT: null,
		censuses: createRing(200),
		censusRunning: false,
		panel: 'chart',
		allocations: initialAllocations(samplingIntervalBytes),
	};
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
	switch (event.type) {
		case 'attached': {
			const {target} = event;
			return withLog({...state, target, connection: 'connected'}, event.t, 'info', `attached to pid ${target.pid} (node ${target.nodeVersion}) at ${target.address}`);
		}
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
			return withLog({...state, connection: 'lagging'}, event.t, 'warn', `no sample for ${Math.round(event.sinceMs / 1000)}s: target busy or connection slow`);
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
			return {...state, helpOpen: !state.helpOpen};
		case 'cycle-panel':
			return {...state, panel: panels[(panels.indexOf(state.panel) + 1) % panels.length]!};
		case 'baseline': {
			const t = last(state.samples)?.t ?? toTargetClock(state, event.t);
			return withLog({...state, baselineT: t, allocations: withBaseline(state.allocations, t)}, event.t, 'info', 'baseline set: growth now counts from here');
		}
		case 'heap-floor':
			return withFloor(state, event.t, event.heapUsed);
		case 'census-started':
			return {...state, censusRunning: true};
		case 'census': {
			const {census} = event;
			const total = census.rows.reduce((sum, row) => sum + row.count, 0);
			return withLog(
				{...state, censusRunning: false, censuses: append(state.censuses, census)},
				census.t,
				'info',
				`listener census: ${total} listeners on ${census.emitterCount} emitters in ${formatCost(census.durationMs)}`,
			);
		}
		case 'census-failed':
			return withLog({...state, censusRunning: false}, event.t, 'warn', `listener census failed: ${event.message}`);
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
			return withLog(state, event.t, 'info', `heap profile written to ${event.path} (${formatBytes(event.bytes)}); load it in Chrome DevTools > Memory`);
		case 'detaching':
			return withLog({...state, connection: 'detaching'}, event.t, 'info', `detaching: ${event.reason}`);
		case 'closed':
			return withLog({...state, connection: 'closed', endReason: event.reason}, event.t, state.connection === 'detaching' ? 'info' : 'error', event.reason);
	}
}

/** The history the view should draw: frozen while paused, live otherwise. */
export function visibleSamples(state: State): readonly MemorySample[] {
	return (state.frozen ?? state.samples).items;
}
