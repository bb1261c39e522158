/** Polls `check` until it returns a truthy value or the deadline passes; never a bare sleep. */
export async function waitFor<T>(check: () => T | Promise<T>, {timeoutMs = 10_000, intervalMs = 50, what = 'condition'} = {}): Promise<NonNullable<T>> {
	const deadline = Date.now() + timeoutMs;
	let lastError: unknown;
	for (;;) {
		try {
			const value = await check();
			if (value) return value as NonNullable<T>;
		} catch (error) {
			lastError = error;
		}
		if (Date.now() > deadline) {
			throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
		}
		await new Promise(resolve => setTimeout(resolve, intervalMs));
	}
}

export function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}
