import {Box} from 'ink';
import type {State} from '../model/state.js';
import {visibleSamples} from '../model/state.js';
import {Header} from './Header.js';
import {MemoryPanel} from './MemoryPanel.js';
import {HeapChart} from './HeapChart.js';
import {EventLog} from './EventLog.js';
import {Footer} from './Footer.js';
import {HelpOverlay} from './HelpOverlay.js';

export interface ScreenProps {
	state: State;
	columns: number;
	rows: number;
}

// Lines used by everything but the chart and the log: header 2, memory 6, chart title and
// axis 2, log title 1, footer 1, and blank separators 2.
const fixedLines = 14;

/** The whole screen for one frozen state; sizes come from the terminal, nothing else. */
export function Screen({state, columns, rows}: ScreenProps) {
	const width = Math.max(40, columns);
	const samples = visibleSamples(state);
	const spare = Math.max(4, rows - fixedLines);
	const logLines = Math.max(2, Math.min(6, Math.floor(spare / 3)));
	const chartHeight = Math.max(2, spare - logLines);
	const latest = samples[samples.length - 1];
	const status = state.connection === 'detaching' ? 'detaching...' : state.gcRunning ? 'GC running...' : undefined;
	return (
		<Box flexDirection="column" width={width}>
			<Header target={state.target} connection={state.connection} uptime={latest?.uptime ?? null} paused={state.frozen !== null} width={width} />
			<Box marginTop={1}>
				<MemoryPanel samples={samples} width={width} />
			</Box>
			{state.helpOpen ? (
				<HelpOverlay width={width} />
			) : (
				<Box flexDirection="column" marginTop={1}>
					<HeapChart samples={samples} width={width} height={chartHeight} />
					<EventLog entries={state.log.items} lines={logLines} width={width} />
				</Box>
			)}
			<Footer width={width} status={status} />
		</Box>
	);
}
