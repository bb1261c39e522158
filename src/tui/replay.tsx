/**
 * `leaktop replay FILE`: the live screen, offline, on a recording. left/right move 10 s of
 * recorded time, space plays it at 10x; the view keys (tab, up/down, enter, i, b, ?) work as
 * they do live.
 */
import {render, useInput} from 'ink';
import {useEffect, useMemo, useState} from 'react';
import {type Command, commandFor} from '../keymap.js';
import {formatDuration} from '../model/format.js';
import type {Recording} from '../model/recording.js';
import {ReplayTimeline} from '../model/replay.js';
import {type Event, reduce} from '../model/state.js';
import {computeVerdict} from '../model/verdict.js';
import {aborted, exitCodes, type Outcome} from '../outcome.js';
import {Screen} from '../views/Screen.js';
import {keyPress} from './key-press.js';
import {useTerminalSize} from './use-terminal-size.js';

/** One step of left/right, and what playing moves per tick. */
const stepMs = 10_000;
const playTickMs = 250;
const playSpeed = 10;

/** View-only events the keys turn into; the recorded ones are replayed underneath. */
const viewEvents: Partial<Record<Command, Event>> = {
	panel: {type: 'cycle-panel'},
	'select-up': {type: 'select-allocation', delta: -1},
	'select-down': {type: 'select-allocation', delta: 1},
	stack: {type: 'toggle-stack'},
	internals: {type: 'toggle-internals'},
	help: {type: 'toggle-help'},
};

interface ReplayAppProps {
	timeline: ReplayTimeline;
	recording: Recording;
	onQuit: () => void;
}

function ReplayApp({timeline, recording, onQuit}: ReplayAppProps) {
	const [index, setIndex] = useState(timeline.length);
	const [playing, setPlaying] = useState(false);
	const [view, setView] = useState<Event[]>([]);
	const {columns, rows} = useTerminalSize();
	const base = useMemo(() => timeline.stateAt(index), [timeline, index]);
	const state = useMemo(() => view.reduce(reduce, base), [base, view]);
	const verdict = useMemo(() => computeVerdict(state, recording.header.verdictOptions), [state, recording]);

	useEffect(() => {
		if (!playing) return undefined;
		const timer = setInterval(() => {
			setIndex(i => {
				const next = timeline.seek(i, playTickMs * playSpeed);
				if (next >= timeline.length) setPlaying(false);
				return next;
			});
		}, playTickMs);
		return () => clearInterval(timer);
	}, [playing, timeline]);

	useInput((input, key) => {
		const command = commandFor(keyPress(input, key), false, 'replay');
		if (command === undefined) return;
		if (command === 'quit') return onQuit();
		if (command === 'back') return setIndex(i => timeline.seek(i, -stepMs));
		if (command === 'forward') return setIndex(i => timeline.seek(i, stepMs));
		if (command === 'play') {
			// Play from the start when at the end, as a player does.
			if (!playing && index >= timeline.length) setIndex(0);
			return setPlaying(p => !p);
		}
		if (command === 'baseline') return setView(v => [...v, {type: 'baseline', t: timeline.timeAt(index)}]);
		if (command === 'escape') return setView(v => [...v, state.helpOpen ? {type: 'toggle-help'} : {type: 'toggle-stack'}]);
		const event = viewEvents[command];
		if (event) setView(v => [...v, event]);
	});

	const at = timeline.timeAt(index);
	const end = timeline.timeAt(timeline.length);
	const position = `replay ${formatDuration(at - timeline.startedAt)} / ${formatDuration(end - timeline.startedAt)}${playing ? ' playing' : ''}`;
	// One line short of the terminal, as live: Ink clears the whole screen on frames that fill it.
	return <Screen state={state} verdict={verdict} columns={columns} rows={rows - 1} now={at} replay={position} />;
}

export interface ReplayOptions {
	recording: Recording;
	signal: AbortSignal;
}

export async function runReplay({recording, signal}: ReplayOptions): Promise<Outcome> {
	const timeline = new ReplayTimeline(recording);
	let quit!: () => void;
	const quitPressed = new Promise<void>(resolve => {
		quit = resolve;
	});
	const app = render(<ReplayApp timeline={timeline} recording={recording} onQuit={() => quit()} />, {exitOnCtrlC: false, patchConsole: false});
	try {
		await Promise.race([quitPressed, aborted(signal)]);
		return {exitCode: exitCodes.ok};
	} finally {
		app.unmount();
		await app.waitUntilExit().catch(() => undefined);
	}
}
