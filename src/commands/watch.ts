import {describeError, UsageError} from '../errors.js';
import {formatBytes} from '../model/format.js';
import {writeHeapProfile} from '../heap-profile.js';
import {runHeadless, sampleLine} from '../headless.js';
import {buildReport} from '../model/report.js';
import {assertWritable, writeOutputFile} from '../output.js';
import {exitCodes, type Outcome} from '../outcome.js';
import {computeVerdict, headline, type VerdictOptions} from '../model/verdict.js';
import {recordingFormat, recordingVersion} from '../model/recording.js';
import type {Event} from '../model/state.js';
import type {Monitor, MonitorOptions} from '../inspector/monitor.js';
import {Recorder} from '../recorder.js';
import type {Store} from '../store.js';
import {exitSummary} from '../model/summary.js';
import {attachTarget, type WatchTarget} from './attach.js';
import type {CensusMode} from '../model/cadence.js';
import type {ListenAddress} from '../metrics/address.js';
import {type SessionMetrics, withSessionMetrics} from './metrics.js';

export type {WatchTarget} from './attach.js';

export interface WatchConfig {
	target: WatchTarget;
	intervalMs: number;
	headless: boolean;
	json: boolean;
	durationMs: number | undefined;
	reportPath: string | undefined;
	/** Where to write the allocation profile when the session ends. */
	heapProfilePath: string | undefined;
	/** `--record`: every event, as NDJSON, written as the session goes. */
	recordPath: string | undefined;
	/** Try again when the connection drops (`--no-reconnect`: end the session instead). */
	reconnect: boolean;
	/** Allocation sampling interval in bytes; null turns sampling off. */
	samplingIntervalBytes: number | null;
	/** Automatic listener censuses: `on` while the target is quiet, `always`, or `off` (only when `l` asks). */
	census: CensusMode;
	/** Where `s` writes heap snapshots. */
	snapshotDir: string;
	leaktopVersion: string;
	verdictOptions: VerdictOptions;
	/** Exit 1 when the verdict at the end is a leak. */
	failOnGrowth: boolean;
	/** `--watch`: expressions read with every sample, side-effect free. */
	watches: readonly string[];
	/** `--metrics`: serve Prometheus metrics of the session here. */
	metrics: ListenAddress | undefined;
}

export interface WatchContext {
	signal: AbortSignal;
	onForceQuit: () => void;
	status: (line: string) => void;
	writeStdout: (text: string) => void;
}

/** What a Monitor is started with, from the session's flags: the same for one target or many. */
export function monitorOptions(config: Pick<WatchConfig, 'intervalMs' | 'samplingIntervalBytes' | 'reconnect' | 'headless' | 'census'>): Omit<MonitorOptions, 'onEvent'> {
	return {intervalMs: config.intervalMs, samplingIntervalBytes: config.samplingIntervalBytes, reconnect: config.reconnect, ...censusCadence(config)};
}

/** The TUI keeps an hour at 1 s; headless keeps the whole run for the report (capped at a day). */
export function historySize(config: Pick<WatchConfig, 'headless' | 'durationMs' | 'intervalMs'>): number {
	if (!config.headless) return 3600;
	const wanted = config.durationMs === undefined ? 86_400 : Math.ceil(config.durationMs / config.intervalMs) + 2;
	return Math.min(wanted, 86_400);
}

/**
 * The census cadence: one at attach (headless; the TUI lets the first screen come up first),
 * then 30 s later, then at doubling intervals up to 10 minutes, longer if its cost would pass
 * 1 % of wall time. The early censuses give the listener series their points and the later
 * ones only confirm the trend. With `on`, each waits until the target's event loop is quiet
 * enough: a census leaves a busy process ~15 % slower for minutes (bench/RESULTS.md section 4).
 */
export function censusCadence(config: Pick<WatchConfig, 'headless' | 'census'>): {firstCensusDelayMs: number | null; censusFirstIntervalMs: number; autoCensusWhen: 'quiet' | 'always'} {
	const autoCensusWhen = config.census === 'always' ? 'always' : 'quiet';
	if (config.census === 'off') return {firstCensusDelayMs: null, censusFirstIntervalMs: 30_000, autoCensusWhen};
	return {firstCensusDelayMs: config.headless ? 0 : 5000, censusFirstIntervalMs: 30_000, autoCensusWhen};
}

export async function watch(config: WatchConfig, context: WatchContext): Promise<Outcome> {
	const startedAt = Date.now();
	if (config.reportPath) await assertWritable(config.reportPath, 'the report');
	if (config.heapProfilePath) await assertWritable(config.heapProfilePath, 'the heap profile');
	if (config.recordPath) await assertWritable(config.recordPath, 'the recording');
	// Loading Ink and React takes longer than attaching: do both at once. Headless runs and
	// non-TTY output never load Ink.
	const tui = config.headless ? undefined : import('../tui/run.js');
	tui?.catch(() => undefined);
	return withSessionMetrics(config.metrics, config.verdictOptions, context.status, metrics => attachAndWatch(config, context, startedAt, tui, metrics));
}

