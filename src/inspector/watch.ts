/**
 * Expressions the user types: watches read every sample, `:eval` once, `:count` walks the heap.
 * All of them first run under V8's side-effect check (`throwOnSideEffect`), which refuses
 * anything that could write to the heap outside the evaluation itself (an assignment, a call
 * to a function V8 cannot prove pure); only `:eval` and `:count`, after the user said yes, run
 * without it. Every evaluation has a deadline V8 enforces in the target (`timeout` terminates
 * it), since a loop is side-effect free and would otherwise stop the target for good.
 */
import type {Protocol} from 'devtools-protocol/types/protocol.js';
import {describeError, LeaktopError, TimeoutError} from '../errors.js';
import {ownExpression, ownFunction} from './expressions.js';
import type {WatchReading} from '../model/watches.js';
import type {InspectorSession} from './session.js';

/** The answer to a guarded evaluation: a value, V8's refusal, or an exception. */
export type Evaluation = {kind: 'value'; value: number | null; text: string} | {kind: 'refused'; reason: string} | {kind: 'error'; message: string};

export const watchTimeoutMs = 200;
const evalTimeoutMs = 5000;
const countTimeoutMs = 60_000;
const watchGroup = 'leaktop-watch';
const evalGroup = 'leaktop-eval';
/** Each :count has its own group: one released while another still walks would free its objects. */
let counts = 0;
/** Object groups these evaluations fill; detaching releases them too (a count's dies with the session). */
export const userObjectGroups = [watchGroup, evalGroup] as const;

const textLength = 60;

/** A value as the watches panel and the log show it: short, one line. */
export function describeRemote(result: Protocol.Runtime.RemoteObject): {value: number | null; text: string} {
	switch (result.type) {
		case 'number':
			return typeof result.value === 'number' ? {value: result.value, text: String(result.value)} : {value: null, text: result.unserializableValue ?? result.description ?? 'number'};
		case 'bigint': {
			const text = result.unserializableValue ?? result.description ?? '0n';
			return {value: Number(text.replace(/n$/, '')), text};
		}
		case 'string': {
			const quoted = JSON.stringify(result.value);
			return {value: null, text: quoted.length > textLength ? `${quoted.slice(0, textLength - 2)}…"` : quoted};
		}
		case 'undefined':
			return {value: null, text: 'undefined'};
		case 'object': {
			if (result.subtype === 'null') return {value: null, text: 'null'};
			const description = oneLine(result.description ?? result.className ?? 'Object');
			// Map(3), Set(12), Array(40), Uint8Array(1024): the size is the number worth a trend.
			const size = /\((\d+)\)$/.exec(description);
			const sized = size && ['map', 'set', 'array', 'typedarray', 'weakmap', 'weakset'].includes(result.subtype ?? '');
			return {value: sized ? Number(size[1]) : null, text: description};
		}
		default:
			return {value: null, text: oneLine(result.description ?? String(result.value))};
	}
}

function oneLine(text: string, length = textLength): string {
	const first = text.split('\n')[0]!;
	return first.length > length ? `${first.slice(0, length - 1)}…` : first;
}

/** Errors are read whole: the screen truncates its lines, the report and the recording do not. */
function exceptionText(details: Protocol.Runtime.ExceptionDetails): string {
	return oneLine(details.exception?.description ?? details.text, 300);
}

/** V8's answer when the side-effect check stops an evaluation. */
function isSideEffectRefusal(details: Protocol.Runtime.ExceptionDetails): boolean {
	return details.exception?.className === 'EvalError' && /side-effect/i.test(details.exception.description ?? '');
}

/** A deadline V8 enforced (`Execution was terminated`) or one leaktop's call hit. */
function deadlineMessage(error: unknown, timeoutMs: number): string | null {
	if (error instanceof TimeoutError || /Execution was terminated/i.test(describeError(error))) return `did not finish within ${timeoutMs} ms (stopped in the target)`;
	return null;
}

interface RunOptions {
	sideEffects: boolean;
	timeoutMs: number;
	objectGroup: string;
	/** Run inside leaktop's named function, so the sampling profile counts its allocations apart. */
	own: boolean;
	commandLineApi: boolean;
}

async function run(session: InspectorSession, expression: string, options: RunOptions): Promise<{result: Protocol.Runtime.RemoteObject; exceptionDetails?: Protocol.Runtime.ExceptionDetails} | {deadline: string}> {
	const {sideEffects, timeoutMs, objectGroup, own, commandLineApi} = options;
	try {
		// The call's own deadline leaves V8 time to terminate the evaluation first.
		return await session.send(
			'Runtime.evaluate',
			{expression: own ? ownExpression(expression) : expression, throwOnSideEffect: !sideEffects, timeout: timeoutMs, silent: true, objectGroup, includeCommandLineAPI: commandLineApi, returnByValue: false, generatePreview: false},
			timeoutMs + 5000,
		);
	} catch (error) {
		const deadline = deadlineMessage(error, timeoutMs);
		if (deadline) return {deadline};
		throw error;
	}
}

/** Reads one watch, side-effect free; the caller releases `leaktop-watch` after a round. */
export async function readWatch(session: InspectorSession, expression: string, timeoutMs = watchTimeoutMs): Promise<WatchReading> {
	const answer = await run(session, expression, {sideEffects: false, timeoutMs, objectGroup: watchGroup, own: true, commandLineApi: false});
	if ('deadline' in answer) return {error: answer.deadline};
	if (answer.exceptionDetails) return {error: isSideEffectRefusal(answer.exceptionDetails) ? 'refused by V8: it may have side effects' : exceptionText(answer.exceptionDetails)};
	return describeRemote(answer.result);
}

