/**
 * `leaktop report FILE.ndjson`: the headless report of a recorded session, computed offline
 * from its events as the live session computed it.
 */
import {readFile} from 'node:fs/promises';
import {LeaktopError} from '../errors.js';
import {describeWriteError, writeOutputFile} from '../output.js';
import {exitCodes, type Outcome} from '../outcome.js';
import {endedAt, parseRecording, type Recording, RecordingFormatError, replayState} from '../model/recording.js';
import {buildReport} from '../model/report.js';
import {exitSummary} from '../model/summary.js';
import {computeVerdict, type VerdictOptions} from '../model/verdict.js';
import type {WatchContext} from './watch.js';

export interface ReportConfig {
	recordingPath: string;
	/** `--threshold`/`--fail-on-growth RATE`; the recorded session's own options without them. */
	thresholdBytesPerHour: number | undefined;
	failOnGrowth: boolean;
	/** Where to write the report; stdout without it. */
	reportPath: string | undefined;
}

export async function readRecording(path: string): Promise<Recording> {
	let text: string;
	try {
		text = await readFile(path, 'utf8');
	} catch (error) {
		throw new LeaktopError(`cannot read the recording ${path}: ${describeWriteError(error)}`);
	}
	try {
		return parseRecording(text);
	} catch (error) {
		if (error instanceof RecordingFormatError) throw new LeaktopError(`${path}: ${error.message}`);
		throw error;
	}
}

export async function reportCommand(config: ReportConfig, context: WatchContext): Promise<Outcome> {
	const recording = await readRecording(config.recordingPath);
	if (recording.truncated) context.status(`the recording's last line was cut off (leaktop was killed?): reporting on what came before it`);
	const {header} = recording;
	const verdictOptions: VerdictOptions = config.thresholdBytesPerHour === undefined ? header.verdictOptions : {...header.verdictOptions, thresholdBytesPerHour: config.thresholdBytesPerHour};
	const state = replayState(recording);
	const verdict = computeVerdict(state, verdictOptions);
	const ended = endedAt(recording);
	const report = buildReport(state, verdict, {leaktopVersion: header.leaktopVersion, startedAt: header.startedAt, endedAt: ended, intervalMs: header.intervalMs, verdictOptions});
	const json = `${JSON.stringify(report, null, 2)}\n`;
	if (config.reportPath) {
		await writeOutputFile(config.reportPath, json, 'the report');
		context.status(`report written to ${config.reportPath} (${report.samples.length} samples)`);
	} else {
		context.writeStdout(json);
	}
	for (const line of exitSummary(state, verdict, {startedAt: header.startedAt, endedAt: ended, files: []})) context.status(line);
	if (config.failOnGrowth && verdict.leak) return {exitCode: exitCodes.leak};
	return {exitCode: exitCodes.ok};
}
