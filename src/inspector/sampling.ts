/**
 * V8's sampling heap profiler, driven over CDP: started at attach, polled at a cadence that
 * keeps its cost near 1 % of wall time, stopped on detach. The profile holds only allocations
 * still alive, with their stacks: "which lines keep allocating memory that survives".
 */
import {describeError, LeaktopError, TargetGoneError, TimeoutError} from '../errors.js';
import {aggregateProfile, type ProfileNode, type SamplingProfile} from '../model/allocations.js';
import {budgetedDelayMs, rampedMinimumMs} from '../model/cadence.js';
import type {Event} from '../model/state.js';
import type {InspectorSession} from './session.js';

export interface SamplerOptions {
	/** Average bytes between samples (V8's `samplingInterval`). */
	intervalBytes: number;
	onEvent: (event: Event) => void;
	/** Its timer does not keep the process alive (the agent, inside the app). */
	background?: boolean;
	/** The first poll, soon after attach so the panel fills. */
	firstPollMs?: number;
	/** Polls run no more often than this, once the first ones are done... */
	minPollMs?: number;
	/** ...which space out by this step: 10 s, 20 s, then minPollMs, so the panel shows growth early. */
	rampStepMs?: number;
	/** ...and at least this often, whatever they cost. */
	maxPollMs?: number;
	/** Share of wall time the polls may take (the call plus folding the profile). */
	budget?: number;
}

/** A large profile on a busy target can take seconds to serialize. */
const pollTimeoutMs = 30_000;
const stopTimeoutMs = 5000;

/** V8 answers this when no client has sampling running (another client stopped it, say). */
function isNotStarted(error: unknown): boolean {
	return /not started/i.test(describeError(error));
}

export class AllocationSampler {
	readonly #session: InspectorSession;
	readonly #options: Required<SamplerOptions>;
	#running = false;
	/** Started by leaktop, so leaktop stops it; false when sharing another client's. */
	#owned = false;
	#timer: NodeJS.Timeout | undefined;
	#polling: Promise<void> | undefined;
	#polls = 0;
	/** Script URLs by V8 script id, from the profiles read so far: the census places functions by id. */
	readonly #scripts = new Map<string, string>();

	constructor(session: InspectorSession, options: SamplerOptions) {
		this.#session = session;
		// Every read of the profile makes V8 collect all garbage first (sampling starts with
		// kSamplingForceGC, so that the profile holds live objects only). On a busy server that cost
		// 9 % of its throughput with a read every 2 s and 3.5 % every 10 s, so once the first
		// minute's reads have shown growth, reads are at least 30 s apart (bench/overhead.ts).
		this.#options = {firstPollMs: 3000, minPollMs: 30_000, rampStepMs: 10_000, maxPollMs: 60_000, budget: 0.01, background: false, ...options};
	}

	/** The URL of a script that has allocated anything sampled. */
	scriptUrl(scriptId: string): string | undefined {
		return this.#scripts.get(scriptId);
	}

	#learnScripts(node: ProfileNode): void {
		const stack = [node];
		for (let at = stack.pop(); at; at = stack.pop()) {
			const {scriptId, url} = at.callFrame;
			if (scriptId !== undefined && url !== '' && !this.#scripts.has(scriptId)) this.#scripts.set(scriptId, url);
			for (const child of at.children) stack.push(child);
		}
	}

	get running(): boolean {
		return this.#running;
	}

	/** Started by leaktop (false: another client's, which leaktop only reads). */
	get owned(): boolean {
		return this.#owned;
	}

	/**
	 * Starts sampling, unless another client (DevTools' Memory panel) already runs it: V8 has one
	 * sampler per process, so leaktop then reads that one and leaves it running on detach.
	 */
	async start(): Promise<void> {
		const {intervalBytes} = this.#options;
		try {
			if (await this.#alreadyRunning()) {
				this.#running = true;
				this.#options.onEvent({type: 'sampling-started', t: Date.now(), intervalBytes: null});
				this.#schedule(this.#options.firstPollMs);
				return;
			}
			await this.#session.send('HeapProfiler.startSampling', {samplingInterval: intervalBytes});
		} catch (error) {
			if (error instanceof TargetGoneError) throw error;
			this.#options.onEvent({type: 'sampling-failed', t: Date.now(), message: describeError(error)});
			return;
		}
		this.#running = true;
		this.#owned = true;
		this.#options.onEvent({type: 'sampling-started', t: Date.now(), intervalBytes});
		this.#schedule(this.#options.firstPollMs);
	}

