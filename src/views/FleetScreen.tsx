import {Box, Text} from 'ink';
import type {FleetRow, FleetVerdict, TargetStatus} from '../model/fleet.js';
import {formatBytes} from '../model/format.js';
import {formatRate} from '../model/rate.js';
import {formatCountdown, warnBeforeMs} from '../model/time-box.js';
import {Footer} from './Footer.js';
import {type LiveColor, LiveText} from './LiveText.js';

export interface FleetScreenProps {
	/** What the targets are: `deployment/api -n prod`, `3 targets`. */
	title: string;
	targets: readonly FleetRow[];
	fleet: FleetVerdict;
	selected: number;
	columns: number;
	rows: number;
	/** Time left in the time box (`--duration`), null without one. */
	timeLeftMs: number | null;
}

const statusColor: Record<TargetStatus, LiveColor | undefined> = {
	leak: 'red',
	'no leak': 'green',
	'collecting evidence': 'yellow',
	reconnecting: 'yellow',
	ended: 'red',
};

interface Column {
	title: string;
	width: number;
	cell: (row: FleetRow) => string;
	align: 'left' | 'right';
}

/** The numbers' columns; the name takes what the verdict leaves, down to 12 (its end kept: pods differ there). */
const numberColumns: readonly Column[] = [
	{title: 'PID', width: 7, cell: row => (row.pid === null ? '-' : String(row.pid)), align: 'right'},
	{title: 'HEAP', width: 8, cell: row => (row.heapUsed === null ? '-' : formatBytes(row.heapUsed)), align: 'right'},
	{title: 'FLOOR', width: 11, cell: row => (row.floorSlopePerHour === null ? '-' : formatRate(row.floorSlopePerHour)), align: 'right'},
	{title: 'RESOURCES', width: 9, cell: row => (row.resources === null ? '-' : `${row.resources}${row.resourcesGrowth > 0 ? ` +${row.resourcesGrowth}` : ''}`), align: 'right'},
	{title: 'RESTARTS', width: 8, cell: row => String(row.restarts), align: 'right'},
];

/** Room the verdict column keeps before the name gives any up: `leak (100 %)`, `warming up`. */
const verdictRoom = 14;

function columnsFor(targets: readonly FleetRow[], width: number): Column[] {
	const numbers = numberColumns.reduce((sum, c) => sum + c.width + 1, 0);
	const longest = Math.max(6, ...targets.map(t => t.name.length));
	const nameWidth = Math.max(12, Math.min(longest, width - numbers - 2 - verdictRoom));
	const name = (row: FleetRow) => (row.name.length <= nameWidth ? row.name : `…${row.name.slice(row.name.length - nameWidth + 1)}`);
	return [{title: 'TARGET', width: nameWidth, cell: name, align: 'left'}, ...numberColumns];
}

function cells(columns: readonly Column[], texts: readonly string[]): string {
	return columns.map((column, i) => (column.align === 'right' ? texts[i]!.slice(0, column.width).padStart(column.width) : texts[i]!.slice(0, column.width).padEnd(column.width))).join(' ');
}

/** Several targets, one row each: the fleet's verdict on top, the selected row drills in. */
export function FleetScreen({title, targets, fleet, selected, columns: terminalColumns, rows, timeLeftMs}: FleetScreenProps) {
	const width = Math.max(40, terminalColumns);
	const columns = columnsFor(targets, width);
	const titles = cells(columns, columns.map(c => c.title));
	const fixed = titles.length + 2;
	const verdictWidth = Math.max(10, width - fixed);
	const heading = `${titles}  VERDICT`;
	// Header 2, table heading 1, footer 1, margins 2.
	const shown = Math.max(1, rows - 6);
	const first = Math.min(Math.max(0, selected - shown + 1), Math.max(0, targets.length - shown));
	const visible = targets.slice(first, first + shown);
	// OK only when every target is attached and judged: one gone or reconnecting is not fine.
	const label = fleet.leak ? 'LEAK' : targets.some(t => t.status === 'ended') ? 'GONE' : targets.some(t => t.status === 'collecting evidence' || t.status === 'reconnecting') ? 'WAIT' : 'OK';
	const color = label === 'LEAK' || label === 'GONE' ? 'red' : label === 'WAIT' ? 'yellow' : 'green';
	return (
		<Box flexDirection="column" width={width}>
			<Box justifyContent="space-between">
				<Text wrap="truncate">
					<Text bold color="cyan">leaktop</Text> {title}
				</Text>
				{timeLeftMs !== null && (
					<Box flexShrink={0} marginLeft={1}>
						<Text color={timeLeftMs <= warnBeforeMs ? 'yellow' : undefined}>ends in {formatCountdown(timeLeftMs)}</Text>
					</Box>
				)}
			</Box>
			<Box>
				<Text inverse bold color={color}> {label} </Text>
				<Text> </Text>
				<LiveText lines={[fleet.headline]} width={width - label.length - 3} color={color} />
			</Box>
			<Box marginTop={1} flexDirection="column">
				<Text bold wrap="truncate">{heading}</Text>
				{visible.map((row, i) => (
					<Box key={row.name}>
						<LiveText lines={[cells(columns, columns.map(c => c.cell(row)))]} width={fixed - 2} inverse={first + i === selected} />
						<Text>  </Text>
						<LiveText lines={[row.verdictText]} width={verdictWidth} color={statusColor[row.status]} inverse={first + i === selected} />
					</Box>
				))}
			</Box>
			<Box marginTop={1}>
				<Footer width={width} mode="overview" status={targets.length > shown ? `${first + 1}-${first + visible.length} of ${targets.length}` : undefined} />
			</Box>
		</Box>
	);
}
