/**
 * What `--report` and the exit summary hold for several targets: one section per target, the
 * same as a single target's report, under the fleet's verdict. Pure.
 */
import {auditActions} from './audit.js';
import {findingsFor} from './findings.js';
import {type FleetRow, fleetRow, type FleetVerdict, fleetVerdict} from './fleet.js';
import {formatBytes, formatDuration} from './format.js';
import {formatRate} from './rate.js';
import {buildReport, type Report, type ReportMeta, reportStamp} from './report.js';
import type {State} from './state.js';
import {type LeakVerdict, signalRate} from './verdict.js';

/** One target as the session ends: its name, its state and the verdict already computed from it. */
export interface FleetMember {
	name: string;
	state: State;
	verdict: LeakVerdict;
}

export type FleetReportRow = Omit<FleetRow, 'leading'>;

export interface FleetReport {
	reportVersion: number;
	leaktopVersion: string;
	startedAt: string;
	endedAt: string;
	intervalMs: number;
	/** What the user named: `deployment/api`, or the targets' count. */
	title: string;
	fleet: FleetVerdict & {rows: FleetReportRow[]};
	/** One section per target, in the order of the overview; each is what a one-target report holds. */
	targets: Array<{name: string} & Report>;
}

export function fleetRows(members: readonly FleetMember[]): FleetRow[] {
	return members.map(m => fleetRow(m.name, m.state, m.verdict));
}

export function buildFleetReport(members: readonly FleetMember[], meta: ReportMeta & {title: string; noun: string}): FleetReport {
	const rows = fleetRows(members);
	return {
		...reportStamp(meta),
		title: meta.title,
		fleet: {...fleetVerdict(rows, meta.noun), rows: rows.map(({leading: _leading, ...row}) => row)},
		targets: members.map(m => ({name: m.name, ...buildReport(m.state, m.verdict, meta)})),
	};
}

function rowLine(row: FleetRow): string {
	const floor = row.floorSlopePerHour === null || row.leading ? null : `floor ${formatRate(row.floorSlopePerHour)}`;
	const facts = [row.pid === null ? null : `pid ${row.pid}`, row.heapUsed === null ? null : `heap ${formatBytes(row.heapUsed)}`, floor, row.restarts > 0 ? `restarts ${row.restarts}` : null].filter(Boolean);
	// A target that leaked, then went away or lost its connection, still counts as leaking: say both.
	const leaked = row.leading ? `leak: ${signalRate(row.leading)} (${Math.round(row.leading.confidence * 100)} %)` : '';
	const verdict = row.status === 'leak' ? `leak: ${row.headline}` : [row.status === 'ended' ? row.headline : row.status, leaked].filter(Boolean).join(', ');
	return `${row.name}: ${verdict}${facts.length > 0 ? `; ${facts.join(', ')}` : ''}`;
}

/** The exit summary of a fleet: the fleet's verdict, a line per target, and what leaktop did to them. */
export function fleetSummary(members: readonly FleetMember[], meta: {startedAt: number; endedAt: number; title: string; noun: string; files: readonly string[]}): string[] {
	const rows = fleetRows(members);
	const fleet = fleetVerdict(rows, meta.noun);
	// Under each target's line, its first finding: which leak it is, where, and the fix.
	const targetLines = rows.flatMap((row, i) => {
		const {state, verdict} = members[i]!;
		const [first] = findingsFor(state, verdict, state.snapshotEvidence);
		return [rowLine(row), ...(first ? [`${row.name}: finding: ${first.sentence}`] : [])];
	});
	const lines = [`session: ${formatDuration(meta.endedAt - meta.startedAt)} on ${meta.title}`, `verdict: ${fleet.leak ? 'leak' : 'no leak'}: ${fleet.headline}`, ...targetLines];
	const files = [...members.flatMap(m => [...m.state.snapshots.taken.map(s => s.path), ...m.state.profilesWritten]), ...meta.files];
	if (files.length > 0) lines.push(`files: ${files.join(', ')}`);
	const counts = auditActions.map(action => [action, members.reduce((sum, m) => sum + m.state.auditCounts[action], 0)] as const).filter(([, n]) => n > 0);
	lines.push(`actions on the targets: ${counts.length > 0 ? counts.map(([action, n]) => `${action} ${n}`).join(', ') : 'none'}`);
	return lines;
}
