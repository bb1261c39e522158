/**
 * The recording format (`--record FILE.ndjson`): one JSON object per line. The first line says
 * what the file is and how the session was set up; then every event the state took, in order,
 * with a verdict line whenever the verdict changes; the last line, when the session ended
 * cleanly, says when and why. Replaying the events through `reduce` rebuilds the state the live
 * session had, which is how `leaktop replay` and `leaktop report` work. Pure: no I/O.
 */
import {type Event, initialState, reduce, type State} from './state.js';
import type {VerdictOptions} from './verdict.js';

export const recordingFormat = 'leaktop-recording';
export const recordingVersion = 1;

export interface RecordingHeader {
	format: typeof recordingFormat;
	version: number;
	leaktopVersion: string;
	/** Local clock, epoch ms. */
	startedAt: number;
	intervalMs: number;
	historySize: number;
	samplingIntervalBytes: number | null;
	verdictOptions: VerdictOptions;
}

export interface RecordedVerdict {
	t: number;
	leak: boolean;
	headline: string;
}

export interface RecordingEnd {
	endedAt: number;
	reason: string | null;
}

export type RecordingLine = {header: RecordingHeader} | {event: Event} | {verdict: RecordedVerdict} | {end: RecordingEnd};

export interface Recording {
	header: RecordingHeader;
	events: Event[];
	verdicts: RecordedVerdict[];
	/** Null when the session did not end cleanly (leaktop was killed, the machine went down). */
	end: RecordingEnd | null;
	/** The last line was cut off mid-write and was left out. */
	truncated: boolean;
}

export class RecordingFormatError extends Error {
	override name = 'RecordingFormatError';
}

/**
 * Events that only move the view or report progress: the report and the replay do not need them.
 * The command line's keystrokes are not kept either: what a typed line did is (watches, evals).
 */
const unrecorded = new Set<Event['type']>(['snapshot-progress', 'diff-progress', 'prompt-open', 'prompt-set', 'prompt-close']);

export function isRecorded(event: Event): boolean {
	return !unrecorded.has(event.type);
}

/** Reads a recording's text. A last line cut mid-write (a killed leaktop) is dropped, not an error. */
export function parseRecording(text: string): Recording {
	const lines = text.split('\n');
	// A complete file ends with a newline; what follows the last one is a line cut short.
	const cut = lines.pop() ?? '';
	const truncated = cut.trim() !== '';
	if (lines.length === 0) {
		if (truncated) throw new RecordingFormatError('not a leaktop recording: its first line is incomplete');
		throw new RecordingFormatError('the recording is empty');
	}
	const header = parseHeader(lines[0]!);
	const parsed = lines.slice(1).map((line, i) => parseLine(line, i + 2));
	if (header.version !== recordingVersion) throw new RecordingFormatError(`recording format version ${header.version} is not supported (this leaktop reads version ${recordingVersion})`);
	const events: Event[] = [];
	const verdicts: RecordedVerdict[] = [];
	let end: RecordingEnd | null = null;
	for (const line of parsed) {
		if ('event' in line) events.push(line.event);
		else if ('verdict' in line) verdicts.push(line.verdict);
		else if ('end' in line) end = line.end;
	}
	return {header, events, verdicts, end, truncated};
}

function parseHeader(line: string): RecordingHeader {
	let value: unknown;
	try {
		value = JSON.parse(line);
	} catch {
		value = null;
	}
	const header = isObject(value) ? (value as {header?: unknown}).header : undefined;
	if (!isObject(header) || (header as {format?: unknown}).format !== recordingFormat) throw new RecordingFormatError('not a leaktop recording: the first line is not its header');
	return header as RecordingHeader;
}

function parseLine(line: string, number: number): RecordingLine {
	let value: unknown;
	try {
		value = JSON.parse(line);
	} catch {
		throw new RecordingFormatError(`line ${number} of the recording is not JSON: ${line.slice(0, 80)}`);
	}
	if (typeof value !== 'object' || value === null) throw new RecordingFormatError(`line ${number} of the recording is not an object`);
	const v = value as Record<string, unknown>;
	if (isObject(v.header) || isObject(v.verdict) || isObject(v.end)) return value as RecordingLine;
	if (isObject(v.event) && typeof (v.event as {type?: unknown}).type === 'string') return value as RecordingLine;
	throw new RecordingFormatError(`line ${number} of the recording is neither a header, an event, a verdict nor an end`);
}

function isObject(value: unknown): boolean {
	return typeof value === 'object' && value !== null;
}

export function stateBefore(header: RecordingHeader): State {
	return initialState({historySize: header.historySize, samplingIntervalBytes: header.samplingIntervalBytes});
}

/** The state after the first `count` events (all of them by default). */
export function replayState(recording: Recording, count = recording.events.length): State {
	let state = stateBefore(recording.header);
	for (let i = 0; i < count && i < recording.events.length; i++) state = reduce(state, recording.events[i]!);
	return state;
}

/** When the session ended: its end line, else the last event's time, else its start. */
export function endedAt(recording: Recording): number {
	if (recording.end) return recording.end.endedAt;
	for (let i = recording.events.length - 1; i >= 0; i--) {
		const t = eventTime(recording.events[i]!);
		if (t !== null) return t;
	}
	return recording.header.startedAt;
}

/** The local-clock time an event happened at, when it carries one. */
export function eventTime(event: Event): number | null {
	if (event.type === 'sample') return event.receivedAt;
	if (event.type === 'census') return event.census.t;
	if (event.type === 'snapshot-written') return event.snapshot.t;
	return 't' in event && typeof event.t === 'number' ? event.t : null;
}
