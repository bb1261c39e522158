import {ConnectError, LeaktopError, NotNodeError, TimeoutError} from '../errors.js';
import {defaultCallTimeoutMs, type InspectorSession} from './session.js';
import {isNodeExpression, ownExpression} from './expressions.js';

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
		// A stopped target (a heap snapshot, a long GC, a blocked loop) is not a browser.
		if (error instanceof TimeoutError) throw new ConnectError(`the target at ${where} did not answer within ${defaultCallTimeoutMs / 1000}s: it is busy (a heap snapshot or a long GC stops it) or its event loop is blocked`);
		isNode = false;
	}
	if (isNode !== true) throw new NotNodeError(`the target at ${where} is not a Node.js process: leaktop attaches to Node processes only`);
}
