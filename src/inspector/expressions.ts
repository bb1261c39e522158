/**
 * The fixed, reviewed expressions leaktop evaluates in the target. Each reads state and returns
 * a plain value; none defines globals or keeps references, so detaching leaves nothing behind.
 */

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
		heapSizeLimit,
		constrainedMemory: typeof constrained === 'number' ? constrained : null,
	};
})()`;

/**
 * One tick: memory, uptime and active resources counted by type, as an array to keep the
 * message small. `getActiveResourcesInfo` (Node 17+) lists Timeout, TCPSocketWrap,
 * FSReqCallback...; older runtimes fall back to the handle and request lists.
 */
export const sampleExpression = `(() => {
	const m = process.memoryUsage();
	const types = typeof process.getActiveResourcesInfo === 'function'
		? process.getActiveResourcesInfo()
		: [...process._getActiveHandles(), ...process._getActiveRequests()].map(h => (h && h.constructor && h.constructor.name) || 'Unknown');
	const resources = {};
	for (const type of types) resources[type] = (resources[type] || 0) + 1;
	return [Date.now(), m.heapUsed, m.heapTotal, m.rss, m.external, m.arrayBuffers, process.uptime(), resources];
})()`;
