/**
 * Listener census arithmetic: growth between two censuses.
 * Pure: no I/O, no timers.
 */
import type {ListenerCensus, ListenerRow} from './types.js';

export interface ListenerGrowthRow extends ListenerRow {
	/** Listeners added since the baseline census for this constructor and event (negative when removed). */
	growth: number;
}

const rowKey = (row: ListenerRow) => `${row.emitter}\u0000${row.event}`;

/**
 * The rows of `latest` with their growth since `baseline` (0 without one), most growth first,
 * then most listeners; the top `limit`. A row new since the baseline grows by its whole count.
 */
export function listenerGrowth(baseline: ListenerCensus | null, latest: ListenerCensus, limit = 20): ListenerGrowthRow[] {
	const before = new Map<string, number>();
	for (const row of baseline?.rows ?? []) before.set(rowKey(row), row.count);
	return latest.rows
		.map(row => ({...row, growth: baseline === null ? 0 : row.count - (before.get(rowKey(row)) ?? 0)}))
		.sort((a, b) => b.growth - a.growth || b.count - a.count || a.emitter.localeCompare(b.emitter) || a.event.localeCompare(b.event))
		.slice(0, Math.max(0, limit));
}
