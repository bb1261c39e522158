import {describeError, LeaktopError, NotConnectedError, TargetGoneError, TimeoutError} from '../errors.js';
import type {Event} from '../model/state.js';
import {type Address, formatAddress, resolveNodeTarget} from './endpoint.js';
import {assertNode, evaluateValue, objectGroup} from './evaluate.js';
import {factsExpression, sampleExpression} from './expressions.js';
import {InspectorSession, withTimeout} from './session.js';
import {inProcessSession} from './in-process.js';
import {censusObjectGroup, takeListenerCensus} from './census.js';
import {censusDelayMs, type LoopReading, loopUtilization, maxAutoCensusUtilization, reconnectDelayMs} from '../model/cadence.js';
import {formatDuration} from '../model/format.js';
import {parseFacts, parseSample} from './target-facts.js';
import {AllocationSampler} from './sampling.js';
import type {SamplingProfile} from '../model/allocations.js';
import type {MemorySample, TargetInfo} from '../model/types.js';
import {type CapturedSnapshot, captureSnapshot, type CaptureOptions} from './snapshot.js';
import {readHeadroom} from './headroom.js';
import type {Headroom} from '../model/snapshot-risk.js';
import {armNearLimitExpression} from './expressions.js';
import {checkWatch, type Count, countInstances, type Evaluation, evaluateOnce, readGlobalNames, readWatch, releaseWatchObjects, userObjectGroups} from './watch.js';
import type {WatchReading} from '../model/watches.js';

/** Where the target is: over CDP (`--port`, `--url`), or this very process (the agent). */
export type Endpoint = {kind: 'address'; address: Address} | {kind: 'url'; url: string} | {kind: 'in-process'};

export interface MonitorOptions {
	intervalMs: number;
	/**
	 * Automatic listener census: first after this delay, then `censusFirstIntervalMs` later, each
	 * interval after that twice the one before (or longer, to keep its cost under 1 % of wall
	 * time; see censusDelayMs). Null turns it off.
	 */
	firstCensusDelayMs?: number | null;
	censusFirstIntervalMs?: number;
	/**
	 * `quiet`: an automatic census runs only while the target's event loop is busy less than
	 * `maxAutoCensusUtilization` of the time, because a census slows a busy process for minutes
	 * (see censusLastingSlowdown); `always`: whatever the load. A census on `l` always runs.
	 */
	autoCensusWhen?: 'quiet' | 'always';
	/**
	 * Exact heap floors without sampling or censuses (the agent): a full GC now and then, then
	 * heapUsed. The first `early` come at least `earlyMs` apart (a verdict forms), the rest at
	 * least `settledMs`; and always far enough apart that the GCs take at most `budget` of wall
	 * time. Null (the CLI's default): none; its profile reads force a GC each already.
	 */
	floorProbe?: {firstMs: number; early: number; earlyMs: number; settledMs: number; budget: number} | null;
	/** Allocation sampling interval in bytes (V8's `samplingInterval`); null leaves sampling off. */
	samplingIntervalBytes?: number | null;
	/**
	 * When the connection drops (a port-forward dying, the target restarting), keep the session
	 * and try again with backoff for `reconnectForMs`; false ends the session at once.
	 */
	reconnect?: boolean;
	reconnectForMs?: number;
	onEvent: (event: Event) => void;
}

/** How far back the event loop's load is measured for the census gate. */
const loadWindowMs = 10_000;
/** How often a paused automatic census checks the load again. */
const pausedRecheckMs = 10_000;

/** A tick slower than this is reported as lag, not as a failure: busy targets answer late. */
const sampleTimeoutMs = 30_000;
const gcTimeoutMs = 120_000;

function addressOfUrl(url: string): string {
	try {
		return new URL(url).host;
	} catch {
		return url;
	}
}

/** A process that started more than this apart from the one before is another process. */
const restartToleranceMs = 2000;

interface Opened {
	session: InspectorSession;
	facts: TargetInfo;
}

/**
 * Connects to the endpoint, checks that it is Node and reads its facts. On a reconnect a URL's
 * target id may have changed (a restarted process gets a new one): its host and port are asked
 * for their Node target then.
 */
