import type {Monitor} from './inspector/monitor.js';
import type {Event} from './model/state.js';
import {aborted, exitCodes, type Outcome} from './outcome.js';

/** A monitored target; `name` only when there are several (`pod/api-7d9`). */
export interface SessionTarget {
	name?: string;
	monitor: Monitor;
}

export interface HeadlessOptions {
	targets: readonly SessionTarget[];
	signal: AbortSignal;
	durationMs: number | undefined;
	/** Runs while still attached, after the last census and profile poll (writes output files). */
	beforeStop?: () => Promise<void>;
	/** Take a last listener census before detaching if the target's load allows one (off with `--census off`). */
	finalCensus?: boolean;
}

/** One NDJSON line per sample: what `--json` streams to stdout; with several targets each line names its own. */
export function sampleLine(event: Event, target?: string): string | undefined {
	if (event.type !== 'sample') return undefined;
	return `${JSON.stringify(target === undefined ? event.sample : {target, ...event.sample})}\n`;
}

/** Resolves when every target has gone away, with the first one's reason. */
export function allDone(targets: readonly SessionTarget[]): Promise<string> {
	return Promise.all(targets.map(t => t.monitor.done)).then(reasons => reasons[0]!);
}

/**
 * Detaches from every target and says how the session went: an error when a target went away
 * (its data ends early) or, headless, could not be reached at the end (its last minutes are
 * missing from the report). Someone quitting the TUI has seen that on screen already.
 */
export async function endSession(targets: readonly SessionTarget[], reason: string, {headless}: {headless: boolean}): Promise<Outcome> {
	const gone = targets.filter(t => t.monitor.endedByTarget);
	const unreachable = headless ? targets.filter(t => !t.monitor.endedByTarget && t.monitor.reconnecting) : [];
	await Promise.all(targets.map(t => t.monitor.stop(reason)));
	if (gone.length > 0) {
		const reasons = await Promise.all(gone.map(async t => `${t.name ?? 'target'} went away: ${await t.monitor.done}`));
		return {exitCode: exitCodes.error, message: reasons.join('; ')};
	}
	if (unreachable.length > 0) {
		const who = unreachable.every(t => t.name === undefined) ? 'the target' : unreachable.map(t => t.name).join(', ');
		return {exitCode: exitCodes.error, message: `the run ended (${reason}) while ${who} could not be reached: its last minutes are missing`};
	}
	return {exitCode: exitCodes.ok};
}

/** Runs without a screen until the duration ends, a signal arrives, or every target goes away. */
export async function runHeadless({targets, signal, durationMs, beforeStop, finalCensus = true}: HeadlessOptions): Promise<Outcome> {
	let timer: NodeJS.Timeout | undefined;
	const elapsed = new Promise<string>(resolve => {
		if (durationMs !== undefined) timer = setTimeout(() => resolve(`duration of ${durationMs / 1000}s reached`), durationMs);
	});
	try {
		const reason = await Promise.race([elapsed, aborted(signal), allDone(targets)]);
		// A last census closes the listener series at the end of the run, as the report needs.
		const attached = targets.filter(t => !t.monitor.endedByTarget);
		if (!signal.aborted) {
			await Promise.all(
				attached.map(async ({monitor}) => {
					if (finalCensus) await monitor.finalCensus();
					await monitor.pollAllocations();
				}),
			);
		}
		if (targets.every(t => !t.monitor.endedByTarget)) await beforeStop?.();
		return await endSession(targets, reason, {headless: true});
	} finally {
		clearTimeout(timer);
	}
}
