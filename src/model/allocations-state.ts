/**
 * What the allocations panel and the report know about sampled allocations: the sampler's
 * status, the site tables (user code, and everything with internals), and the selection.
 * Pure: no I/O, no timers.
 */
import type {PathAggregate, ProfileAggregate} from './allocations.js';
import {type AllocationRow, type AllocationTable, allocationRows, appendView, emptyTable, setBaseline} from './allocation-table.js';

export type SamplingStatus = 'off' | 'starting' | 'running' | 'stopped' | 'failed';

export interface PollInfo {
	/** Local epoch ms when it finished. */
	t: number;
	durationMs: number;
	nodes: number;
	totalBytes: number;
	ownBytes: number;
	internalOnlyBytes: number;
}

export interface AllocationsState {
	status: SamplingStatus;
	/** Why sampling is off, stopped or failed. */
	reason: string | null;
	intervalBytes: number | null;
	polls: number;
	lastPoll: PollInfo | null;
	/** Internals folded into the user code that called them. */
	user: AllocationTable;
	/** Every frame, internals included (`i`). */
	all: AllocationTable;
	/** The heaviest call paths of the latest poll, per view. */
	paths: {user: PathAggregate[]; all: PathAggregate[]};
	showInternals: boolean;
	/** The selected site; the selection stays on it while rows re-sort. Null: the first row. */
	selectedKey: string | null;
	stackOpen: boolean;
}

const keptPaths = 20;

export function initialAllocations(intervalBytes: number | null): AllocationsState {
	return {
		status: intervalBytes === null ? 'off' : 'starting',
		reason: intervalBytes === null ? 'allocation sampling is off (--sampling off)' : null,
		intervalBytes,
		polls: 0,
		lastPoll: null,
		user: emptyTable(),
		all: emptyTable(),
		paths: {user: [], all: []},
		showInternals: false,
		selectedKey: null,
		stackOpen: false,
	};
}

/** One poll, at target time `t` (for the growth series) and local time `localT`. */
export function withPoll(state: AllocationsState, aggregate: ProfileAggregate, t: number, localT: number, durationMs: number): AllocationsState {
	const {totalBytes, ownBytes, internalOnlyBytes, nodes} = aggregate;
	return {
		...state,
		polls: state.polls + 1,
		lastPoll: {t: localT, durationMs, nodes, totalBytes, ownBytes, internalOnlyBytes},
		user: appendView(state.user, aggregate.user, t),
		all: appendView(state.all, aggregate.all, t),
		paths: {user: aggregate.user.paths.slice(0, keptPaths), all: aggregate.all.paths.slice(0, keptPaths)},
	};
}

export function withBaseline(state: AllocationsState, t: number): AllocationsState {
	return {...state, user: setBaseline(state.user, t), all: setBaseline(state.all, t)};
}

export function visibleTable(state: AllocationsState): AllocationTable {
	return state.showInternals ? state.all : state.user;
}

/** The rows the panel lists, most growth first. */
export function visibleRows(state: AllocationsState, limit?: number): AllocationRow[] {
	return allocationRows(visibleTable(state), limit);
}

/** Where the selected site is in `rows` (the first row when it is gone or none is chosen). */
export function selectedIndex(state: AllocationsState, rows: readonly AllocationRow[]): number {
	const index = state.selectedKey === null ? -1 : rows.findIndex(row => row.key === state.selectedKey);
	return Math.max(0, index);
}

export function moveSelection(state: AllocationsState, delta: number): AllocationsState {
	const rows = visibleRows(state);
	if (rows.length === 0) return state;
	const index = Math.max(0, Math.min(rows.length - 1, selectedIndex(state, rows) + delta));
	return {...state, selectedKey: rows[index]!.key};
}
