/** How a session ended, for the CLI to turn into a message and an exit code. */
export interface Outcome {
	exitCode: number;
	/** One line for stderr, if there is something to say. */
	message?: string;
}

/** 1 is only ever "a leak", and only with --fail-on-growth, so CI can tell it from a broken run. */
export const exitCodes = {ok: 0, leak: 1, error: 2} as const;

/** Resolves with the abort reason once `signal` aborts (at once if it already has). */
export function aborted(signal: AbortSignal): Promise<string> {
	if (signal.aborted) return Promise.resolve(String(signal.reason));
	return new Promise(resolve => {
		signal.addEventListener('abort', () => resolve(String(signal.reason)), {once: true});
	});
}
