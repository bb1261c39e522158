import {basename} from 'node:path';
import {Box, Text} from 'ink';
import {type DiffRow, type DiffState, diffTotals, type FileProgress, readFraction} from '../model/diff-state.js';
import {formatBytes, formatClock, formatCost, formatDuration, formatSignedBytes, formatSignedCount} from '../model/format.js';
import type {ClosureDetails} from '../model/heap-snapshot/closures.js';
import {retainerPathLines, type RetainerStepView} from '../model/heap-snapshot/retainers.js';
import type {InstanceView} from '../snapshot-analysis.js';

export interface DiffPanelProps {
	diff: DiffState;
	/** Local clock "now", for the time reading has taken. */
	now: number;
	width: number;
	lines: number;
}

interface Column {
	title: string;
	width: number;
	value: (row: DiffRow) => string;
	/** Dropped first on narrow terminals. */
	optional: boolean;
}

const count = (n: number) => String(n);
const signedColor = (n: number) => (n > 0 ? 'yellow' : n < 0 ? 'green' : undefined);

// Titles as DevTools' Comparison view names them; the widths hold a title and a space before it.
const idColumns: Column[] = [
	{title: '#New', width: 7, value: row => ('newCount' in row ? count(row.newCount) : ''), optional: false},
	{title: '#Deleted', width: 9, value: row => ('deletedCount' in row ? count(row.deletedCount) : ''), optional: false},
	{title: '#Delta', width: 8, value: row => formatSignedCount(row.countDelta), optional: false},
	{title: 'Alloc. Size', width: 12, value: row => ('allocSize' in row ? formatBytes(row.allocSize) : ''), optional: true},
	{title: 'Freed Size', width: 11, value: row => ('freedSize' in row ? formatBytes(row.freedSize) : ''), optional: true},
	{title: 'Size Delta', width: 11, value: row => formatSignedBytes(row.sizeDelta), optional: false},
];

/** Snapshots of different processes: ids mean nothing across them, class totals still compare. */
const countColumns: Column[] = [
	{title: '#Before', width: 8, value: row => ('baseCount' in row ? count(row.baseCount) : ''), optional: false},
	{title: '#After', width: 8, value: row => ('count' in row ? count(row.count) : ''), optional: false},
	{title: '#Delta', width: 8, value: row => formatSignedCount(row.countDelta), optional: false},
	{title: 'Size Before', width: 12, value: row => ('baseSize' in row ? formatBytes(row.baseSize) : ''), optional: true},
	{title: 'Size After', width: 11, value: row => ('size' in row ? formatBytes(row.size) : ''), optional: true},
	{title: 'Size Delta', width: 11, value: row => formatSignedBytes(row.sizeDelta), optional: false},
];

/** The class column never gets narrower than this while optional columns can go. */
const minClassWidth = 20;

