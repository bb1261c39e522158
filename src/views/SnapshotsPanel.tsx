import {basename} from 'node:path';
import {Box, Text} from 'ink';
import {formatBytes, formatClock, formatCost, formatDuration} from '../model/format.js';
import {describeEstimate} from '../model/snapshot-risk.js';
import {type Capture, captureProgress, diffPair, type SnapshotsState} from '../model/snapshots-state.js';
import {DiffPanel} from './DiffPanel.js';

export interface SnapshotsPanelProps {
	snapshots: SnapshotsState;
	/** Local clock "now", for the time a capture has taken. */
	now: number;
	width: number;
	lines: number;
}

const sizeWidth = 10;
const timeWidth = 10;
const heapWidth = 11;
const pauseWidth = 9;

function bar(fraction: number, width: number): string {
	const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
	return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

function CaptureLines({capture, now, width}: {capture: Capture; now: number; width: number}) {
	const elapsed = formatDuration(now - capture.startedAt);
	if (capture.phase === 'checking') return <Text>checking what the target can spare for a heap snapshot...</Text>;
	if (capture.phase === 'confirm') {
		return (
			<Box flexDirection="column">
				<Text color="yellow" bold wrap="truncate">RISKY heap snapshot: {capture.estimate?.reasons.join('; ')}</Text>
				{capture.estimate && <Text wrap="truncate">estimate: {describeEstimate(capture.estimate)}</Text>}
				<Text bold>take it anyway? y/N</Text>
			</Box>
		);
	}
	if (capture.phase === 'abandoning') return <Text color="yellow" wrap="truncate">abandoning ({elapsed}): the target still finishes its pause; partial file removed</Text>;
	const step = capture.phase === 'building' ? `building ${capture.done}/${capture.total}` : `writing ${formatBytes(capture.bytesWritten)}`;
	const label = ` ${Math.floor(captureProgress(capture) * 100)}% ${step}, ${elapsed} (esc abandons)`;
	return (
		<Box flexDirection="column">
			<Text wrap="truncate">
				<Text color="cyan">{bar(captureProgress(capture), Math.max(10, Math.min(30, width - label.length)))}</Text>
				{label}
			</Text>
			{capture.estimate && <Text dimColor wrap="truncate">estimate: {describeEstimate(capture.estimate)}</Text>}
		</Box>
	);
}

/** What `d` will compare, by the times in the table; null until there are two snapshots. */
function diffHint(snapshots: SnapshotsState): string | null {
	const pair = diffPair(snapshots);
	if (!pair) return null;
	const times = `${formatClock(pair.base.t)} → ${formatClock(pair.next.t)}`;
	if (snapshots.picked.length > 0) return `d: diff ${times} (picked) · enter on a picked snapshot unpicks it`;
	return `d: diff ${times} (baseline → latest) · up/down, enter: pick others`;
}

export function SnapshotsPanel({snapshots, now, width, lines}: SnapshotsPanelProps) {
	const {capture, taken, nearLimit, nearLimitConfirm, diff, selected, picked} = snapshots;
	// Narrow terminals keep the name, size and pause; time and heapUsed go first.
	const wide = width - sizeWidth - timeWidth - heapWidth - pauseWidth >= 20;
	const nameWidth = width - sizeWidth - pauseWidth - (wide ? timeWidth + heapWidth : 0);
	const status = !capture ? 1 : capture.phase === 'confirm' ? 3 : 2;
	if (diff.status !== 'idle') {
		// A capture started meanwhile keeps its lines (and its y/N question) above the diff.
		return (
			<Box flexDirection="column" width={width}>
				{capture && <CaptureLines capture={capture} now={now} width={width} />}
				<DiffPanel diff={diff} now={now} width={width} lines={lines - (capture ? status : 0)} />
			</Box>
		);
	}
	const room = Math.max(0, lines - status - 1 - (nearLimit ? 2 : 0) - (nearLimitConfirm ? 1 : 0));
	// The newest that fit, or a window that keeps the row up/down moved to in view.
	const from = selected === null ? Math.max(0, taken.length - room) : Math.max(0, Math.min(selected - Math.floor(room / 2), taken.length - room));
	const rows = room === 0 ? [] : taken.slice(from, from + room);
	const hint = diffHint(snapshots);
	return (
		<Box flexDirection="column" width={width}>
			{capture ? (
				<CaptureLines capture={capture} now={now} width={width} />
			) : (
				<Text dimColor wrap="truncate">{hint ?? 's: take a heap snapshot (risk-checked) · n: arm one for near the heap limit'}</Text>
			)}
			{nearLimitConfirm && <Text color="yellow" bold wrap="truncate">arm a near-heap-limit snapshot? It cannot be disarmed. y/N</Text>}
			{nearLimit && (
				<Box flexDirection="column">
					<Text color="yellow" wrap="truncate">near-heap-limit snapshot armed (cannot be disarmed); the process will write</Text>
					<Text color="yellow" wrap="truncate-start">  {nearLimit.where}</Text>
				</Box>
			)}
			{rows.length > 0 && (
				<Box>
					<Box width={nameWidth} flexShrink={0}><Text dimColor>file</Text></Box>
					<Box width={sizeWidth} flexShrink={0} justifyContent="flex-end"><Text dimColor>size</Text></Box>
					{wide && <Box width={timeWidth} flexShrink={0} justifyContent="flex-end"><Text dimColor>taken</Text></Box>}
					{wide && <Box width={heapWidth} flexShrink={0} justifyContent="flex-end"><Text dimColor>heapUsed</Text></Box>}
					<Box width={pauseWidth} flexShrink={0} justifyContent="flex-end"><Text dimColor>pause</Text></Box>
				</Box>
			)}
			{rows.map((snapshot, i) => (
				<Box key={snapshot.path}>
					<Box width={nameWidth} flexShrink={0}>
						<Text wrap="truncate-start" inverse={from + i === selected} bold={picked.includes(snapshot.path)} color={picked.includes(snapshot.path) ? 'cyan' : undefined}>
							{basename(snapshot.path)}
						</Text>
					</Box>
					<Box width={sizeWidth} flexShrink={0} justifyContent="flex-end"><Text>{formatBytes(snapshot.bytes)}</Text></Box>
					{wide && <Box width={timeWidth} flexShrink={0} justifyContent="flex-end"><Text>{formatClock(snapshot.t)}</Text></Box>}
					{wide && <Box width={heapWidth} flexShrink={0} justifyContent="flex-end"><Text>{formatBytes(snapshot.heapUsed)}</Text></Box>}
					<Box width={pauseWidth} flexShrink={0} justifyContent="flex-end"><Text>{formatCost(snapshot.pauseMs)}</Text></Box>
				</Box>
			))}
		</Box>
	);
}
