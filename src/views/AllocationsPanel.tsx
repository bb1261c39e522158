import {Box, Text} from 'ink';
import type {AllocationRow} from '../model/allocation-table.js';
import {type AllocationsState, selectedIndex} from '../model/allocations-state.js';
import {functionLabel, siteLabel} from '../model/allocations.js';
import {formatBytes, formatCost, formatSignedBytes} from '../model/format.js';
import {sparkline} from '../model/sparkline.js';

export interface AllocationsPanelProps {
	allocations: AllocationsState;
	/** Every row of the visible table, most growth first. */
	rows: readonly AllocationRow[];
	/** The target's cwd: paths are shown relative to it. */
	cwd: string | null;
	width: number;
	lines: number;
}

const liveWidth = 9;
const growthWidth = 10;
const rateWidth = 10;
const sparkWidth = 12;

function statusLine({status, reason, intervalBytes, polls, lastPoll, showInternals}: AllocationsState): string {
	if (status === 'off' || status === 'failed') return reason ?? 'allocation sampling is off';
	if (status === 'starting') return 'starting allocation sampling...';
	const every = intervalBytes === null ? `live allocations (${reason ?? 'shared sampling'})` : `live allocations, 1 sample per ${formatBytes(intervalBytes)}`;
	if (!lastPoll) return `${every}: waiting for the first profile...`;
	const own = lastPoll.ownBytes > 0 ? ` · leaktop's own ${formatBytes(lastPoll.ownBytes)}` : '';
	const stopped = status === 'stopped' ? `${reason ?? 'sampling stopped'} · ` : '';
	return `${stopped}${every} · ${polls} ${polls === 1 ? 'poll' : 'polls'} (${formatCost(lastPoll.durationMs)}) · internals ${showInternals ? 'shown' : 'hidden'} (i)${own}`;
}

/** Keeps the selected row in view: the window scrolls once the selection passes its middle. */
function visibleWindow(count: number, selected: number, size: number): [number, number] {
	const start = Math.max(0, Math.min(selected - Math.floor(size / 2), count - size));
	return [start, Math.min(count, start + size)];
}

function StackView({row, cwd, width, lines}: {row: AllocationRow; cwd: string | null; width: number; lines: number}) {
	// Two lines of title; one more for "... N more frames" when the stack does not fit.
	const room = Math.max(1, lines - 2);
	const frames = row.stack.length > room ? row.stack.slice(0, Math.max(1, room - 1)) : row.stack;
	const hidden = row.stack.length - frames.length;
	return (
		<Box flexDirection="column" width={width}>
			<Text wrap="truncate">
				{formatBytes(row.liveBytes)} live, {formatSignedBytes(row.growthBytes)} since baseline, {row.samples} samples: <Text bold>{functionLabel(row.site)}</Text>
			</Text>
			<Text dimColor wrap="truncate">full stack, allocating frame first; bytes through each frame (esc closes)</Text>
			{frames.map((frame, i) => {
				const {name, location} = siteLabel(frame, cwd, width - liveWidth - 2);
				return (
					<Box key={i} width={width}>
						<Box width={liveWidth} flexShrink={0} justifyContent="flex-end"><Text>{formatBytes(frame.bytes)}</Text></Box>
						<Box marginLeft={2} flexShrink={1}>
							<Text wrap="truncate">
								{name} <Text dimColor>{location}</Text>
							</Text>
						</Box>
					</Box>
				);
			})}
			{hidden > 0 && <Text dimColor>... {hidden} more frames</Text>}
		</Box>
	);
}

export function AllocationsPanel({allocations, rows, cwd, width, lines}: AllocationsPanelProps) {
	const selected = selectedIndex(allocations, rows);
	const selectedRow = rows[selected];
	if (allocations.stackOpen && selectedRow) return <StackView row={selectedRow} cwd={cwd} width={width} lines={lines} />;
	// Narrow terminals drop the trend, then the rate, before the site gets too short to read.
	const showTrend = width - liveWidth - growthWidth - rateWidth - sparkWidth >= 24;
	const showRate = width - liveWidth - growthWidth - rateWidth >= 16;
	const siteWidth = width - liveWidth - growthWidth - (showRate ? rateWidth : 0) - (showTrend ? sparkWidth : 0);
	const [from, to] = visibleWindow(rows.length, selected, Math.max(1, lines - 2));
	return (
		<Box flexDirection="column" width={width}>
			<Text dimColor wrap="truncate">{statusLine(allocations)}</Text>
			{(rows.length > 0 || allocations.status === 'running') && <Box>
				<Box width={siteWidth} flexShrink={0}><Text dimColor wrap="truncate">allocation site (up/down, enter)</Text></Box>
				<Box width={liveWidth} flexShrink={0} justifyContent="flex-end"><Text dimColor>live</Text></Box>
				<Box width={growthWidth} flexShrink={0} justifyContent="flex-end"><Text dimColor>growth</Text></Box>
				{showRate && <Box width={rateWidth} flexShrink={0} justifyContent="flex-end"><Text dimColor>per min</Text></Box>}
				{showTrend && <Box width={sparkWidth} flexShrink={0} paddingLeft={2}><Text dimColor>trend</Text></Box>}
			</Box>}
			{rows.length === 0 && allocations.lastPoll && <Text dimColor>no live sampled allocations yet</Text>}
			{rows.slice(from, to).map((row, i) => {
				const isSelected = from + i === selected;
				const {name, location} = siteLabel(row.site, cwd, siteWidth - 1);
				return (
					<Box key={row.key}>
						<Box width={siteWidth} flexShrink={0}>
							<Text wrap="truncate" inverse={isSelected}>
								{name} <Text dimColor={!isSelected}>{location}</Text>
							</Text>
						</Box>
						<Box width={liveWidth} flexShrink={0} justifyContent="flex-end"><Text bold>{formatBytes(row.liveBytes)}</Text></Box>
						<Box width={growthWidth} flexShrink={0} justifyContent="flex-end"><Text color={row.growthBytes > 0 ? 'yellow' : 'green'}>{formatSignedBytes(row.growthBytes)}</Text></Box>
						{showRate && <Box width={rateWidth} flexShrink={0} justifyContent="flex-end"><Text>{formatSignedBytes(Math.round(row.ratePerMinute))}</Text></Box>}
						{showTrend && <Box width={sparkWidth} flexShrink={0} paddingLeft={2}><Text color="cyan">{sparkline(row.series, sparkWidth - 2)}</Text></Box>}
					</Box>
				);
			})}
		</Box>
	);
}
