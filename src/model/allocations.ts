/**
 * Sampled allocation sites: V8's sampling heap profile (only allocations still alive, with
 * their stacks) folded into per-site and per-call-path live bytes. Pure: no I/O, no timers.
 */

/** The parts of CDP's `HeapProfiler.SamplingHeapProfile` leaktop reads. */
export interface ProfileCallFrame {
	functionName: string;
	url: string;
	/** V8's id of the script; absent in some saved profiles. */
	scriptId?: string;
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

/**
 * A frame and its caller: the stack as the tree walk sees it. Key and kind are worked out once
 * per profile node, not once per stack that passes through it.
 */
interface Link {
	frame: Frame;
	key: string;
	/** The key as a small integer: cheap to hash in the hot loops below. */
	id: number;
	kind: FrameKind;
	caller: Link | null;
}

function stackOf(link: Link): Link[] {
	const stack: Link[] = [];
	for (let at: Link | null = link; at; at = at.caller) stack.push(at);
	return stack;
}

interface Contribution {
	/** Leaf first, `(root)` left out. */
	stack: Link[];
	bytes: number;
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
	// Only the heaviest stack's frames are shown, so only they are counted; a recursive frame
	// counts each stack once.
	const through = new Map<number, number>(heaviest.stack.map(link => [link.id, 0]));
	const countedFor = new Map<number, Contribution>();
	for (const contribution of builder.contributions) {
		for (const {id} of contribution.stack) {
			const sum = through.get(id);
			if (sum === undefined || countedFor.get(id) === contribution) continue;
			countedFor.set(id, contribution);
			through.set(id, sum + contribution.bytes);
		}
	}
	return heaviest.stack.map(link => ({...link.frame, bytes: through.get(link.id) ?? 0}));
}

class ViewBuilder {
	readonly sites = new Map<string, SiteBuilder>();
	readonly paths = new Map<string, PathAggregate>();
	constructor(readonly pathDepth: number) {}

	/** `full` starts at the site; the call path takes the next frames this view shows. */
	add(full: Link[], userOnly: boolean, internal: boolean, bytes: number, samples: number): void {
		const site = full[0]!;
		const builder = addTo(this.sites, site.key, () => ({site: site.frame, internal, liveBytes: 0, samples: 0, contributions: []}), bytes, samples);
		builder.contributions.push({stack: full, bytes});
		const path = [site];
		for (let i = 1; i < full.length && path.length < this.pathDepth; i++) if (!userOnly || full[i]!.kind === 'user') path.push(full[i]!);
		const pathKey = path.map(link => link.id).join(',');
		addTo(this.paths, pathKey, () => ({key: pathKey, frames: path.map(link => link.frame), liveBytes: 0, samples: 0}), bytes, samples);
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
	const ids = new Map<string, number>();
	// Iterative walk over parent links: deep recursion in the target gives deep trees, and only
	// nodes that allocated need their stack as an array.
	const pending: Array<{node: ProfileNode; caller: Link | null}> = [{node: profile.head, caller: null}];
	while (pending.length > 0) {
		const {node, caller} = pending.pop()!;
		nodes++;
		let link = caller;
		if (node !== profile.head) {
			const frame = toFrame(node.callFrame);
			const key = frameKey(frame);
			let id = ids.get(key);
			if (id === undefined) ids.set(key, (id = ids.size));
			link = {frame, key, id, kind: frameKind(frame), caller};
		}
		for (const child of node.children) pending.push({node: child, caller: link});
		const bytes = node.selfSize;
		if (bytes <= 0 || link === null) continue;
		const stack = stackOf(link);
		const samples = sampleCounts.get(node.id) ?? 0;
		totalBytes += bytes;
		if (stack.some(l => l.kind === 'own')) {
			ownBytes += bytes;
			continue;
		}
		all.add(stack, false, link.kind !== 'user', bytes, samples);
		const firstUser = stack.findIndex(l => l.kind === 'user');
		if (firstUser === -1) {
			internalOnlyBytes += bytes;
			continue;
		}
		user.add(firstUser === 0 ? stack : stack.slice(firstUser), true, false, bytes, samples);
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

export function functionLabel(frame: Pick<Frame, 'functionName'>): string {
	return frame.functionName === '' ? '(anonymous)' : frame.functionName;
}

/** `getUser cache.js:14`: the function and its file's name, for a line of prose. */
export function shortFrame(frame: Pick<Frame, 'functionName' | 'url' | 'line'>): string {
	return `${functionLabel(frame)} ${fileName(frame.url)}:${frame.line}`;
}

/** The last part of a script's URL or path; `(no file)` for code without one. */
export function fileName(url: string): string {
	return url.split('/').at(-1) || url || '(no file)';
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
