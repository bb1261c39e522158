/**
 * `leaktop diff A.heapsnapshot B.heapsnapshot`: DevTools' Comparison view in the terminal. The
 * table goes to stdout (or JSON with --json), progress and the one-line summary to stderr.
 */
import {basename} from 'node:path';
import {LeaktopError} from '../errors.js';
import {formatBytes, formatCost, formatSignedBytes} from '../model/format.js';
import type {ClassCountDiff, ClassDiff} from '../model/heap-snapshot/diff.js';
import {retainerPathLines} from '../model/heap-snapshot/retainers.js';
import {snapshotFindings} from '../model/findings.js';
import {exitCodes, type Outcome} from '../outcome.js';
import {type ClassInstances, type ComparisonProgress, type ComparisonSummary, SnapshotComparison} from '../snapshot-analysis.js';
import {SnapshotReadAbortedError} from '../snapshot-reader.js';
import type {WatchContext} from './watch.js';

export interface DiffConfig {
	basePath: string;
	nextPath: string;
	top: number;
	json: boolean;
	/** A class name (or DevTools key) whose new instances and retainer paths to show. */
	retainers: string | undefined;
	/** Rewrite one progress line in place (stderr is a terminal). */
	liveProgress: boolean;
}

/** How many instances --retainers shows, largest retained size first. */
const instancesShown = 5;
const nameWidth = 44;

const count = (n: number) => n.toLocaleString('en-US');
const signedCount = (n: number) => (n > 0 ? '+' : '') + count(n);

function clip(text: string, width: number): string {
	return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

function table(header: string[], rows: string[][]): string {
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i]!.length)));
	const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
	return [line(header), ...rows.map(line)].join('\n');
}

function classTable(summary: ComparisonSummary): string {
	if (summary.comparable) {
		const rows = (summary.classes as ClassDiff[]).map(c => [clip(c.name, nameWidth), count(c.newCount), count(c.deletedCount), signedCount(c.countDelta), formatBytes(c.allocSize), formatBytes(c.freedSize), formatSignedBytes(c.sizeDelta)]);
		return table(['Class', '#New', '#Deleted', '#Delta', 'Alloc. Size', 'Freed Size', 'Size Delta'], rows);
	}
	const rows = (summary.classes as ClassCountDiff[]).map(c => [clip(c.name, nameWidth), count(c.baseCount), count(c.count), signedCount(c.countDelta), formatBytes(c.baseSize), formatBytes(c.size), formatSignedBytes(c.sizeDelta)]);
	return table(['Class', 'Count A', 'Count B', '#Delta', 'Size A', 'Size B', 'Size Delta'], rows);
}

function describeFile(facts: ComparisonSummary['base']): string {
	return `${basename(facts.path)} (${formatBytes(facts.bytes)}, ${count(facts.nodeCount)} objects)`;
}

function instancesText(found: ClassInstances): string {
	const lines = [`${found.which === 'new' ? 'New' : 'All'} ${found.name} objects: ${count(found.total)}, retaining ${formatBytes(found.retainedSize)}; the ${Math.min(instancesShown, found.total)} that retain the most, with the shortest path from a GC root:`];
	for (const instance of found.instances) {
		lines.push('', `${instance.label}  self ${formatBytes(instance.selfSize)}, retains ${formatBytes(instance.retainedSize)}`);
		if (instance.retainers === null) lines.push('  kept only by weak references (the next GC may free it)');
		else lines.push(...retainerPathLines(instance.retainers).slice(1).map(line => `  <- ${line}`));
		const {closure} = instance;
		if (closure) {
			const where = closure.location ? ` at ${closure.location.scriptName ?? `script ${closure.location.scriptId}`}:${closure.location.line}:${closure.location.column}` : '';
			lines.push(`  ${closure.id === instance.id ? 'function' : 'the scope of function'} ${closure.functionName}${where}`);
			for (const scope of closure.scopes) {
				const held = scope.variables.map(v => `${v.variable} (${v.name || v.type}, ${formatBytes(v.retainedSize ?? v.selfSize)})`);
				lines.push(`  its scope keeps: ${held.length > 0 ? held.join(', ') : 'nothing'}`);
			}
		}
	}
	return lines.join('\n');
}

function progressReporter(config: DiffConfig): (progress: ComparisonProgress) => void {
	// The two files are read at once: one line shows both.
	const percent = {base: 0, next: 0};
	let lastLine = '';
	return progress => {
		if (progress.stage === 'reading') percent[progress.file] = progress.totalBytes > 0 ? Math.floor((progress.bytesRead / progress.totalBytes) * 100) : 0;
		const line = progress.stage === 'comparing' ? 'comparing' : `reading ${basename(config.basePath)} ${percent.base} %, ${basename(config.nextPath)} ${percent.next} %`;
		if (line === lastLine) return;
		lastLine = line;
		// Without a terminal the closing summary line says how long it took; logs stay short.
		if (config.liveProgress) process.stderr.write(`\r\u001B[Kleaktop: ${line}`);
	};
}

export async function diffCommand(config: DiffConfig, context: WatchContext): Promise<Outcome> {
	const started = Date.now();
	const report = progressReporter(config);
	let comparison: SnapshotComparison;
	try {
		comparison = await SnapshotComparison.open(config.basePath, config.nextPath, {onProgress: report, signal: context.signal});
	} catch (error) {
		if (error instanceof SnapshotReadAbortedError) return {exitCode: exitCodes.error, message: 'diff cancelled'};
		throw error;
	} finally {
		if (config.liveProgress) process.stderr.write('\r\u001B[K');
	}
	const summary = comparison.summary(config.top);
	const found = config.retainers === undefined ? undefined : comparison.instances(config.retainers, instancesShown);
	if (found === null) {
		const known = summary.classes.slice(0, 5).map(c => c.name).join(', ');
		throw new LeaktopError(`no class "${config.retainers}" ${summary.comparable ? 'with new objects ' : ''}in the later snapshot (the top classes: ${known}; names as in the table, e.g. "Map" or "{a, b}")`);
	}
	context.status(`${describeFile(summary.base)} -> ${describeFile(summary.next)}, compared in ${formatCost(Date.now() - started)}`);
	if (summary.reason) context.status(summary.reason);
	// Two snapshots alone cannot say how fast memory grows; they can say what holds the new objects.
	const findings = snapshotFindings(comparison.holderEvidence());
	if (config.json) {
		const classes = summary.comparable ? summary.classes : (summary.classes as ClassCountDiff[]).map(c => ({...c, newCount: null, deletedCount: null}));
		context.writeStdout(`${JSON.stringify({base: summary.base, next: summary.next, comparable: summary.comparable, reason: summary.reason, classes, ...(found ? {retainers: found} : {}), findings}, null, 2)}\n`);
		return {exitCode: exitCodes.ok};
	}
	const parts = [summary.classes.length > 0 ? classTable(summary) : 'no class changed between the two snapshots'];
	if (found) parts.push(instancesText(found));
	if (findings[0]) parts.push(`finding: ${findings[0].sentence}`);
	context.writeStdout(`${parts.join('\n\n')}\n`);
	return {exitCode: exitCodes.ok};
}