async function openSession(endpoint: Endpoint, again = false): Promise<Opened> {
	if (endpoint.kind === 'in-process') {
		const session = inProcessSession();
		try {
			return {session, facts: parseFacts(await evaluateValue(session, factsExpression, {commandLineApi: true}), 'in-process', '')};
		} catch (error) {
			await session.close();
			throw error;
		}
	}
	let webSocketUrl: string;
	let where: string;
	if (endpoint.kind === 'url') {
		where = addressOfUrl(endpoint.url);
		webSocketUrl = endpoint.url;
		if (again) {
			const {hostname, port} = new URL(endpoint.url);
			webSocketUrl = (await resolveNodeTarget({host: hostname, port: Number(port)})).webSocketDebuggerUrl;
		}
	} else {
		webSocketUrl = (await resolveNodeTarget(endpoint.address)).webSocketDebuggerUrl;
		where = formatAddress(endpoint.address);
	}
	const session = await InspectorSession.connect(webSocketUrl);
	try {
		await assertNode(session, where);
		await session.sendNode('NodeRuntime.notifyWhenWaitingForDisconnect', {enabled: true});
		const facts = parseFacts(await evaluateValue(session, factsExpression, {commandLineApi: true}), where, webSocketUrl);
		return {session, facts};
	} catch (error) {
		await session.close();
		throw error;
	}
}

/**
 * The attached session: polls memory at the interval, runs commands, and owns the one safe
 * detach. Both the TUI and the headless runner drive this same object.
 */
export class Monitor {
	#session: InspectorSession;
	readonly #endpoint: Endpoint;
	/** The target's facts as last read: a reconnect compares them to tell a restart. */
	#target: TargetInfo;
	readonly #options: Required<MonitorOptions>;
	#reconnecting = false;
	#reconnectTimer: NodeJS.Timeout | undefined;
	#timer: NodeJS.Timeout | undefined;
	#lagTimer: NodeJS.Timeout | undefined;
	#inFlight: Promise<void> = Promise.resolve();
	#stopping: Promise<void> | undefined;
	#resolveDone!: (reason: string) => void;
	/** Resolves with the reason once the session has ended, whichever side ended it. */
	readonly done: Promise<string>;
	#endedByTarget = false;
	#unsubscribeExit: () => void = () => undefined;
	#censusTimer: NodeJS.Timeout | undefined;
	#floorTimer: NodeJS.Timeout | undefined;
	#floorProbes = 0;
	#censusRunning: Promise<void> | undefined;
	#censusesDone = 0;
	/** Event loop readings of the last `loadWindowMs`, oldest first. */
	#loopReadings: LoopReading[] = [];
	#samplesSeen = 0;
	#samplesTaken = 0;
	/** Call time of the sessions before the current one (a reconnect replaces it). */
	#spentBeforeMs = 0;
	#censusPaused = false;
	#sampler: AllocationSampler | undefined;
	/** `:watch` expressions, read with every sample; they outlive a reconnect. */
	#watches: Array<{id: number; expression: string}> = [];
	#nextWatchId = 1;
	/** The heap snapshot being taken, so that detaching can abandon it and remove its partial file. */
	#capture: {promise: Promise<CapturedSnapshot>; abort: AbortController} | undefined;

	private constructor({session, facts}: Opened, endpoint: Endpoint, options: MonitorOptions) {
		this.#session = session;
		this.#endpoint = endpoint;
		this.#target = facts;
		this.#options = {firstCensusDelayMs: null, censusFirstIntervalMs: 30_000, autoCensusWhen: 'quiet', floorProbe: null, samplingIntervalBytes: null, reconnect: false, reconnectForMs: 300_000, ...options};
		this.done = new Promise(resolve => {
			this.#resolveDone = resolve;
		});
		this.#adopt(session);
	}

