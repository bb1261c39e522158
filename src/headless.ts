import type {Monitor} from './inspector/monitor.js';
import type {Event} from './model/state.js';
import {aborted, exitCodes, type Outcome} from './outcome.js';

export interface HeadlessOptions {
	monitor: Monitor;
	signal: AbortSignal;
	durationMs: number | undefined;
	/** Runs while still attached, after the last census and profile poll (writes output files). */
	beforeStop?: () => Promise<void>;
	/** Take a last listener census before detaching if the target's load allows one (off with `--census off`). */
	finalCensus?: boolean;
}

/** One NDJSON line per sample: what `--json` streams to stdout. */
export function sampleLine(event: Event): string | undefined {
	return event.type === 'sample' ? `${JSON.stringify(event.sample)}\n` : undefined;
}

/** Runs without a screen until the duration ends, a signal arrives, or the target goes away. */
export async function runHeadless({monitor, signal, durationMs, beforeStop, finalCensus = true}: HeadlessOptions): Promise<Outcome> {
	let timer: NodeJS.Timeout | undefined;
	const elapsed = new Promise<string>(resolve => {
		if (durationMs !== undefined) timer = setTimeout(() => resolve(`duration of ${durationMs / 1000}s reached`), durationMs);
	});
	try {
		const reason = await Promise.race([elapsed, aborted(signal), monitor.done]);
		// A last census closes the listener series at the end of the run, as the report needs.
		if (!monitor.endedByTarget && !signal.aborted) {
			if (finalCensus) await monitor.finalCensus();
			await monitor.pollAllocations();
		}
		if (!monitor.endedByTarget) await beforeStop?.();
		const byTarget = monitor.endedByTarget;
		// A run that ends while the connection is down has no data from its end: not a clean run.
		const unreachable = monitor.reconnecting;
		await monitor.stop(reason);
		if (byTarget) return {exitCode: exitCodes.error, message: `target went away: ${reason}`};
		if (unreachable) return {exitCode: exitCodes.error, message: `the run ended (${reason}) while the target could not be reached: its last minutes are missing`};
		return {exitCode: exitCodes.ok};
	} finally {
		clearTimeout(timer);
	}
}
