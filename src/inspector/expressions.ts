/**
 * The fixed, reviewed expressions leaktop evaluates in the target. Each reads state and returns
 * a plain value; none defines globals or keeps references, so detaching leaves nothing behind.
 */
import {ownFunctionName} from '../model/allocations.js';

/**
 * Wraps an expression in a function named for leaktop, so that the sampling heap profile can
 * count what leaktop itself allocates apart from the application (V8 reports evaluated code
 * with an empty URL, whatever its sourceURL comment says).
 */
export function ownExpression(code: string): string {
	return `(function ${ownFunctionName}() { return (${code}); })()`;
}

/** The same for a `Runtime.callFunctionOn` declaration: `this` and the arguments pass through. */
export function ownFunction(declaration: string): string {
	return `function ${ownFunctionName}(...args) { return (${declaration}).apply(this, args); }`;
}

/** Confirms the runtime is Node before anything else runs. */
export const isNodeExpression = `typeof process === 'object' && process !== null && typeof process.versions === 'object' && typeof process.versions.node === 'string'`;

/**
 * Read once at attach. `require` comes from the inspector's command-line API (so it works in
 * ESM targets too); `process.getBuiltinModule` where the runtime has it.
 */
export const factsExpression = `(() => {
	const load = name => (typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule(name) : require(name));
	let heapSizeLimit = null;
	try { heapSizeLimit = load('v8').getHeapStatistics().heap_size_limit; } catch {}
	let constrained = null;
	try { constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : null; } catch {}
	return {
		pid: process.pid,
		nodeVersion: process.version,
		title: process.title,
		argv: process.argv.slice(),
		cwd: process.cwd(),
		hostname: (() => { try { return load('os').hostname(); } catch { return null; } })(),
		heapSizeLimit,
		constrainedMemory: typeof constrained === 'number' ? constrained : null,
		startedAt: Date.now() - process.uptime() * 1000,
	};
})()`;

/**
 * One tick: memory, uptime, active resources counted by type and the event loop's busy time, as
 * an array to keep the message small. `getActiveResourcesInfo` (Node 17+) lists Timeout,
 * TCPSocketWrap, FSReqCallback...; older runtimes fall back to the handle and request lists.
 * `eventLoopUtilization().active` is the loop's cumulative busy time in ms: how busy the target
 * is decides whether an automatic census may run (see model/cadence.ts).
 */
export const sampleExpression = `(() => {
	const m = process.memoryUsage();
	const types = typeof process.getActiveResourcesInfo === 'function'
		? process.getActiveResourcesInfo()
		: [...process._getActiveHandles(), ...process._getActiveRequests()].map(h => (h && h.constructor && h.constructor.name) || 'Unknown');
	const resources = {};
	for (const type of types) resources[type] = (resources[type] || 0) + 1;
	let loopActive = null;
	try { loopActive = performance.eventLoopUtilization().active; } catch {}
	return [Date.now(), m.heapUsed, m.heapTotal, m.rss, m.external, m.arrayBuffers, process.uptime(), resources, loopActive];
})()`;

/**
 * `n`: the one expression that changes the target, run only after the user said yes. Node writes
 * one snapshot when the heap nears its limit (into --diagnostic-dir or the cwd); it cannot be
 * undone, and calling it again is a no-op.
 */
export const armNearLimitExpression = `(() => {
	const load = name => (typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule(name) : require(name));
	const v8 = load('v8');
	if (typeof v8.setHeapSnapshotNearHeapLimit !== 'function') return {error: 'this Node version has no v8.setHeapSnapshotNearHeapLimit (it needs Node 18.10 or newer)'};
	const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS || '').split(/\\s+/)];
	if (flags.some(flag => flag.startsWith('--heapsnapshot-near-heap-limit'))) return {error: 'the process was started with --heapsnapshot-near-heap-limit, which already arms it'};
	const dirFlag = flags.find(flag => flag.startsWith('--diagnostic-dir='));
	v8.setHeapSnapshotNearHeapLimit(1);
	return {dir: dirFlag ? dirFlag.slice('--diagnostic-dir='.length) : process.cwd(), pid: process.pid};
})()`;
