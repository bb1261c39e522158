import {Box} from 'ink';
import type {State} from '../model/state.js';
import {visibleSamples} from '../model/state.js';
import {timeLeftMs} from '../model/time-box.js';
import {censusesSinceBaseline, type LeakVerdict} from '../model/verdict.js';
import {Header} from './Header.js';
import {VerdictLine} from './VerdictLine.js';
import {MemoryPanel} from './MemoryPanel.js';
import {HeapChart} from './HeapChart.js';
import {ResourcesPanel} from './ResourcesPanel.js';
import {ListenersPanel} from './ListenersPanel.js';
import {AllocationsPanel} from './AllocationsPanel.js';
import {visibleRows} from '../model/allocations-state.js';
import {SnapshotsPanel} from './SnapshotsPanel.js';
import {captureProgress} from '../model/snapshots-state.js';
import {EventLog} from './EventLog.js';
import {Footer} from './Footer.js';
import {HelpOverlay} from './HelpOverlay.js';
import {WatchesPanel} from './WatchesPanel.js';
import {CommandLine} from './CommandLine.js';
import {FindingsLines} from './FindingsLines.js';
import {FindingsPanel} from './FindingsPanel.js';
import {type Finding, findingSeries} from '../model/findings.js';

export interface ScreenProps {
	state: State;
	verdict: LeakVerdict;
	columns: number;
	rows: number;
	/** Local clock for the time box's countdown; the last sample's arrival without it. */
	now?: number;
	/** `leaktop replay`: where in the recording the view is, for the footer; live without it. */
	replay?: string;
	/** One of several targets: its name for the header. */
	targetName?: string;
	/** The leak named, most confident first: the first shows under the verdict. */
	findings?: readonly Finding[];
}

// Lines used by everything but the lower panel and the log lines: header 2, verdict 1,
// memory 6, log title 1, footer 1, blank separators 2.
const fixedLines = 13;
/** From this height on, the chart, allocations, resources and listeners all show at once. */
const tallRows = 40;

/** The whole screen for one frozen state; sizes come from the terminal, nothing else. */
export function Screen({state, verdict, columns, rows, now: clock, replay, targetName, findings = []}: ScreenProps) {
	const mode = replay === undefined ? 'live' : 'replay';
	const width = Math.max(40, columns);
	const samples = visibleSamples(state);
	// Tab's candidates take a line above the command line.
	const promptExtra = state.prompt && state.prompt.candidates.length > 0 ? 1 : 0;
	const findingLines = Math.min(findings.length, 2);
	const logLines = Math.max(2, Math.min(6, Math.floor((rows - fixedLines) / 4))) - promptExtra;
	// The findings take their lines from the lower panel.
	const panelLines = Math.max(5, rows - fixedLines - logLines - findingLines);
	const latest = samples[samples.length - 1];
	const capture = state.snapshots.capture;
	const status =
		replay ??
		(state.connection === 'detaching'
			? 'detaching...'
			: capture && capture.phase === 'abandoning'
				? 'abandoning snapshot...'
				: capture && capture.phase !== 'confirm'
				? `snapshot ${Math.floor(captureProgress(capture) * 100)}%`
				: state.gcRunning
					? 'GC running...'
					: state.censusRunning
						? 'census running...'
						: undefined);
	const now = state.lastSampleAt ?? 0;
	const censuses = censusesSinceBaseline(state);
	const chart = (lines: number) => <HeapChart samples={samples} width={width} height={Math.max(2, lines - 2)} />;
	const resources = (lines: number) => <ResourcesPanel samples={samples} signals={verdict.signals} width={width} lines={lines} />;
	const listeners = (lines: number) => (
		<ListenersPanel baseline={censuses[0] ?? null} latest={censuses.at(-1) ?? null} running={state.censusRunning} paused={state.censusPaused} now={now} width={width} lines={lines} />
	);
	const allocations = (lines: number) => (
		<AllocationsPanel allocations={state.allocations} rows={visibleRows(state.allocations)} cwd={state.target?.cwd ?? null} width={width} lines={lines} />
	);
	const snapshots = (lines: number) => <SnapshotsPanel snapshots={state.snapshots} now={now} width={width} lines={lines} />;
	const watches = (lines: number) => <WatchesPanel watches={state.watches} signals={verdict.signals} width={width} lines={lines} />;
	const chosen = findings[Math.min(state.findingsView.selected, Math.max(0, findings.length - 1))];
	const findingsPanel = (lines: number) => (
		<FindingsPanel findings={findings} selected={state.findingsView.selected} open={state.findingsView.open} width={width} lines={lines} series={chosen && state.findingsView.open ? findingSeries(state, chosen) : []} />
	);
	let lower;
	if (rows >= tallRows) {
		const quarter = Math.floor(panelLines / 4);
		// Four panels at once; snapshots take the listeners' place while they have something to say.
		const {capture, nearLimitConfirm} = state.snapshots;
		const last = state.panel === 'snapshots' || capture || nearLimitConfirm ? snapshots : state.panel === 'watches' ? watches : state.panel === 'findings' ? findingsPanel : listeners;
		lower = (
			<>
				{chart(panelLines - 3 * quarter)}
				{allocations(quarter)}
				{resources(quarter)}
				{last(quarter)}
			</>
		);
	} else {
		lower = {chart, allocations, resources, listeners, snapshots, watches, findings: findingsPanel}[state.panel](panelLines);
	}
	return (
		<Box flexDirection="column" width={width}>
			<Header
				target={state.target}
				connection={state.connection}
				uptime={latest?.uptime ?? null}
				paused={state.frozen !== null}
				timeLeftMs={state.timeBox && timeLeftMs(state.timeBox, clock ?? now)}
				reconnectAttempt={state.reconnectAttempt}
				restarts={state.restarts.length}
				width={width}
				name={targetName}
			/>
			<VerdictLine verdict={verdict} width={width} />
			{findingLines > 0 && <FindingsLines findings={findings.slice(0, findingLines)} width={width} />}
			{state.helpOpen ? (
				// Help takes the whole body: with every key listed it is taller than the lower panel.
				<Box marginTop={1}>
					<HelpOverlay width={width} mode={mode} page={state.helpPage} />
				</Box>
			) : (
				<>
					<Box marginTop={1}>
						<MemoryPanel samples={samples} baselineT={state.baselineT} signals={verdict.signals} width={width} />
					</Box>
					<Box flexDirection="column" marginTop={1} height={panelLines} overflow="hidden">
						{lower}
					</Box>
					<EventLog entries={state.log.items} lines={logLines} width={width} />
				</>
			)}
			{state.prompt && mode === 'live' ? <CommandLine prompt={state.prompt} width={width} /> : <Footer width={width} status={status} mode={mode} />}
		</Box>
	);
}