async function attachAndWatch(config: WatchConfig, context: WatchContext, startedAt: number, tui: Promise<typeof import('../tui/run.js')> | undefined, metrics: SessionMetrics | undefined): Promise<Outcome> {
	// What the monitor reports while it attaches, before the recording can start: it gets these first.
	const duringAttach: Event[] = [];
	let attached = false;
	const {monitor, store, release} = await attachTarget(config.target, {
		historySize: historySize(config),
		monitor: monitorOptions(config),
		onEvent(event) {
			const line = config.json ? sampleLine(event) : undefined;
			if (line) context.writeStdout(line);
			if (config.recordPath && !attached) duringAttach.push(event);
		},
	});
	attached = true;
	metrics?.serve([{name: store.getState().target?.address ?? 'target', store, monitor}]);
	let recorder: Recorder | undefined;
	try {
		if (config.recordPath) recorder = startRecording(config, store, startedAt, duringAttach);
		for (const expression of config.watches) {
			await monitor.addWatch(expression).catch((error: unknown) => {
				throw new UsageError(`--watch ${JSON.stringify(expression)}: ${describeError(error)}`);
			});
		}
		return await session(config, context, {monitor, store, startedAt, recorder}, tui);
	} catch (error) {
		await monitor.stop('error');
		throw error;
	} finally {
		recorder?.close();
		await release?.();
	}
}

/** `--pid` may attach to other processes first: the recording starts at the right one's `attached`. */
function startRecording(config: WatchConfig, store: Store, startedAt: number, duringAttach: readonly Event[]): Recorder {
	const recorder = Recorder.open(config.recordPath!, {
		format: recordingFormat,
		version: recordingVersion,
		leaktopVersion: config.leaktopVersion,
		startedAt,
		intervalMs: config.intervalMs,
		historySize: historySize(config),
		samplingIntervalBytes: config.samplingIntervalBytes,
		verdictOptions: config.verdictOptions,
	});
	for (const event of duringAttach.slice(Math.max(0, duringAttach.findLastIndex(e => e.type === 'attached')))) recorder.event(event);
	store.onEvent(event => {
		recorder.event(event);
		if (event.type !== 'sample') return;
		const verdict = computeVerdict(store.getState(), config.verdictOptions);
		recorder.verdict({t: event.receivedAt, leak: verdict.leak, headline: headline(verdict)});
	});
	return recorder;
}

interface Session {
	monitor: Monitor;
	store: Store;
	startedAt: number;
	recorder: Recorder | undefined;
}

async function session(config: WatchConfig, context: WatchContext, {monitor, store, startedAt, recorder}: Session, tui: Promise<typeof import('../tui/run.js')> | undefined): Promise<Outcome> {
	let heapProfileError: unknown;
	// The profile lives in the target only while sampling runs: write it before the detach.
	const beforeStop = async () => {
		if (!config.heapProfilePath) return;
		try {
			const bytes = await writeHeapProfile(monitor, config.heapProfilePath);
			store.dispatch({type: 'profile-written', t: Date.now(), path: config.heapProfilePath, bytes});
			context.status(`heap profile written to ${config.heapProfilePath} (${formatBytes(bytes)})`);
		} catch (error) {
			heapProfileError = error;
		}
	};
	let outcome: Outcome;
	if (config.headless) {
		const target = store.getState().target;
		if (target) context.status(`attached to pid ${target.pid} (node ${target.nodeVersion}) at ${target.address}, sampling every ${config.intervalMs} ms${config.durationMs === undefined ? ' until interrupted' : ` for ${config.durationMs / 1000}s`}`);
		outcome = await runHeadless({targets: [{monitor}], signal: context.signal, durationMs: config.durationMs, beforeStop, finalCensus: config.census !== 'off'});
	} else {
		const {runTui} = await tui!;
		outcome = await runTui({monitor, store, signal: context.signal, onForceQuit: context.onForceQuit, verdictOptions: config.verdictOptions, beforeStop, snapshotDir: config.snapshotDir, durationMs: config.durationMs});
	}
	const verdict = computeVerdict(store.getState(), config.verdictOptions);
	const endedAt = Date.now();
	const files: string[] = [];
	if (config.reportPath) {
		const report = buildReport(store.getState(), verdict, {leaktopVersion: config.leaktopVersion, startedAt, endedAt, intervalMs: config.intervalMs, verdictOptions: config.verdictOptions});
		await writeOutputFile(config.reportPath, `${JSON.stringify(report, null, 2)}\n`, 'the report');
		context.status(`report written to ${config.reportPath} (${report.samples.length} samples)`);
		files.push(config.reportPath);
	}
	if (recorder) {
		recorder.end({endedAt, reason: store.getState().endReason});
		if (!recorder.error) files.push(recorder.path);
	}
	// What the session did and found stays in the terminal or the CI log (stderr) after exit.
	for (const line of exitSummary(store.getState(), verdict, {startedAt, endedAt, files})) context.status(line);
	if (heapProfileError !== undefined && outcome.exitCode === exitCodes.ok) return {exitCode: exitCodes.error, message: describeError(heapProfileError)};
	if (recorder?.error && outcome.exitCode === exitCodes.ok) return {exitCode: exitCodes.error, message: recorder.error.message};
	if (config.failOnGrowth && outcome.exitCode === exitCodes.ok && verdict.leak) return {exitCode: exitCodes.leak};
	return outcome;
}
