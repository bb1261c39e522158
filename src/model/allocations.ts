/**
 * Sampled allocation sites: V8's sampling heap profile (only allocations still alive, with
 * their stacks) folded into per-site and per-call-path live bytes. Pure: no I/O, no timers.
 */

/** The parts of CDP's `HeapProfiler.SamplingHeapProfile` leaktop reads. */
export interface ProfileCallFrame {
	functionName: string;
	url: string;
	/** 0-based, as CDP sends them. */
	lineNumber: number;
	columnNumber: number;
}

export interface ProfileNode {
	callFrame: ProfileCallFrame;
	/** Estimated live bytes allocated by this function on this exact call path. */
	selfSize: number;
	id: number;
	children: ProfileNode[];
}

export interface SamplingProfile {
	head: ProfileNode;
	samples: ReadonlyArray<{size: number; nodeId: number; ordinal: number}>;
}

/**
 * One frame, lines and columns 1-based. V8's sampling profiler records functions, not
 * statements: line and column are where the allocating function starts.
 */
export interface Frame {
	functionName: string;
	url: string;
	line: number;
	column: number;
}

export interface StackFrame extends Frame {
	/** Live bytes of the site whose stacks pass through this frame. */
	bytes: number;
}

/** Leaktop's own code in the target runs inside a function of this name. */
export const ownFunctionName = '__leaktop__';

export type FrameKind = 'user' | 'internal' | 'own';

/**
 * Internal: V8 builtins and evaluated code without a URL, `(root)`-style pseudo frames, Node's
 * own modules (`node:internal/...`, and `internal/...` on old runtimes).
 */
export function frameKind(frame: Pick<Frame, 'url' | 'functionName'>): FrameKind {
	const {url, functionName} = frame;
	if (functionName === ownFunctionName) return 'own';
	if (url === '' || url.startsWith('node:') || url.startsWith('internal/') || /^\(.*\)$/.test(functionName)) return 'internal';
	return 'user';
}

export interface SiteAggregate {
	key: string;
	/** The frame the bytes are attributed to. */
	site: Frame;
	/** True when no user frame is on any of its stacks. */
	internal: boolean;
	liveBytes: number;
	samples: number;
	/** The heaviest full stack, site first, with the site's bytes through each frame. */
	stack: StackFrame[];
}

export interface PathAggregate {
	key: string;
	/** The site, then its callers: the top frames of the stack. */
	frames: Frame[];
	liveBytes: number;
	samples: number;
}

/** One view of a profile: with V8/Node internals folded into their user callers, or not. */
export interface ProfileView {
	sites: SiteAggregate[];
	paths: PathAggregate[];
}

export interface ProfileAggregate {
	/** Every sampled live byte, the target's and leaktop's own. */
	totalBytes: number;
	/** Allocated by leaktop's own evaluated code. */
	ownBytes: number;
	/** Allocated with no user frame on the stack (shown only with internals). */
	internalOnlyBytes: number;
	/** Nodes in the profile tree: its size, which drives the polling cadence. */
	nodes: number;
	/** Internals folded into the user code that called them. */
	user: ProfileView;
	/** Every frame as it is, internals included. */
	all: ProfileView;
}

export interface AggregateOptions {
	/** Frames per call path: the site and its nearest callers. */
	pathDepth?: number;
}

export function toFrame(callFrame: ProfileCallFrame): Frame {
	return {functionName: callFrame.functionName, url: callFrame.url, line: callFrame.lineNumber + 1, column: callFrame.columnNumber + 1};
}

export function frameKey(frame: Frame): string {
	return `${frame.functionName}\u0000${frame.url}\u0000${frame.line}:${frame.column}`;
}

/** A frame and its caller: the stack as the tree walk sees it. */
interface Chain {
	frame: Frame;
	caller: Chain | null;
}

function stackOf(chain: Chain): Frame[] {
	const stack: Frame[] = [];
	for (let link: Chain | null = chain; link; link = link.caller) stack.push(link.frame);
	return stack;
}

interface Contribution {
	/** Leaf first, `(root)` left out. */
	stack: Frame[];
	bytes: number;
	samples: number;
}

interface SiteBuilder {
	site: Frame;
	internal: boolean;
	liveBytes: number;
	samples: number;
	contributions: Contribution[];
}

function addTo<T extends {liveBytes: number; samples: number}>(map: Map<string, T>, key: string, create: () => T, bytes: number, samples: number): T {
	let entry = map.get(key);
	if (!entry) {
		entry = create();
		map.set(key, entry);
	}
	entry.liveBytes += bytes;
	entry.samples += samples;
	return entry;
}

/** The site's heaviest stack, and at each of its frames the bytes of every stack through it. */
function heaviestStack(builder: SiteBuilder): StackFrame[] {
	const heaviest = builder.contributions.reduce((a, b) => (b.bytes > a.bytes ? b : a));
	const through = new Map<string, number>();
	for (const {stack, bytes} of builder.contributions) {
		for (const key of new Set(stack.map(frameKey))) through.set(key, (through.get(key) ?? 0) + bytes);
	}
	return heaviest.stack.map(frame => ({...frame, bytes: through.get(frameKey(frame)) ?? 0}));
}

