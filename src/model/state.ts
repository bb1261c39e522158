import {append, createRing, type Ring} from './ring.js';
import type {ConnectionState, LogEntry, LogLevel, MemorySample, TargetInfo} from './types.js';
import {formatBytes, formatSignedBytes} from './format.js';

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
	| {type: 'detaching'; t: number; reason: string}
	| {type: 'closed'; t: number; reason: string};

export interface StateOptions {
	/** How many samples to keep: the chart window and the report's history. */
	historySize: number;
	logSize?: number;
}

export function initialState({historySize, logSize = 200}: StateOptions): State {
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
	};
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
			return withLog({...state, gcRunning: false}, event.t, 'info', `GC: heapUsed ${formatBytes(event.before)} -> ${formatBytes(event.after)} (${formatSignedBytes(freed)}) in ${Math.round(event.durationMs)} ms`);
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