export async function releaseWatchObjects(session: InspectorSession): Promise<void> {
	await session.send('Runtime.releaseObjectGroup', {objectGroup: watchGroup}, 2000).catch(() => undefined);
}

/**
 * `:watch` checks its expression once before keeping it: a syntax error, an exception or V8's
 * side-effect refusal is the user's one-line answer, not a watch that never reads.
 */
export async function checkWatch(session: InspectorSession, expression: string): Promise<{value: number | null; text: string}> {
	try {
		const answer = await run(session, expression, {sideEffects: false, timeoutMs: watchTimeoutMs, objectGroup: watchGroup, own: true, commandLineApi: false});
		if ('deadline' in answer) throw new LeaktopError(`${answer.deadline}; a watch runs with every sample, so it must be quick`);
		if (answer.exceptionDetails) {
			if (isSideEffectRefusal(answer.exceptionDetails)) throw new LeaktopError(`refused: V8 says it may have side effects (${exceptionText(answer.exceptionDetails)}); a watch may only read`);
			throw new LeaktopError(exceptionText(answer.exceptionDetails));
		}
		return describeRemote(answer.result);
	} finally {
		await releaseWatchObjects(session);
	}
}

/**
 * `:eval`: with `sideEffects` false V8 refuses anything that could change the target, and the
 * caller asks the user before trying again with it true. Runs as typed (no wrapper), with the
 * console's command-line API (`require`), like DevTools' console.
 */
export async function evaluateOnce(session: InspectorSession, expression: string, {sideEffects}: {sideEffects: boolean}): Promise<Evaluation> {
	try {
		const answer = await run(session, expression, {sideEffects, timeoutMs: evalTimeoutMs, objectGroup: evalGroup, own: false, commandLineApi: true});
		if ('deadline' in answer) return {kind: 'error', message: answer.deadline};
		if (answer.exceptionDetails) {
			if (!sideEffects && isSideEffectRefusal(answer.exceptionDetails)) return {kind: 'refused', reason: exceptionText(answer.exceptionDetails)};
			return {kind: 'error', message: exceptionText(answer.exceptionDetails)};
		}
		return {kind: 'value', ...describeRemote(answer.result)};
	} finally {
		await session.send('Runtime.releaseObjectGroup', {objectGroup: evalGroup}, 2000).catch(() => undefined);
	}
}

export type Count = {kind: 'count'; count: number; durationMs: number; name: string} | {kind: 'refused'; reason: string};

/**
 * `:count`: the live objects whose prototype chain holds `EXPR.prototype` (instances of
 * subclasses too), through `Runtime.queryObjects`, which walks the heap after a full GC. The
 * constructor expression is guarded like `:eval`.
 */
export async function countInstances(session: InspectorSession, expression: string, {sideEffects, onWalk}: {sideEffects: boolean; onWalk?: () => void}): Promise<Count> {
	const countGroup = `leaktop-count-${++counts}`;
	try {
		const answer = await run(session, expression, {sideEffects, timeoutMs: evalTimeoutMs, objectGroup: countGroup, own: false, commandLineApi: true});
		if ('deadline' in answer) throw new LeaktopError(`:count ${expression}: ${answer.deadline}`);
		if (answer.exceptionDetails) {
			if (!sideEffects && isSideEffectRefusal(answer.exceptionDetails)) return {kind: 'refused', reason: exceptionText(answer.exceptionDetails)};
			throw new LeaktopError(`:count ${expression}: ${exceptionText(answer.exceptionDetails)}`);
		}
		const ctor = answer.result;
		if (ctor.type !== 'function' || !ctor.objectId) throw new LeaktopError(`:count ${expression}: not a constructor (it is ${describeRemote(ctor).text})`);
		const prototype = await session.send('Runtime.callFunctionOn', {objectId: ctor.objectId, functionDeclaration: ownFunction('function () { return this.prototype; }'), throwOnSideEffect: true, silent: true, objectGroup: countGroup}, evalTimeoutMs);
		if (prototype.exceptionDetails || prototype.result.type !== 'object' || !prototype.result.objectId) throw new LeaktopError(`:count ${expression}: it has no prototype object, so it makes no instances`);
		onWalk?.();
		const started = Date.now();
		const {objects} = await session.send('Runtime.queryObjects', {prototypeObjectId: prototype.result.objectId, objectGroup: countGroup}, countTimeoutMs);
		const durationMs = Date.now() - started;
		const length = await session.send('Runtime.callFunctionOn', {objectId: objects.objectId!, functionDeclaration: ownFunction('function () { return this.length; }'), returnByValue: true, silent: true, objectGroup: countGroup}, evalTimeoutMs);
		const count = length.result.value;
		if (typeof count !== 'number') throw new LeaktopError(`:count ${expression}: the target did not say how many`);
		const name = /^(?:class|function)\s+([\w$]+)/.exec(ctor.description ?? '')?.[1] ?? ctor.className ?? expression;
		return {kind: 'count', count, durationMs, name};
	} finally {
		await session.send('Runtime.releaseObjectGroup', {objectGroup: countGroup}, 2000).catch(() => undefined);
	}
}

/** The target's global property names that are identifiers, for the command line's tab. */
export async function readGlobalNames(session: InspectorSession): Promise<string[]> {
	const answer = await session.send(
		'Runtime.evaluate',
		{expression: ownExpression('Object.getOwnPropertyNames(globalThis)'), throwOnSideEffect: true, timeout: watchTimeoutMs, silent: true, returnByValue: true},
		watchTimeoutMs + 5000,
	);
	const names: unknown = answer.result.value;
	if (answer.exceptionDetails || !Array.isArray(names)) return [];
	return names.filter((name): name is string => typeof name === 'string' && /^[A-Za-z_$][\w$]*$/.test(name)).sort();
}