	async #alreadyRunning(): Promise<boolean> {
		try {
			await this.#session.send('HeapProfiler.getSamplingProfile', undefined, pollTimeoutMs);
			return true;
		} catch (error) {
			if (isNotStarted(error)) return false;
			throw error;
		}
	}

	#schedule(delayMs: number): void {
		clearTimeout(this.#timer);
		this.#timer = setTimeout(() => void this.poll(), delayMs);
		if (this.#options.background) this.#timer.unref();
	}

	/** Reads the live profile, as Chrome DevTools saves it in a `.heapprofile` file. */
	async profile(): Promise<SamplingProfile> {
		if (!this.#running) throw new LeaktopError('allocation sampling is not running');
		return (await this.#session.send('HeapProfiler.getSamplingProfile', undefined, pollTimeoutMs)).profile;
	}

	/** One poll: folds the profile into per-site bytes for the model. Concurrent calls share it. */
	poll(): Promise<void> {
		if (!this.#running || this.#session.closed) return Promise.resolve();
		this.#polling ??= (async () => {
			clearTimeout(this.#timer);
			const started = Date.now();
			try {
				const profile = await this.profile();
				this.#learnScripts(profile.head);
				const aggregate = aggregateProfile(profile);
				this.#options.onEvent({type: 'allocations', t: Date.now(), durationMs: Date.now() - started, aggregate});
				// V8 has just collected all garbage for that read: heapUsed now is an exact floor for
				// the growth statistics, which the (much costlier) census no longer gives every 10 s.
				const usage = await this.#session.send('Runtime.getHeapUsage');
				this.#options.onEvent({type: 'heap-floor', t: Date.now(), heapUsed: usage.usedSize});
			} catch (error) {
				if (this.#session.closed || !this.#running) return;
				if (isNotStarted(error)) {
					this.#running = false;
					this.#options.onEvent({type: 'sampling-stopped', t: Date.now(), reason: 'another inspector client stopped allocation sampling (DevTools?)'});
					return;
				}
				const text = error instanceof TimeoutError ? `allocation profile timed out: ${error.message}` : `allocation profile failed: ${describeError(error)}`;
				this.#options.onEvent({type: 'log', t: Date.now(), level: 'warn', text});
			} finally {
				this.#polling = undefined;
			}
			if (this.#running && !this.#session.closed) {
				const {budget, minPollMs, rampStepMs, maxPollMs} = this.#options;
				this.#polls++;
				this.#schedule(budgetedDelayMs(Date.now() - started, budget, rampedMinimumMs(this.#polls, rampStepMs, minPollMs), maxPollMs));
			}
		})();
		return this.#polling;
	}

	/** Stops polling; leaves the target alone (for a connection that is already gone). */
	halt(): void {
		clearTimeout(this.#timer);
		this.#timer = undefined;
		this.#running = false;
	}

	/** Stops polling and the profiler in the target. Safe to call more than once. */
	async stop(): Promise<void> {
		const wasRunning = this.#running;
		this.halt();
		await this.#polling?.catch(() => undefined);
		if (!wasRunning || !this.#owned || this.#session.closed) return;
		try {
			await this.#session.send('HeapProfiler.stopSampling', undefined, stopTimeoutMs);
			this.#options.onEvent({type: 'sampling-stopped', t: Date.now(), reason: 'allocation sampling stopped'});
		} catch (error) {
			// Closing the socket stops it too: V8 ends sampling with the session that started it.
			if (!isNotStarted(error) && !this.#session.closed) this.#options.onEvent({type: 'log', t: Date.now(), level: 'warn', text: `stopping allocation sampling failed: ${describeError(error)}; closing the connection stops it`});
		}
	}
}
