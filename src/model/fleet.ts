/**
 * Several targets at once (`--kube deployment/NAME`, repeated `--url`/`--port`): one row per
 * target for the overview, and the fleet's verdict. A leak shows best as the same slope on every
 * replica, so the fleet headline names how many grow and the spread of their rates. Pure.
 */
import {formatBytes} from './format.js';
import type {State} from './state.js';
import {headline, isCollectingEvidence, type LeakVerdict, type Signal, seriesNames, signalRate} from './verdict.js';

/** What one target is doing, as the overview's row and the fleet verdict read it. */
export type TargetStatus = 'leak' | 'no leak' | 'collecting evidence' | 'reconnecting' | 'ended';

export interface FleetRow {
	/** How the user named it: `pod/api-7d9`, `127.0.0.1:9229`. */
	name: string;
	pid: number | null;
	heapUsed: number | null;
	/** The heap floor's slope, once it has enough points to have one. */
	floorSlopePerHour: number | null;
	/** Active resources (handles and requests) in the latest sample, and their change since the baseline. */
	resources: number | null;
	resourcesGrowth: number;
	status: TargetStatus;
	/** The target's own verdict line. */
	headline: string;
	/** The verdict in a few words for the overview: `leak (98 %)`, `leak: Timeout +120/h (90 %)`, `warming up`. */
	verdictText: string;
	restarts: number;
	/** The signal that makes it a leak: the headline's first growing series. */
	leading: Signal | null;
}

function leadingSignal(verdict: LeakVerdict): Signal | null {
	return verdict.signals.find(s => s.verdict === 'growing' && s.kind !== 'watch') ?? null;
}

function status(state: State, verdict: LeakVerdict): TargetStatus {
	if (state.endedByTarget) return 'ended';
	if (state.reconnectAttempt !== null) return 'reconnecting';
	if (verdict.leak) return 'leak';
	return isCollectingEvidence(verdict) ? 'collecting evidence' : 'no leak';
}

function totalResources(resources: Record<string, number> | undefined): number | null {
	return resources ? Object.values(resources).reduce((sum, n) => sum + n, 0) : null;
}

/**
 * The verdict in a few words, for a narrow column: the overview's FLOOR column already shows the
 * heap floor's rate, so a heap leak is just `leak (98 %)`; other series name themselves.
 */
function verdictText(state: State, verdict: LeakVerdict): string {
	const leading = leadingSignal(verdict);
	const what = leading ? `leak${leading.kind === 'heap' ? '' : `: ${signalRate(leading)}`} (${Math.round(leading.confidence * 100)} %)` : '';
	const kind = status(state, verdict);
	if (kind === 'ended') return `ended: ${state.endReason}`;
	// The attempt's number is in the target's own header; the column has room for little.
	if (kind === 'reconnecting') return `reconnecting${leading ? `, ${what}` : ''}`;
	if (kind === 'collecting evidence') return 'warming up';
	return kind === 'leak' ? what : kind;
}

export function fleetRow(name: string, state: State, verdict: LeakVerdict): FleetRow {
	const latest = state.samples.items.at(-1);
	const baseline = state.baselineT ?? -Infinity;
	const first = state.samples.items.find(s => s.t >= baseline);
	const heap = verdict.signals.find(s => s.kind === 'heap');
	const resources = totalResources(latest?.resources);
	return {
		name,
		pid: state.target?.pid ?? null,
		heapUsed: latest?.heapUsed ?? null,
		floorSlopePerHour: heap && heap.points >= 2 ? heap.slopePerHour : null,
		resources,
		resourcesGrowth: resources === null ? 0 : resources - (totalResources(first?.resources) ?? resources),
		status: status(state, verdict),
		headline: state.endedByTarget ? `ended: ${state.endReason}` : headline(verdict),
		verdictText: verdictText(state, verdict),
		restarts: state.restarts.length,
		leading: leadingSignal(verdict),
	};
}

export interface FleetVerdict {
	leak: boolean;
	targets: number;
	leaking: number;
	/** `3 of 3 pods grow 11-13 MB/h`. */
	headline: string;
}

/** `11-13 MB/h`: whole numbers from 10 up, as people say rates; `1.2-3.4 MB/h` below. */
function bytesRange(low: number, high: number): string {
	const digits = Number(formatBytes(high).split(' ')[0]) >= 10 ? 0 : 1;
	const lo = formatBytes(low, digits);
	const hi = formatBytes(high, digits);
	const [loNumber, loUnit] = lo.split(' ');
	const [hiNumber, hiUnit] = hi.split(' ');
	if (lo === hi) return `${hi}/h`;
	return loUnit === hiUnit ? `${loNumber}-${hiNumber} ${hiUnit}/h` : `${lo}-${hi}/h`;
}

function countRange(low: number, high: number): string {
	const [lo, hi] = [Math.round(low), Math.round(high)];
	return lo === hi ? `+${hi}/h` : `+${lo}-${hi}/h`;
}

/**
 * How many targets leak, and by what: the series most of them grow in, with the spread of its
 * rates. `noun` names the targets (`pods` for a deployment).
 */
export function fleetVerdict(rows: readonly FleetRow[], noun = 'targets'): FleetVerdict {
	// A target that leaked and then went away or lost its connection still counts: its last evidence stands.
	const leaking = rows.filter(row => row.leading !== null);
	const of = `${leaking.length} of ${rows.length} ${noun}`;
	if (leaking.length === 0) {
		const collecting = rows.filter(row => row.status === 'collecting evidence').length;
		const gone = rows.filter(row => row.status === 'ended').length;
		const notes = [collecting > 0 ? `${collecting} still collecting evidence` : '', gone > 0 ? `${gone} ended` : ''].filter(Boolean);
		return {leak: false, targets: rows.length, leaking: 0, headline: `${of} grow${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`};
	}
	const groups = new Map<string, Signal[]>();
	for (const row of leaking) {
		const key = `${row.leading!.kind} ${row.leading!.series}`;
		groups.set(key, [...(groups.get(key) ?? []), row.leading!]);
	}
	const [signals] = [...groups.values()].sort((a, b) => b.length - a.length);
	const slopes = signals!.map(s => s.slopePerHour);
	const [low, high] = [Math.min(...slopes), Math.max(...slopes)];
	const first = signals![0]!;
	const what = first.unit === 'bytes' ? `${first.kind === 'heap' ? '' : `${seriesNames[first.kind]} `}${bytesRange(low, high)}` : `${first.series} ${countRange(low, high)}`;
	const others = leaking.length - signals!.length;
	const more = others > 0 ? ` (${others} by another series)` : '';
	return {leak: true, targets: rows.length, leaking: leaking.length, headline: `${of} grow ${what}${more}`};
}