function bar(fraction: number, width: number): string {
	const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
	return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

/** Keeps the selected row in view: the window scrolls once the selection passes its middle. */
function visibleWindow(total: number, selected: number, size: number): [number, number] {
	const start = Math.max(0, Math.min(selected - Math.floor(size / 2), total - size));
	return [start, Math.min(total, start + size)];
}

function pairLabel(diff: DiffState): string {
	return `${diff.base ? formatClock(diff.base.t) : '?'} → ${diff.next ? formatClock(diff.next.t) : '?'}`;
}

function FileLine({label, path, progress}: {label: string; path: string; progress: FileProgress | null}) {
	const fraction = readFraction(progress);
	const read = progress ? `${formatBytes(progress.bytesRead)} of ${formatBytes(progress.totalBytes)}` : 'waiting';
	return (
		<Text wrap="truncate">
			{label} <Text color="cyan">{bar(fraction, 20)}</Text> {String(Math.floor(fraction * 100)).padStart(3)}% {read} <Text dimColor>{basename(path)}</Text>
		</Text>
	);
}

function Running({diff, now}: {diff: DiffState; now: number}) {
	const elapsed = formatDuration(now - diff.startedAt);
	return (
		<Box flexDirection="column">
			<Text wrap="truncate">
				diff {pairLabel(diff)} in a worker: {diff.status === 'comparing' ? 'comparing' : 'reading'}, {elapsed} <Text dimColor>(esc cancels)</Text>
			</Text>
			{diff.base && <FileLine label="base" path={diff.base.path} progress={diff.read.base} />}
			{diff.next && <FileLine label="next" path={diff.next.path} progress={diff.read.next} />}
			{diff.status === 'comparing' && <Text>comparing: matching node ids, counting per class...</Text>}
		</Box>
	);
}

function ClassTable({diff, width, lines}: {diff: DiffState; width: number; lines: number}) {
	const summary = diff.summary!;
	const all = summary.comparable ? idColumns : countColumns;
	const fixed = all.reduce((sum, column) => sum + column.width, 0);
	const columns = width - fixed >= minClassWidth ? all : all.filter(column => !column.optional);
	const classWidth = width - columns.reduce((sum, column) => sum + column.width, 0);
	const took = diff.durationMs === null ? '' : ` in ${formatCost(diff.durationMs)}`;
	let title: string;
	if (summary.comparable) {
		const totals = diffTotals(summary);
		title = `diff ${pairLabel(diff)}: ${totals.newCount} new, ${totals.deletedCount} deleted, ${formatSignedBytes(totals.sizeDelta)}${took}`;
	} else title = `class counts ${pairLabel(diff)}${took}`;
	const head = summary.comparable ? 2 : 3;
	const rows = summary.classes;
	const [from, to] = visibleWindow(rows.length, diff.selected, Math.max(1, lines - head));
	return (
		<Box flexDirection="column" width={width}>
			<Text wrap="truncate">
				{title} <Text dimColor>(up/down, enter: instances, esc: back)</Text>
			</Text>
			{!summary.comparable && <Text color="yellow" wrap="truncate">{summary.reason}</Text>}
			<Box>
				<Box width={classWidth} flexShrink={0}><Text dimColor>Class</Text></Box>
				{columns.map(column => (
					<Box key={column.title} width={column.width} flexShrink={0} justifyContent="flex-end"><Text dimColor>{column.title}</Text></Box>
				))}
			</Box>
			{rows.length === 0 && <Text dimColor>no class changed between the two snapshots</Text>}
			{rows.slice(from, to).map((row, i) => (
				<Box key={from + i}>
					<Box width={classWidth} flexShrink={0}>
						<Text wrap="truncate" inverse={from + i === diff.selected}>{row.name}</Text>
					</Box>
					{columns.map(column => (
						<Box key={column.title} width={column.width} flexShrink={0} justifyContent="flex-end">
							<Text color={column.title === 'Size Delta' ? signedColor(row.sizeDelta) : undefined}>{column.value(row)}</Text>
						</Box>
					))}
				</Box>
			))}
		</Box>
	);
}

/** DevTools' Retainers reading: the object, then `edge in holder` up to the node under the GC roots. */
export function retainerLines(steps: readonly RetainerStepView[]): string[] {
	return retainerPathLines(steps).map((line, i) => (i === 0 ? line : `← ${line}`));
}

/** Cuts a long path in its middle: the object's end says what holds it, the root's end who owns it. */
function fitLines(all: readonly string[], room: number): string[] {
	if (all.length <= room) return [...all];
	if (room <= 1) return [`… ${all.length} steps to a GC root`];
	const head = Math.ceil((room - 1) / 2);
	const tail = room - 1 - head;
	return [...all.slice(0, head), `  … ${all.length - head - tail} more steps`, ...all.slice(all.length - tail)];
}

function closureLines(closure: ClosureDetails): string[] {
	const where = closure.location ? `${closure.location.scriptName ?? `script ${closure.location.scriptId}`}:${closure.location.line}:${closure.location.column}` : 'location unknown';
	const variables = closure.scopes.flatMap(scope => scope.variables);
	const captured = variables.length === 0 ? 'captures nothing' : `captures ${variables.map(v => (v.retainedSize === undefined ? v.variable : `${v.variable} ${formatBytes(v.retainedSize)}`)).join(', ')}`;
	return [`function ${closure.functionName} at ${where}`, captured];
}

function InstanceLines({instance, room}: {instance: InstanceView; room: number}) {
	const closure = instance.closure ? closureLines(instance.closure) : [];
	const path = instance.retainers ? retainerLines(instance.retainers) : ['no path from a GC root: only weak references keep it'];
	const shown = fitLines(path, Math.max(1, room - closure.length));
	return (
		<Box flexDirection="column">
			{closure.map((line, i) => (
				<Text key={`c${i}`} color="magenta" wrap="truncate">{line}</Text>
			))}
			{shown.map((line, i) => (
				<Text key={`r${i}`} wrap="truncate">{line}</Text>
			))}
		</Box>
	);
}

function OpenedClassView({diff, width, lines}: {diff: DiffState; width: number; lines: number}) {
	const opened = diff.opened!;
	if (opened.status === 'loading') {
		return <Text wrap="truncate">{opened.name}: finding new instances and their retainer paths...</Text>;
	}
	if (opened.status === 'failed') {
		return (
			<Box flexDirection="column" width={width}>
				<Text color="red" wrap="truncate">{opened.name}: {opened.error}</Text>
				<Text dimColor>esc: back to the classes</Text>
			</Box>
		);
	}
	const found = opened.instances;
	const instance = found?.instances[opened.selected];
	if (!found || !instance) return <Text wrap="truncate">{opened.name}: none found in the later snapshot <Text dimColor>(esc: back)</Text></Text>;
	const which = found.which === 'new' ? 'new' : 'instances (ids not comparable: all of them)';
	return (
		<Box flexDirection="column" width={width}>
			<Text wrap="truncate">
				<Text bold>{found.name}</Text>: {found.total} {which}, retaining {formatBytes(found.retainedSize)} <Text dimColor>(esc: back)</Text>
			</Text>
			<Text wrap="truncate">
				<Text inverse>{opened.selected + 1}/{found.instances.length}</Text> {instance.label}, self {formatBytes(instance.selfSize)}, retains {formatBytes(instance.retainedSize)} <Text dimColor>(up/down: largest first)</Text>
			</Text>
			<InstanceLines instance={instance} room={lines - 2} />
		</Box>
	);
}

export function DiffPanel({diff, now, width, lines}: DiffPanelProps) {
	switch (diff.status) {
		case 'idle':
			return null;
		case 'reading':
		case 'comparing':
			return <Running diff={diff} now={now} />;
		case 'failed':
			return (
				<Box flexDirection="column" width={width}>
					<Text color="red" wrap="truncate">snapshot diff failed: {diff.error}</Text>
					<Text dimColor>esc: back to the snapshots</Text>
				</Box>
			);
		case 'done':
			return diff.opened ? <OpenedClassView diff={diff} width={width} lines={lines} /> : <ClassTable diff={diff} width={width} lines={lines} />;
	}
}
