/**
 * What the target can still use, read just before a heap snapshot so that its cost can be
 * weighed against it (model/snapshot-risk.ts). One round trip, one fixed read-only expression.
 */
import {LeaktopError} from '../errors.js';
import type {Headroom} from '../model/snapshot-risk.js';
import {evaluateValue} from './evaluate.js';
import type {InspectorSession} from './session.js';
import {normalizeLimit} from './target-facts.js';

/**
 * `[heapUsed, rss, constrainedMemory, freemem]`. `require` comes from the command-line API (ESM
 * targets too), `process.getBuiltinModule` where the runtime has it; each optional part is
 * null when the runtime cannot say.
 */
export const headroomExpression = `(() => {
	const load = name => (typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule(name) : require(name));
	const m = process.memoryUsage();
	let constrained = null;
	try { constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : null; } catch {}
	let free = null;
	try { free = load('os').freemem(); } catch {}
	return [m.heapUsed, m.rss, typeof constrained === 'number' ? constrained : null, typeof free === 'number' ? free : null];
})()`;

const headroomTimeoutMs = 10_000;

export function parseHeadroom(value: unknown): Headroom {
	if (!Array.isArray(value) || value.length !== 4 || typeof value[0] !== 'number' || typeof value[1] !== 'number') {
		throw new LeaktopError('the target returned a malformed memory reading');
	}
	const [heapUsed, rss, constrained, free] = value as [number, number, unknown, unknown];
	return {
		heapUsed,
		rss,
		containerLimit: normalizeLimit(constrained),
		freeMemory: typeof free === 'number' && Number.isFinite(free) && free >= 0 ? free : null,
	};
}

export async function readHeadroom(session: InspectorSession): Promise<Headroom> {
	return parseHeadroom(await evaluateValue(session, headroomExpression, {commandLineApi: true, timeoutMs: headroomTimeoutMs}));
}
