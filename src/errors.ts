/**
 * Every failure a user can cause or meet has its own class, so the CLI can print one clear line
 * and pick an exit code without string matching, and tests can assert on the kind.
 */
export class LeaktopError extends Error {
	override readonly name: string = 'LeaktopError';
}

/** Bad flags or arguments: the user can fix the command line. */
export class UsageError extends LeaktopError {
	override readonly name = 'UsageError';
}

/** Nothing reachable at the address, or it answered in a way that is not a V8 inspector. */
export class ConnectError extends LeaktopError {
	override readonly name = 'ConnectError';
}

/** An inspector answered, but it belongs to a browser, Deno, Bun or another runtime. */
export class NotNodeError extends LeaktopError {
	override readonly name = 'NotNodeError';
}

/** A CDP call took longer than its deadline. */
export class TimeoutError extends LeaktopError {
	override readonly name = 'TimeoutError';
}

/** The target process exited or the connection to it closed while attached. */
export class TargetGoneError extends LeaktopError {
	override readonly name = 'TargetGoneError';
}

/** The connection dropped and leaktop is trying to get it back: calls on the target wait for that. */
export class NotConnectedError extends LeaktopError {
	override readonly name = 'NotConnectedError';
	constructor() {
		super('not connected: leaktop is reconnecting to the target');
	}
}

/** Writing a report or other file failed (full disk, permissions). */
export class OutputError extends LeaktopError {
	override readonly name = 'OutputError';
}

export function describeError(error: unknown): string {
	if (error instanceof LeaktopError) return error.message;
	if (error instanceof Error) return error.message;
	return String(error);
}