	/** Makes `session` the one every call goes through, with its sampler and its close handlers. */
	#adopt(session: InspectorSession): void {
		this.#session = session;
		this.#sampler = this.#newSampler(session);
		session.onClose(reason => {
			if (session === this.#session) this.#lost(reason);
		});
		// A Node process that ends while a client is attached waits, frozen, for the client to
		// leave ("Waiting for the debugger to disconnect..."): let it go at once.
		this.#unsubscribeExit = session.on('NodeRuntime.waitingForDisconnect', () => {
			this.#lost('the process exited');
			void session.close();
		});
	}

	#newSampler(session: InspectorSession): AllocationSampler | undefined {
		const {samplingIntervalBytes} = this.#options;
		return samplingIntervalBytes === null ? undefined : new AllocationSampler(session, {intervalBytes: samplingIntervalBytes, background: this.#endpoint.kind === 'in-process', onEvent: event => this.#emit(event)});
	}

	/** Starts the polling, sampling and census of the adopted session. */
	async #begin(): Promise<void> {
		this.#loopReadings = [];
		this.#samplesSeen = 0;
		await this.#sampler?.start();
		this.#tick();
		if (this.#options.firstCensusDelayMs !== null) this.#scheduleCensus(this.#options.firstCensusDelayMs);
		if (this.#options.floorProbe) this.#scheduleFloorProbe(this.#options.floorProbe.firstMs);
	}

	#scheduleFloorProbe(delayMs: number): void {
		clearTimeout(this.#floorTimer);
		this.#floorTimer = this.#later(() => void this.#floorProbe(), delayMs);
	}

	/**
	 * Between GCs the heap holds garbage too, so the lowest readings overstate the floor: a cache
	 * warming up read as a leak without exact floors. A full GC gives one, at a measured cost.
	 */
	async #floorProbe(): Promise<void> {
		const session = this.#session;
		const probe = this.#options.floorProbe!;
		let durationMs = 0;
		try {
			const started = performance.now();
			await session.send('HeapProfiler.collectGarbage', undefined, gcTimeoutMs);
			durationMs = performance.now() - started;
			const usage = await session.send('Runtime.getHeapUsage');
			this.#emit({type: 'heap-floor', t: Date.now(), heapUsed: usage.usedSize});
		} catch (error) {
			if (session.closed || this.#stopping) return;
			this.#emit({type: 'log', t: Date.now(), level: 'warn', text: `floor probe failed: ${describeError(error)}`});
		}
		if (session !== this.#session || session.closed || this.#stopping) return;
		const minMs = ++this.#floorProbes < probe.early ? probe.earlyMs : probe.settledMs;
		this.#scheduleFloorProbe(Math.max(minMs, durationMs / probe.budget));
	}

	/** The connection is gone: try again if asked to, else the session ends. */
	#lost(reason: string): void {
		if (this.#stopping || this.#endedByTarget || this.#reconnecting) return;
		this.#clearTimers();
		this.#sampler?.halt();
		this.#unsubscribeExit();
		if (this.#options.reconnect) this.#reconnect(reason);
		else this.#targetGone(reason);
	}

	#targetGone(reason: string): void {
		if (this.#stopping || this.#endedByTarget) return;
		this.#endedByTarget = true;
		this.#reconnecting = false;
		this.#emit({type: 'closed', t: Date.now(), reason, byTarget: true});
		this.#resolveDone(reason);
	}

	/** Tries the endpoint with backoff until it answers, or until `reconnectForMs` has passed. */
	#reconnect(reason: string): void {
		this.#reconnecting = true;
		const lostAt = Date.now();
		this.#emit({type: 'connection-lost', t: lostAt, reason});
		let attempt = 0;
		const next = () => {
			this.#reconnectTimer = this.#later(async () => {
				if (this.#stopping) return;
				attempt++;
				this.#emit({type: 'reconnecting', t: Date.now(), attempt});
				let opened: Opened;
				try {
					opened = await openSession(this.#endpoint, true);
				} catch {
					if (this.#stopping) return;
					if (Date.now() - lostAt < this.#options.reconnectForMs) return next();
					return this.#targetGone(`${reason}; no answer for ${formatDuration(Date.now() - lostAt)} (${attempt} attempts)`);
				}
				if (this.#stopping) return void opened.session.close();
				this.#resume(opened, lostAt);
			}, reconnectDelayMs(attempt + 1));
		};
		next();
	}

	#resume({session, facts}: Opened, lostAt: number): void {
		const previous = this.#target;
		const restarted = facts.pid !== previous.pid || (facts.startedAt !== undefined && previous.startedAt !== undefined && Math.abs(facts.startedAt - previous.startedAt) > restartToleranceMs);
		this.#target = facts;
		this.#reconnecting = false;
		this.#spentBeforeMs += this.#session.spentMs;
		this.#adopt(session);
		const t = Date.now();
		this.#emit(restarted ? {type: 'target-restarted', t, target: facts, previousPid: previous.pid} : {type: 'reconnected', t, downMs: t - lostAt});
		this.#begin().catch((error: unknown) => {
			if (!session.closed) this.#emit({type: 'log', t: Date.now(), level: 'warn', text: `after reconnecting: ${describeError(error)}`});
		});
	}

	/** Connects, checks that the target is Node, reads its facts, and starts sampling. */
	static async attach(endpoint: Endpoint, options: MonitorOptions): Promise<Monitor> {
		const opened = await openSession(endpoint);
		try {
			const monitor = new Monitor(opened, endpoint, options);
			monitor.#emit({type: 'attached', target: opened.facts, t: Date.now()});
			await monitor.#begin();
			return monitor;
		} catch (error) {
			await opened.session.close();
			throw error;
		}
	}

	get endedByTarget(): boolean {
		return this.#endedByTarget;
	}

	/** What collecting has cost so far, for `leaktop_collector_seconds_total`; samples taken. */
	get cost(): {collectorSeconds: number; samplesTaken: number} {
		return {collectorSeconds: (this.#spentBeforeMs + this.#session.spentMs) / 1000, samplesTaken: this.#samplesTaken};
	}

	/** The connection dropped and leaktop is trying to get it back. */
	get reconnecting(): boolean {
		return this.#reconnecting;
	}

	#emit(event: Event): void {
		this.#options.onEvent(event);
	}

	/** Inside the app (the agent), leaktop's timers must never be what keeps the process alive. */
	#later(callback: () => void, ms: number): NodeJS.Timeout {
		const timer = setTimeout(callback, ms);
		if (this.#endpoint.kind === 'in-process') timer.unref();
		return timer;
	}

	#clearTimers(): void {
		clearTimeout(this.#timer);
		clearTimeout(this.#lagTimer);
		clearTimeout(this.#censusTimer);
		clearTimeout(this.#floorTimer);
		clearTimeout(this.#reconnectTimer);
		this.#timer = undefined;
		this.#lagTimer = undefined;
		this.#censusTimer = undefined;
	}

	#scheduleCensus(delayMs: number): void {
		clearTimeout(this.#censusTimer);
		this.#censusTimer = this.#later(() => {
			const gate = this.#censusGate();
			if (gate === 'open') void this.census();
			// Until two samples have measured the load, look again at the next one.
			else this.#scheduleCensus(gate === 'unknown' ? this.#options.intervalMs : pausedRecheckMs);
		}, delayMs);
	}

	/**
	 * Whether the load lets an automatic census run now. Says so in an event when that changes:
	 * the user should know why the listener counts stopped and what `l` would cost.
	 */
	#censusGate(): 'open' | 'closed' | 'unknown' {
		if (this.#options.autoCensusWhen === 'always') return 'open';
		const first = this.#loopReadings[0];
		const last = this.#loopReadings.at(-1);
		const utilization = first && last ? loopUtilization(first, last) : null;
		// A target that never reports its loop (the samples come, the readings do not) counts as busy.
		if (utilization === null && (this.#loopReadings.length > 0 || this.#samplesSeen < 3)) return 'unknown';
		const open = utilization !== null && utilization <= maxAutoCensusUtilization;
		if (open === this.#censusPaused) {
			this.#censusPaused = !open;
			this.#emit({type: open ? 'census-resumed' : 'census-paused', t: Date.now(), utilization});
		}
		return open ? 'open' : 'closed';
	}

	/**
	 * The census that closes a headless run: taken when the load lets an automatic census run.
	 * Its slowdown outlasts the detach, so a busy target is not given one on the way out.
	 */
	async finalCensus(): Promise<void> {
		if (this.#censusGate() === 'open') await this.census();
	}

	#noteLoad(sample: MemorySample): void {
		this.#samplesSeen++;
		if (sample.loopActiveMs === undefined) return;
		const readings = this.#loopReadings;
		readings.push({t: sample.t, loopActiveMs: sample.loopActiveMs});
		while (readings.length > 2 && sample.t - readings[1]!.t >= loadWindowMs) readings.shift();
	}

	/** Script URLs V8's best-effort coverage listed, for ids the allocation profile never showed. */
	readonly #coverageUrls = new Map<string, string>();
	readonly #coverageAsked = new Set<string>();

	/**
	 * A script's URL by id, to place a listener or a stream in the code: from the allocation
	 * profiles first; else once per unknown id from `Profiler.getBestEffortCoverage`, which lists
	 * every script without enabling the Profiler or the Debugger (a few ms and ~50 kB on a small app).
	 */
	async #scriptUrl(session: InspectorSession, scriptId: string): Promise<string | undefined> {
		const known = this.#sampler?.scriptUrl(scriptId) ?? this.#coverageUrls.get(scriptId);
		if (known !== undefined || this.#coverageAsked.has(scriptId)) return known;
		this.#coverageAsked.add(scriptId);
		const {result} = await session.send('Profiler.getBestEffortCoverage', undefined, 10_000);
		for (const script of result) if (script.url !== '') this.#coverageUrls.set(script.scriptId, script.url);
		return this.#coverageUrls.get(scriptId);
	}

	/**
	 * Counts listeners on every emitter (`l`, and automatically). queryObjects forces a full GC
	 * first, so heapUsed right after it is an exact floor for the growth statistics.
	 */
	census(): Promise<void> {
		const session = this.#session;
		if (session.closed || this.#stopping) return Promise.resolve();
		this.#censusRunning ??= (async () => {
			this.#emit({type: 'census-started', t: Date.now()});
			let durationMs = 0;
			try {
				const census = await takeListenerCensus(session, {scriptUrl: id => this.#scriptUrl(session, id)});
				durationMs = census.durationMs;
				this.#emit({type: 'census', census});
				const usage = await session.send('Runtime.getHeapUsage');
				this.#emit({type: 'heap-floor', t: Date.now(), heapUsed: usage.usedSize});
			} catch (error) {
				if (session.closed || this.#stopping) return;
				this.#emit({type: 'census-failed', t: Date.now(), message: describeError(error)});
			} finally {
				this.#censusRunning = undefined;
				if (session === this.#session && !session.closed && !this.#stopping && this.#options.firstCensusDelayMs !== null) {
					this.#scheduleCensus(censusDelayMs(++this.#censusesDone, durationMs, {firstMs: this.#options.censusFirstIntervalMs}));
				}
			}
		})();
		return this.#censusRunning;
	}

	/** Takes one sample, then schedules the next so slow answers never pile up. */
	#tick(): void {
		// No sample is waiting for its turn while this one runs: setIntervalMs reads that.
		this.#timer = undefined;
		const session = this.#session;
		const started = Date.now();
		const lagAfter = Math.max(3 * this.#options.intervalMs, 3000);
		this.#lagTimer = this.#later(() => this.#emit({type: 'lagging', t: Date.now(), sinceMs: lagAfter}), lagAfter);
		this.#inFlight = evaluateValue(session, sampleExpression, {timeoutMs: sampleTimeoutMs})
			.then(async value => {
				const sample = parseSample(value);
				this.#samplesTaken++;
				this.#noteLoad(sample);
				this.#emit({type: 'sample', sample, receivedAt: Date.now()});
				if (this.#watches.length > 0) await this.#readWatches(session);
			})
			.catch((error: unknown) => {
				if (session.closed || this.#stopping) return;
				const text = error instanceof TimeoutError ? `sample timed out: ${error.message}` : `sample failed: ${describeError(error)}`;
				this.#emit({type: 'log', t: Date.now(), level: 'warn', text});
			})
			.finally(() => {
				// A tick of a session that has since dropped ends its own loop; the next session runs its own.
				if (session !== this.#session || session.closed || this.#stopping) return;
				clearTimeout(this.#lagTimer);
				const wait = Math.max(0, this.#options.intervalMs - (Date.now() - started));
				this.#timer = this.#later(() => this.#tick(), wait);
			});
	}

	/** One round of watches, in the same flight as the sample: a slow one never piles up calls. */
	async #readWatches(session: InspectorSession): Promise<void> {
		const watches = [...this.#watches];
		const readings = await Promise.all(
			watches.map(async ({id, expression}) => ({id, reading: await readWatch(session, expression).catch((error: unknown): WatchReading => ({error: describeError(error)}))})),
		);
		await releaseWatchObjects(session);
		if (session === this.#session && !session.closed) this.#emit({type: 'watch-values', t: Date.now(), readings});
	}

	/**
	 * `:watch`, `--watch`: the expression is read once under V8's side-effect check (a refusal,
	 * a syntax error or an exception rejects with one line), then with every sample. Returns the
	 * watch's number.
	 */
	async addWatch(expression: string): Promise<number> {
		if (this.#reconnecting) throw new NotConnectedError();
		await checkWatch(this.#session, expression);
		const id = this.#nextWatchId++;
		this.#watches.push({id, expression});
		this.#emit({type: 'watch-added', t: Date.now(), id, expression});
		return id;
	}

	/** `:unwatch N`: false when there is no watch N. */
	removeWatch(id: number): boolean {
		const index = this.#watches.findIndex(w => w.id === id);
		if (index < 0) return false;
		this.#watches.splice(index, 1);
		this.#emit({type: 'watch-removed', t: Date.now(), id});
		return true;
	}

	/** For the command line's tab: the target's global names (none while reconnecting). */
	async globalNames(): Promise<string[]> {
		if (this.#reconnecting || this.#session.closed) return [];
		return readGlobalNames(this.#session);
	}

	/** `:interval`: the next sample and every one after it come this far apart. */
	setIntervalMs(ms: number): void {
		this.#options.intervalMs = ms;
		this.#emit({type: 'interval-set', t: Date.now(), ms});
		// A sample waiting for its turn is rescheduled; one in flight schedules the next itself.
		if (this.#timer !== undefined && !this.#stopping && !this.#reconnecting) {
			clearTimeout(this.#timer);
			this.#timer = this.#later(() => this.#tick(), ms);
		}
	}

	/**
	 * `:sampling`: stops leaktop's allocation sampling and starts it again at `bytes` (null: off).
	 * Sampling another client started is left to it: V8 has one sampler per process.
	 */
	async setSampling(bytes: number | null): Promise<void> {
		if (this.#stopping) throw new LeaktopError('detaching: sampling stays as it is');
		if (this.#reconnecting) throw new NotConnectedError();
		if (this.#sampler?.running && !this.#sampler.owned) throw new LeaktopError('allocation sampling was started by another inspector client (DevTools?): its interval is not leaktop\'s to change');
		await this.#sampler?.stop();
		this.#options.samplingIntervalBytes = bytes;
		this.#sampler = this.#newSampler(this.#session);
		await this.#sampler?.start();
	}

	/**
	 * `:eval`: once, under the side-effect check unless the user allowed side effects; a
	 * refusal comes back for the caller to ask about, a value or an error is also logged.
	 */
	async evaluate(expression: string, {sideEffects}: {sideEffects: boolean}): Promise<Evaluation> {
		if (this.#reconnecting) throw new NotConnectedError();
		const result = await evaluateOnce(this.#session, expression, {sideEffects});
		const t = Date.now();
		if (result.kind === 'value') this.#emit({type: 'eval-result', t, expression, text: result.text, sideEffects});
		else if (result.kind === 'error') this.#emit({type: 'eval-failed', t, expression, message: result.message, sideEffects});
		return result;
	}

	/** `:count`: live instances of a constructor; its expression is guarded like `:eval`'s. A failure rejects with one line. */
	async count(expression: string, {sideEffects}: {sideEffects: boolean}): Promise<Count> {
		if (this.#reconnecting) throw new NotConnectedError();
		const result = await countInstances(this.#session, expression, {sideEffects, onWalk: () => this.#emit({type: 'count-started', t: Date.now(), expression, sideEffects})});
		if (result.kind === 'count') this.#emit({type: 'count-result', t: Date.now(), expression, name: result.name, count: result.count, durationMs: result.durationMs});
		return result;
	}

	/** Polls the allocation profile now (the panel and the report read the result). */
	pollAllocations(): Promise<void> {
		return this.#stopping || !this.#sampler ? Promise.resolve() : this.#sampler.poll();
	}

	/** The live sampling profile as V8 gives it: what a `.heapprofile` file holds. */
	async samplingProfile(): Promise<SamplingProfile> {
		if (!this.#sampler?.running) throw new LeaktopError('allocation sampling is not running, so there is no heap profile to write');
		return this.#sampler.profile();
	}

	/** What the target can spare right now, for the snapshot pre-flight. */
	headroom(): Promise<Headroom> {
		if (this.#reconnecting) return Promise.reject(new NotConnectedError());
		return readHeadroom(this.#session);
	}

	/**
	 * Takes a heap snapshot to `path` (streamed, never held whole). `options.signal` abandons it;
	 * detaching abandons it too and waits for its partial file to be removed.
	 */
	snapshot(options: CaptureOptions): Promise<CapturedSnapshot> {
		if (this.#stopping) return Promise.reject(new LeaktopError('detaching: no new heap snapshot'));
		if (this.#reconnecting) return Promise.reject(new NotConnectedError());
		const abort = new AbortController();
		const onAbort = () => abort.abort();
		options.signal?.addEventListener('abort', onAbort, {once: true});
		const promise = captureSnapshot(this.#session, {...options, signal: abort.signal}).finally(() => {
			options.signal?.removeEventListener('abort', onAbort);
			if (this.#capture?.promise === promise) this.#capture = undefined;
		});
		this.#capture = {promise, abort};
		return promise;
	}

	/** `n`, after the user said yes: returns where the process will write the snapshot. */
	async armNearLimitSnapshot(): Promise<string> {
		if (this.#reconnecting) throw new NotConnectedError();
		const answer = (await evaluateValue(this.#session, armNearLimitExpression, {commandLineApi: true})) as {error?: string; dir?: string; pid?: number} | null;
		if (!answer || typeof answer.dir !== 'string') throw new LeaktopError(answer?.error ?? 'the target did not answer');
		return `${answer.dir.replace(/\/$/, '')}/Heap.<date>.<time>.${answer.pid}.0.001.heapsnapshot`;
	}

	/** Forces a full GC and logs heapUsed before and after. */
	async gc(): Promise<void> {
		if (this.#session.closed || this.#stopping) return;
		this.#emit({type: 'gc-started', t: Date.now()});
		try {
			const before = await this.#session.send('Runtime.getHeapUsage');
			const started = Date.now();
			await this.#session.send('HeapProfiler.collectGarbage', undefined, gcTimeoutMs);
			const durationMs = Date.now() - started;
			const after = await this.#session.send('Runtime.getHeapUsage');
			this.#emit({type: 'gc-finished', t: Date.now(), before: before.usedSize, after: after.usedSize, durationMs});
		} catch (error) {
			if (error instanceof TargetGoneError) return;
			this.#emit({type: 'gc-failed', t: Date.now(), message: describeError(error)});
		}
	}

	/**
	 * Safe detach: stop polling, let the in-flight call finish, release anything leaktop holds
	 * in the target, close the socket. Idempotent; every exit path calls it.
	 */
	stop(reason: string): Promise<void> {
		this.#stopping ??= (async () => {
			this.#clearTimers();
			this.#unsubscribeExit();
			if (!this.#session.closed) this.#emit({type: 'detaching', t: Date.now(), reason});
			// A busy target may hold the last sample for a long time; detaching does not wait for it.
			await withTimeout(this.#inFlight, 2000, 'the last sample').catch(() => undefined);
			// A target busy with a snapshot cannot be interrupted and would answer nothing until it
			// is done: stop writing, remove the partial file, and leave the rest to the socket's
			// close, which ends sampling and frees object groups in the target too.
			const targetBusy = this.#capture !== undefined;
			if (this.#capture) {
				this.#capture.abort.abort();
				await withTimeout(this.#capture.promise, 2000, 'abandoning the heap snapshot').catch(() => undefined);
			}
			if (targetBusy) this.#sampler?.halt();
			else await this.#sampler?.stop();
			if (!this.#session.closed && !targetBusy) {
				for (const group of [objectGroup, censusObjectGroup, ...userObjectGroups]) await this.#session.send('Runtime.releaseObjectGroup', {objectGroup: group}, 2000).catch(() => undefined);
			}
			// Stopped while reconnecting: the connection was already gone, but the session ends here.
			const byTarget = this.#session.closed && !this.#reconnecting;
			this.#reconnecting = false;
			await this.#session.close();
			if (!byTarget) this.#emit({type: 'closed', t: Date.now(), reason: `detached (${reason})`});
			this.#resolveDone(reason);
		})();
		return this.#stopping;
	}
}