class ViewBuilder {
	readonly sites = new Map<string, SiteBuilder>();
	readonly paths = new Map<string, PathAggregate>();
	constructor(readonly pathDepth: number) {}

	add(site: Frame, internal: boolean, callers: Frame[], full: Frame[], bytes: number, samples: number): void {
		const key = frameKey(site);
		const builder = addTo(this.sites, key, () => ({site, internal, liveBytes: 0, samples: 0, contributions: []}), bytes, samples);
		builder.contributions.push({stack: full, bytes, samples});
		const frames = [site, ...callers.slice(0, this.pathDepth - 1)];
		const pathKey = frames.map(frameKey).join('\u0001');
		addTo(this.paths, pathKey, () => ({key: pathKey, frames, liveBytes: 0, samples: 0}), bytes, samples);
	}

	build(): ProfileView {
		const sites = [...this.sites].map(([key, b]) => ({key, site: b.site, internal: b.internal, liveBytes: b.liveBytes, samples: b.samples, stack: heaviestStack(b)}));
		return {sites: sites.sort(byBytes), paths: [...this.paths.values()].sort(byBytes)};
	}
}

const byBytes = (a: {liveBytes: number}, b: {liveBytes: number}) => b.liveBytes - a.liveBytes;

/**
 * Folds a sampling profile into per-site and per-path live bytes. In the user view an
 * allocation made inside `JSON.parse`, `Map.prototype.set` or a Node module is attributed to the
 * nearest user frame that called it; allocations made by leaktop's own code are counted apart.
 */
export function aggregateProfile(profile: SamplingProfile, {pathDepth = 3}: AggregateOptions = {}): ProfileAggregate {
	const sampleCounts = new Map<number, number>();
	for (const sample of profile.samples) sampleCounts.set(sample.nodeId, (sampleCounts.get(sample.nodeId) ?? 0) + 1);
	const user = new ViewBuilder(pathDepth);
	const all = new ViewBuilder(pathDepth);
	let totalBytes = 0;
	let ownBytes = 0;
	let internalOnlyBytes = 0;
	let nodes = 0;
	// Iterative walk over parent links: deep recursion in the target gives deep trees, and only
	// nodes that allocated need their stack as an array.
	const pending: Array<{node: ProfileNode; caller: Chain | null}> = [{node: profile.head, caller: null}];
	while (pending.length > 0) {
		const {node, caller} = pending.pop()!;
		nodes++;
		const chain = node === profile.head ? caller : {frame: toFrame(node.callFrame), caller};
		for (const child of node.children) pending.push({node: child, caller: chain});
		const bytes = node.selfSize;
		if (bytes <= 0 || chain === null) continue;
		const stack = stackOf(chain);
		const samples = sampleCounts.get(node.id) ?? 0;
		totalBytes += bytes;
		const kinds = stack.map(frameKind);
		if (kinds.includes('own')) {
			ownBytes += bytes;
			continue;
		}
		all.add(stack[0]!, kinds[0] !== 'user', stack.slice(1), stack, bytes, samples);
		const firstUser = kinds.indexOf('user');
		if (firstUser === -1) {
			internalOnlyBytes += bytes;
			continue;
		}
		const userStack = stack.filter((_, i) => kinds[i] === 'user');
		user.add(stack[firstUser]!, false, userStack.slice(1), stack.slice(firstUser), bytes, samples);
	}
	return {totalBytes, ownBytes, internalOnlyBytes, nodes, user: user.build(), all: all.build()};
}

/** `file:///srv/app/lib/cache.js` seen from cwd `/srv/app` is `lib/cache.js`. */
export function displayPath(url: string, cwd: string | null): string {
	if (url === '') return '(no script)';
	let path = url;
	if (url.startsWith('file://')) {
		try {
			path = decodeURIComponent(new URL(url).pathname);
		} catch {
			return url;
		}
	}
	if (cwd && cwd !== '/' && path.startsWith(`${cwd.replace(/\/$/, '')}/`)) return path.slice(cwd.replace(/\/$/, '').length + 1);
	return path;
}

export function formatFrame(frame: Frame, cwd: string | null): string {
	return frame.url === '' ? '(native)' : `${displayPath(frame.url, cwd)}:${frame.line}:${frame.column}`;
}

export function functionLabel(frame: Frame): string {
	return frame.functionName === '' ? '(anonymous)' : frame.functionName;
}

/**
 * The function and its location cut to `width` characters, keeping what identifies the site:
 * the file name and line go last, so directories are dropped from the left first
 * (`…/lib/cache.js:12:3`), then the function name is shortened.
 */
export function siteLabel(frame: Frame, cwd: string | null, width: number): {name: string; location: string} {
	let name = functionLabel(frame);
	let location = formatFrame(frame, cwd);
	const room = () => width - name.length - 1;
	const parts = location.split('/');
	for (let i = 1; location.length > room() && i < parts.length; i++) location = `…/${parts.slice(i).join('/')}`;
	if (location.length > room()) {
		const keep = Math.max(1, width - location.length - 2);
		if (name.length > keep + 1) name = `${name.slice(0, keep)}…`;
	}
	if (location.length > room()) location = `${location.slice(0, Math.max(0, room() - 1))}…`;
	return {name, location};
}
