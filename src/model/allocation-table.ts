/**
 * Allocation sites over time: each poll of the sampling profile appends one point per site, and
 * growth counts from the baseline (attach, or the last `b`). Pure: no I/O, no timers.
 */
import type {Frame, ProfileView, SiteAggregate, StackFrame} from './allocations.js';
import {type Point, theilSen} from './growth.js';
import {append, createRing, type Ring} from './ring.js';

/** A site as the latest poll saw it, with its history. */
export interface SiteHistory extends SiteAggregate {
	/** Live bytes at each poll, target clock. */
	points: Ring<Point>;
	/** Theil-Sen slope of live bytes since the baseline, bytes per minute. */
	ratePerMinute: number;
}

export interface AllocationTable {
	sites: ReadonlyMap<string, SiteHistory>;
	/** Live bytes per site when the baseline was set; a site missing here had none. */
	baseline: ReadonlyMap<string, number>;
	baselineT: number | null;
}

export interface TableLimits {
	/** Sites tracked at once, the largest first: bounds leaktop's memory on huge profiles. */
	maxSites: number;
	pointsPerSite: number;
	/** Points the rate is fitted on (Theil-Sen is quadratic in them). */
	ratePoints: number;
}

export const defaultTableLimits: TableLimits = {maxSites: 300, pointsPerSite: 60, ratePoints: 30};

/** Sampling started at attach, so at attach every site had zero live bytes. */
export function emptyTable(): AllocationTable {
	return {sites: new Map(), baseline: new Map(), baselineT: null};
}

function ratePerMinute(points: readonly Point[], baselineT: number | null, ratePoints: number): number {
	const since = points.filter(p => baselineT === null || p.t >= baselineT).slice(-ratePoints);
	return since.length < 2 ? 0 : theilSen(since) * 60_000;
}

/** Adds one poll at target time `t`: sites it lacks drop to zero until they leave the window. */
export function appendView(table: AllocationTable, view: ProfileView, t: number, limits: TableLimits = defaultTableLimits): AllocationTable {
	const sites = new Map<string, SiteHistory>();
	const add = (history: Omit<SiteHistory, 'points' | 'ratePerMinute'>, previous: SiteHistory | undefined) => {
		const points = append(previous?.points ?? createRing<Point>(limits.pointsPerSite), {t, v: history.liveBytes});
		if (!points.items.some(p => p.v > 0)) return;
		sites.set(history.key, {...history, points, ratePerMinute: ratePerMinute(points.items, table.baselineT, limits.ratePoints)});
	};
	for (const site of view.sites.slice(0, limits.maxSites)) add(site, table.sites.get(site.key));
	for (const [key, previous] of table.sites) {
		if (sites.size >= limits.maxSites) break;
		if (!sites.has(key)) add({...previous, liveBytes: 0, samples: 0}, previous);
	}
	return {...table, sites};
}

/** `b`: growth counts from the live bytes each site has now. */
export function setBaseline(table: AllocationTable, baselineT: number): AllocationTable {
	const baseline = new Map<string, number>();
	for (const [key, site] of table.sites) if (site.liveBytes > 0) baseline.set(key, site.liveBytes);
	return {...table, baseline, baselineT};
}

export interface AllocationRow {
	key: string;
	site: Frame;
	internal: boolean;
	liveBytes: number;
	samples: number;
	/** Since the baseline. */
	growthBytes: number;
	/** Since attach, when sampling started. */
	growthSinceAttach: number;
	ratePerMinute: number;
	/** Live bytes at each poll, oldest first. */
	series: number[];
	stack: StackFrame[];
}

/** Most growth first, then most live bytes: the question is "what keeps growing". */
export function allocationRows(table: AllocationTable, limit = Number.POSITIVE_INFINITY): AllocationRow[] {
	const rows: AllocationRow[] = [];
	for (const history of table.sites.values()) {
		rows.push({
			key: history.key,
			site: history.site,
			internal: history.internal,
			liveBytes: history.liveBytes,
			samples: history.samples,
			growthBytes: history.liveBytes - (table.baseline.get(history.key) ?? 0),
			growthSinceAttach: history.liveBytes,
			ratePerMinute: history.ratePerMinute,
			series: history.points.items.map(p => p.v),
			stack: history.stack,
		});
	}
	rows.sort((a, b) => b.growthBytes - a.growthBytes || b.liveBytes - a.liveBytes || a.key.localeCompare(b.key));
	return rows.slice(0, limit);
}
