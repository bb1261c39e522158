/**
 * The exit summary: what a session did and found, in a few lines that stay in the terminal (or
 * CI log) after leaktop exits. Pure: the CLI prints it.
 */
import {auditActions} from './audit.js';
import {allocationRows} from './allocation-table.js';
import {shortFrame} from './allocations.js';
import {formatBytes, formatDuration, formatSignedBytes} from './format.js';
import {formatRate} from './rate.js';
import {findingsFor} from './findings.js';
import type {State} from './state.js';
import {headline, type LeakVerdict, type Signal} from './verdict.js';

export interface SummaryMeta {
	startedAt: number;
	endedAt: number;
	/** Files leaktop wrote besides snapshots and profiles (the report, the recording). */
	files: readonly string[];
}

/** Growing series, allocation sites and files shown at most. */
const shown = 3;

function signalText(signal: Signal): string {
	const rate = signal.unit === 'bytes' ? formatRate(signal.slopePerHour) : `${signal.slopePerHour > 0 ? '+' : ''}${Math.round(signal.slopePerHour)}/h`;
	return `${signal.series} ${rate} (${Math.round(signal.confidence * 100)} %)`;
}

function listed(items: readonly string[]): string {
	const more = items.length > shown ? `, +${items.length - shown} more` : '';
	return `${items.slice(0, shown).join(', ')}${more}`;
}

export function exitSummary(state: State, verdict: LeakVerdict, meta: SummaryMeta): string[] {
	const {target} = state;
	const lines = [`session: ${formatDuration(meta.endedAt - meta.startedAt)}${target ? ` on pid ${target.pid} (node ${target.nodeVersion}) at ${target.address}` : ''}${state.endReason ? `; ended: ${state.endReason}` : ''}`];
	lines.push(`verdict: ${verdict.leak ? 'leak' : 'no leak'}: ${headline(verdict)}`);
	const [first] = findingsFor(state, verdict, state.snapshotEvidence);
	if (first) lines.push(`finding: ${first.sentence}`);
	const growing = verdict.signals.filter(s => s.verdict === 'growing');
	if (growing.length > 0) lines.push(`growing: ${listed(growing.map(signalText))}`);
	const sites = allocationRows(state.allocations.user, shown).filter(row => row.growthBytes > 0);
	if (sites.length > 0) {
		lines.push(`top allocation sites: ${sites.map(row => `${shortFrame(row.site)} ${formatSignedBytes(row.growthBytes)} (${formatBytes(row.liveBytes)} live)`).join('; ')}`);
	}
	const files = [...state.snapshots.taken.map(s => s.path), ...state.profilesWritten, ...meta.files];
	if (files.length > 0) lines.push(`files: ${listed(files)}`);
	const counts = auditActions.filter(action => state.auditCounts[action] > 0).map(action => `${action} ${state.auditCounts[action]}`);
	lines.push(`actions on the target: ${counts.length > 0 ? counts.join(', ') : 'none'}`);
	return lines;
}
