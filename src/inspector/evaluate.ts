import {ConnectError, LeaktopError, NotNodeError, TimeoutError} from '../errors.js';
import {defaultCallTimeoutMs, type InspectorSession} from './session.js';
import {isNodeExpression, ownExpression} from './expressions.js';

/** An answer without the fields every CDP answer has: the other end is not an inspector. */
class NotInspectorError extends LeaktopError {
	override readonly name = 'NotInspectorError';
	constructor(method: string) {
		super(`its answer to ${method} has no result`);
	}
}

/** Remote objects leaktop creates, if any, live in this group and are released on detach. */
export const objectGroup = 'leaktop';

export interface EvaluateOptions {
	timeoutMs?: number;
	/** Exposes the command-line API (`require`) to the expression. */
	commandLineApi?: boolean;
}

/** Evaluates one of the fixed expressions and returns its value; an exception becomes an error. */
export async function evaluateValue(session: InspectorSession, expression: string, {timeoutMs, commandLineApi = false}: EvaluateOptions = {}): Promise<unknown> {
	const result = await session.send(
		'Runtime.evaluate',
		{expression: ownExpression(expression), returnByValue: true, silent: true, objectGroup, includeCommandLineAPI: commandLineApi},
		timeoutMs,
	);
	// Something that speaks WebSocket but not CDP (an echo server, a proxy's own endpoint) can
	// answer a request's id with no result at all.
	if (typeof result !== 'object' || result === null || typeof result.result !== 'object' || result.result === null) throw new NotInspectorError('Runtime.evaluate');
	if (result.exceptionDetails) {
		const description = result.exceptionDetails.exception?.description ?? result.exceptionDetails.text;
		throw new LeaktopError(`evaluation in the target failed: ${description.split('\n')[0]}`);
	}
	return result.result.value;
}

export async function assertNode(session: InspectorSession, where: string): Promise<void> {
	let isNode: unknown;
	try {
		isNode = await evaluateValue(session, isNodeExpression);
	} catch (error) {
		if (error instanceof NotInspectorError) throw new ConnectError(`the WebSocket at ${where} answered, but not as a V8 inspector (${error.message}): is the port right?`);
		// A stopped target (a heap snapshot, a long GC, a blocked loop) is not a browser.
		if (error instanceof TimeoutError) throw new ConnectError(`the target at ${where} did not answer within ${defaultCallTimeoutMs / 1000}s: it is busy (a heap snapshot or a long GC stops it) or its event loop is blocked`);
		isNode = false;
	}
	if (isNode !== true) throw new NotNodeError(`the target at ${where} is not a Node.js process: leaktop attaches to Node processes only`);
}
