/**
 * Chrome DevTools' own heap snapshot code, run in Node as a test oracle (issue 7, "Correctness").
 * Tests and benchmarks only: nothing in src/ may import this.
 *
 * How it runs. The `chrome-devtools-frontend` package ships TypeScript sources. On first use the
 * files that DevTools' heap snapshot worker needs are transpiled with `ts.transpileModule` (ESM,
 * ES2022), following imports transitively from HeapSnapshotLoader.ts, HeapSnapshot.ts and
 * HeapSnapshotModel.ts (86 files, ~1 MB), into `node_modules/.cache/leaktop-devtools-<version>-<recipe
 * hash>/`, built in a temporary directory and renamed, so two test processes building at once
 * both end up with one whole copy. DevTools' code runs unchanged; three things are supplied:
 * - `core/i18n/locales.js`, which DevTools' build generates (generate-locales-js.js) and the npm
 *   package lacks: the same five exports, English only.
 * - `core/text_utils/text_utils.js`, the barrel, cut to the `TextUtils` module the loader uses
 *   (BalancedJSONTokenizer): the full one pulls in the CodeMirror and marked bundles.
 * - `Promise.withResolvers` (Node 22+; Node 20 has none), which HeapSnapshotLoader and
 *   SecondaryInitManager call on every load: a spec-equivalent global, only when missing.
 * A file is read the way the Memory panel loads one: text chunks of 10,000,000 bytes
 * (HeapSnapshotView.ts, ChunkedFileReader) written to `HeapSnapshotLoader.write`, then `close()`
 * and `buildSnapshot(port)`; DevTools' second worker (`SecondaryInitManager`: retainers,
 * dominators, retained sizes) runs on the other end of a MessageChannel in this same thread, as in
 * DevTools' own `createJSHeapSnapshotForTesting`.
 *
 * Where the numbers come from (front_end/entrypoints/heap_snapshot_worker/HeapSnapshot.ts):
 * - Summary: `aggregatesWithFilter(new NodeFilter())`, the call of the Summary view
 *   (panels/profiler/HeapSnapshotDataGrids.ts, HeapSnapshotConstructorsDataGrid.populateChildren).
 *   No filter -> `getAggregatesByClassKey(false, 'allObjects')` -> `buildAggregates()` +
 *   `calculateClassesRetainedSize()`. Per row: count, self (sum of self sizes), maxRet (retained
 *   size of the class: instances not dominated by another instance of the same class), distance.
 * - Comparison: exactly HeapSnapshotDiffDataGrid.populateChildren: `defs = next.interfaceDefinitions()`,
 *   `base.aggregatesForDiff(defs)` (the base is re-classified with the *newer* snapshot's object
 *   shapes), then `next.calculateSnapshotDiff(baseId, thoseAggregates)` -> `calculateDiffForClass`.
 *
 * Semantics that matter for matching them (this version, 1.0.1705227; checked on Node 20 snapshots,
 * whose root has edges: element -> `(GC roots)`, shortcut -> `global` (an object: the one "user
 * root"), element -> `C++ roots`, `C++ cross-thread roots`, `Node / Environment`):
 * - Which nodes count: every node whose self size is non-zero *after* `calculateShallowSizes()`.
 *   No reachability or distance filter (nodes unreachable from the root count), native and
 *   synthetic nodes count when their size is non-zero, nodes of zero self size never count.
 * - `JSHeapSnapshot.calculateShallowSizes()` moves sizes first (only when some child of the root
 *   is not `synthetic`, true for Node): "owned" nodes are those of type `hidden` or `array`, and
 *   `native` nodes named `system / ExternalStringData`; every other node owns itself. An owned
 *   node's owners are the non-owned nodes that reach it over non-weak edges through owned nodes
 *   only. With exactly one owner, and that owner neither `synthetic` nor the root, the owned
 *   node's self size is added to the owner's and set to 0; otherwise it keeps it. So most
 *   `(system)` and `(array)` instances vanish from counts, and a Map's or Array's backing store
 *   is in the `Map`/`Array` row's self size. Retained sizes use these moved sizes too.
 * - Class name (`calculateObjectNames`, then `applyInterfaceDefinitions`), by node type:
 *   hidden -> `(system)`; code -> `(compiled code)`; closure -> `Function` (not `(closure)`);
 *   regexp -> `RegExp`; object and native -> the node's name, except names starting `<` (or
 *   `Detached <`) are cut at the first space (after index 10 for `Detached <`) and closed with
 *   `>`; any other type T -> `(T)`: `(string)`, `(concatenated string)`, `(sliced string)`,
 *   `(number)`, `(bigint)`, `(symbol)`, `(synthetic)`, `(array)`, `(object shape)`.
 *   Then plain objects (type object, name `Object`) are renamed by shape. `inferInterfaceDefinitions`:
 *   per plain object, its `property` edges in edge order, `__proto__` skipped (V8 writes no edge
 *   for Smi-valued or unboxed-double fields, so `{id: 1, name: 's'}` is `{name}`), named `{a, b}`
 *   (a name with `,'"{}` in it is written JSON-quoted), a property not added once the name would
 *   pass 120 characters (the first is always added); objects with no such property give no
 *   candidate; candidates seen at least max(2, plainObjects / 1000) times are kept, most seen
 *   first. Each plain object gets the kept definition whose property set is a subset of its own
 *   property names, with the most properties (ties: the earlier, more seen one); none -> `Object`.
 * - Rows are keyed by `classKeyInternal()` (the classKey, not shown): for `object` nodes with an
 *   entry in the snapshot's `locations` (objects made by a constructor, e.g. `Socket`)
 *   `scriptId,line,column,className`; for all others `,className`. So two rows can show the same
 *   name (two constructors named alike, or a name with and without a location). The Map
 *   exports here merge such rows by name (summing); `*Rows` keep them apart with their keys.
 * - Diff: classKeys of the base (classified with the newer snapshot's shape definitions) and of
 *   the newer snapshot (its own); per key, both lists sorted by node id and matched by id only:
 *   an id only in base is deleted (removedSize += its self size in the base, after shallow-size
 *   moving there), only in the newer one is new. Neither type nor name is compared: an object
 *   that changed class (e.g. a plain object whose shape changed) is deleted from one row and new
 *   in another. Rows with nothing added or deleted are left out. countDelta = addedCount -
 *   removedCount, sizeDelta = addedSize - removedSize. The row's name is the newer snapshot's
 *   when the key exists there, else the base's.
 * - Distance (`JSHeapSnapshot.calculateDistances`): BFS from the root's non-synthetic children
 *   (in Node: `global`, distance 1) over non-weak edges, except a NativeContext's
 *   `sloppy_function_map`, descriptor-array slots (index >= 2 with index % 3 === 1) and the first
 *   edge seen of each WeakMap ephemeron pair; then from the root (distance 100000000) for the
 *   rest; never reached: -5.
 * - Retained sizes: Lengauer-Tarjan dominators from the root over "essential" edges only: not
 *   weak, not self edges, not `shortcut` edges except the root's, not the WeakMap table's
 *   internal edge to a value (the key's edge stays), and not an edge from a node that is not
 *   "page-owned" into a page-owned one (page-owned: reachable over non-weak edges from the
 *   root's shortcut edges and `(Document DOM trees)`: in Node, everything reachable from
 *   `global`). Self sizes are the moved ones.
 */
import {createHash} from 'node:crypto';
import {createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {MessageChannel, type MessagePort} from 'node:worker_threads';
import {dirname, join, posix} from 'node:path';
import {pathToFileURL} from 'node:url';
import type TS from 'typescript';
import {repoRoot} from './paths.js';

/** DevTools' Summary row for one class key (AggregatedInfo). */
interface Aggregate {
	count: number;
	distance: number;
	self: number;
	maxRet: number;
	name: string;
	idxs: number[];
}

interface AggregateForDiff {
	name: string;
	indexes: number[];
	ids: number[];
	selfSizes: number[];
}

/** DevTools' Comparison row (HeapSnapshotModel.Diff). */
type Diff = Omit<DiffRow, 'classKey'>;

interface ObjectInfo {
	id: number;
	name: string;
	type: string;
	nodeIndex: number;
	selfSize: number;
	retainedSize: number;
	distance: number;
	edgeCount: number;
	retainerCount: number;
}

interface SnapshotNode {
	nodeIndex: number;
	id(): number;
	name(): string;
	type(): string;
	distance(): number;
	retainers(): ItemIterator<RetainerEdge>;
}

interface RetainerEdge {
	name(): string;
	type(): string;
	node(): SnapshotNode;
}

interface ItemIterator<T> {
	hasNext(): boolean;
	next(): void;
	item(): T;
}

/** The part of DevTools' JSHeapSnapshot used here. */
interface JSHeapSnapshot {
	aggregatesWithFilter(filter: object): Record<string, Aggregate>;
	interfaceDefinitions(): string;
	aggregatesForDiff(interfaceDefinitions: string): Record<string, AggregateForDiff>;
	calculateSnapshotDiff(baseSnapshotId: number, base: Record<string, AggregateForDiff>): Record<string, Diff>;
	nodeIndexForId(nodeId: number): number | undefined;
	getObjectInfo(nodeIndex: number): ObjectInfo;
	createNode(nodeIndex: number): SnapshotNode;
	retainingEdgesFilter(): (edge: RetainerEdge) => boolean;
}

interface Loader {
	write(chunk: string): void;
	close(): void;
	buildSnapshot(secondWorker: MessagePort): Promise<JSHeapSnapshot>;
}

interface DevtoolsModules {
	HeapSnapshotLoader: new (dispatcher?: undefined) => Loader;
	SecondaryInitManager: new (port: MessagePort) => unknown;
	NodeFilter: new () => object;
}

/** What the Summary view shows for one class name. */
export interface SummaryEntry {
	count: number;
	selfSize: number;
}

export interface SummaryRow extends SummaryEntry {
	/** DevTools' class key: `,Name`, or `scriptId,line,column,Name` for objects with a location. */
	classKey: string;
	name: string;
	/** The class's retained size (DevTools' `maxRet`). */
	retainedSize: number;
	distance: number;
}

/** What the Comparison view shows for one class name. */
export interface DiffEntry {
	addedCount: number;
	removedCount: number;
	addedSize: number;
	removedSize: number;
	countDelta: number;
	sizeDelta: number;
}

export interface DiffRow extends DiffEntry {
	classKey: string;
	name: string;
	addedIds: number[];
	deletedIds: number[];
}

export interface NodeInfo {
	id: number;
	name: string;
	type: string;
	selfSize: number;
	retainedSize: number;
	distance: number;
}

export interface RetainerStep {
	/** The retaining node (nearer the root than the one before it in the path). */
	id: number;
	name: string;
	type: string;
	/** The edge from this node to the next one in the path (the object itself at the end). */
	edgeName: string;
	edgeType: string;
}

/** ChunkedFileReader's chunk in HeapSnapshotView.ts. */
const chunkBytes = 10_000_000;

const entryFiles = ['entrypoints/heap_snapshot_worker/HeapSnapshotLoader.ts', 'entrypoints/heap_snapshot_worker/HeapSnapshot.ts', 'models/heap_snapshot/HeapSnapshotModel.ts'];

/**
 * Files written here instead of taken from the package. Each is a module DevTools' own build
 * makes or trims; none changes what the heap snapshot code computes.
 */
const providedFiles: Record<string, string> = {
	// Generated by DevTools' build (core/i18n/generate-locales-js.js) and absent from the npm
	// package: the same five exports, English only.
	'core/i18n/locales.js': [
		"export const LOCALES = ['en-US'];",
		"export const BUNDLED_LOCALES = ['en-US'];",
		"export const DEFAULT_LOCALE = 'en-US';",
		"export const REMOTE_FETCH_PATTERN = '@HOST@/remote/serve_file/@VERSION@/core/i18n/locales/@LOCALE@.json';",
		"export const LOCAL_FETCH_PATTERN = './locales/@LOCALE@.json';",
		'',
	].join('\n'),
	// The text_utils barrel also re-exports CodeMirror and Markdown helpers, whose bundles
	// (third_party/codemirror.next, marked) the heap snapshot worker never uses;
	// HeapSnapshotLoader, its only importer here, uses TextUtils.BalancedJSONTokenizer.
	'core/text_utils/text_utils.js': "export * as TextUtils from './TextUtils.js';\n",
};

/** As tsconfig JSON (hashed into the cache name before TypeScript is loaded). */
const compilerOptions = {
	module: 'esnext',
	target: 'es2022',
	// As DevTools' tsconfig.base.json: const enums stay objects other files can import.
	preserveConstEnums: true,
	experimentalDecorators: true,
};

type Typescript = typeof TS;

/** The modules a JS module loads: imports, re-exports (`export * as X from` too) and `import()` of a string. */
function importsOf(ts: Typescript, js: string, fileName: string): string[] {
	const specifiers: string[] = [];
	const visit = (node: TS.Node): void => {
		if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
			specifiers.push(node.moduleSpecifier.text);
		} else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
			specifiers.push(node.arguments[0].text);
		}
		ts.forEachChild(node, visit);
	};
	visit(ts.createSourceFile(fileName, js, ts.ScriptTarget.ES2022, false, ts.ScriptKind.JS));
	return specifiers;
}

/** Transpiles the entry files and everything they import, keyed by output path relative to front_end. */
function transpileClosure(ts: Typescript, frontEnd: string): Map<string, string> {
	const options = ts.convertCompilerOptionsFromJson(compilerOptions, frontEnd).options;
	const out = new Map<string, string>();
	const queue = [...entryFiles];
	const seen = new Set<string>(queue);
	while (queue.length > 0) {
		const source = queue.pop()!;
		const provided = providedFiles[source];
		const text = provided ?? readFileSync(join(frontEnd, source), 'utf8');
		const js = source.endsWith('.ts') ? ts.transpileModule(text, {compilerOptions: options, fileName: source}).outputText : text;
		out.set(source.replace(/\.ts$/, '.js'), js);
		for (const specifier of importsOf(ts, js, source)) {
			if (specifier.startsWith('node:')) continue;
			if (!specifier.startsWith('.')) throw new Error(`DevTools file ${source} imports the package ${specifier}, which this helper does not provide`);
			const target = posix.normalize(posix.join(posix.dirname(source), specifier));
			const resolved = providedFiles[target] !== undefined ? target : [target.replace(/\.js$/, '.ts'), target].find(candidate => existsSync(join(frontEnd, candidate)));
			if (resolved === undefined) throw new Error(`DevTools file ${source} imports ${specifier}, which is not in the package`);
			if (!seen.has(resolved)) {
				seen.add(resolved);
				queue.push(resolved);
			}
		}
	}
	return out;
}

function versionOf(require: NodeJS.Require, name: string): string {
	return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as {version: string}).version;
}

/** Directory of the transpiled files; built on first use, reused after. */
async function ensureBuilt(): Promise<string> {
	const require = createRequire(join(repoRoot, 'package.json'));
	const version = versionOf(require, 'chrome-devtools-frontend');
	// Any change to how the files are made gets a fresh directory.
	const recipe = createHash('sha256')
		.update(JSON.stringify([versionOf(require, 'typescript'), compilerOptions, entryFiles, providedFiles]))
		.digest('hex')
		.slice(0, 10);
	const cacheParent = join(repoRoot, 'node_modules', '.cache');
	const dir = join(cacheParent, `leaktop-devtools-${version}-${recipe}`);
	if (existsSync(dir)) return dir;

	// Loaded only to build: it takes over a second to import.
	const ts = (await import('typescript')).default;
	const files = transpileClosure(ts, join(dirname(require.resolve('chrome-devtools-frontend/package.json')), 'front_end'));
	mkdirSync(cacheParent, {recursive: true});
	const temporary = mkdtempSync(`${dir}.tmp-`);
	try {
		// Under node_modules Node looks no further up for a package.json: say these are ES modules.
		writeFileSync(join(temporary, 'package.json'), '{"type": "module"}\n');
		for (const [path, js] of files) {
			mkdirSync(dirname(join(temporary, path)), {recursive: true});
			writeFileSync(join(temporary, path), js);
		}
		try {
			renameSync(temporary, dir);
		} catch (error) {
			// Another process renamed its whole copy first: use that one.
			if (!existsSync(dir)) throw error;
		}
	} finally {
		rmSync(temporary, {recursive: true, force: true});
	}
	return dir;
}

function installNode20Shims(): void {
	// Node 22 has it; DevTools' loader and second worker call it on every load.
	if (typeof (Promise as {withResolvers?: unknown}).withResolvers === 'function') return;
	Object.defineProperty(Promise, 'withResolvers', {
		configurable: true,
		writable: true,
		value: function withResolvers<T>(this: PromiseConstructor) {
			let resolve!: (value: T | PromiseLike<T>) => void;
			let reject!: (reason?: unknown) => void;
			const promise = new this<T>((res, rej) => {
				resolve = res;
				reject = rej;
			});
			return {promise, resolve, reject};
		},
	});
}

let modules: Promise<DevtoolsModules> | undefined;

/** Transpiles on first call (in this process and on this machine), then imports. */
export function loadDevtools(): Promise<DevtoolsModules> {
	modules ??= (async () => {
		installNode20Shims();
		const dir = await ensureBuilt();
		const url = (path: string) => pathToFileURL(join(dir, path)).href;
		const [loader, snapshot, model] = await Promise.all([
			import(url('entrypoints/heap_snapshot_worker/HeapSnapshotLoader.js')) as Promise<{HeapSnapshotLoader: DevtoolsModules['HeapSnapshotLoader']}>,
			import(url('entrypoints/heap_snapshot_worker/HeapSnapshot.js')) as Promise<{SecondaryInitManager: DevtoolsModules['SecondaryInitManager']}>,
			import(url('models/heap_snapshot/HeapSnapshotModel.js')) as Promise<{NodeFilter: DevtoolsModules['NodeFilter']}>,
		]);
		return {HeapSnapshotLoader: loader.HeapSnapshotLoader, SecondaryInitManager: snapshot.SecondaryInitManager, NodeFilter: model.NodeFilter};
	})();
	return modules;
}

/** Lists of the loads in progress; DevTools' problem reports go there instead of to the console. */
const collecting = new Set<string[]>();
let consoleWarn: typeof console.warn | undefined;

/**
 * DevTools reports a broken graph (unreachable nodes, nodes with only weak retainers) with
 * `console.warn('Heap snapshot: ...')` (HeapSnapshot.ts, startInitStep1InSecondThread); every
 * real Node snapshot has some. Collected per load rather than printed into the test output.
 */
function collectProblems(into: string[]): () => void {
	if (collecting.size === 0) {
		const original = console.warn;
		consoleWarn = original;
		console.warn = (...args: unknown[]) => {
			if (typeof args[0] === 'string' && args[0].startsWith('Heap snapshot: ')) for (const list of collecting) list.push(args[0]);
			else original(...args);
		};
	}
	collecting.add(into);
	return () => {
		collecting.delete(into);
		if (collecting.size === 0 && consoleWarn) {
			console.warn = consoleWarn;
			consoleWarn = undefined;
		}
	};
}

let nextSnapshotUid = 1;

/** One snapshot loaded by DevTools' code; keep it only as long as needed (it holds the whole graph). */
export class DevtoolsSnapshot {
	readonly uid = nextSnapshotUid++;

	private constructor(
		readonly path: string,
		private readonly snapshot: JSHeapSnapshot,
		private readonly devtools: DevtoolsModules,
		/** DevTools' problem reports from loading (e.g. nodes unreachable from the root), which it would print. */
		readonly problems: readonly string[],
	) {}

	static async load(path: string): Promise<DevtoolsSnapshot> {
		const devtools = await loadDevtools();
		const problems: string[] = [];
		const stopCollecting = collectProblems(problems);
		const channel = new MessageChannel();
		try {
			const loader = new devtools.HeapSnapshotLoader(undefined);
			const stream = createReadStream(path, {highWaterMark: chunkBytes, encoding: 'utf8'});
			for await (const chunk of stream) loader.write(chunk as string);
			loader.close();
			new devtools.SecondaryInitManager(channel.port2);
			return new DevtoolsSnapshot(path, await loader.buildSnapshot(channel.port1), devtools, problems);
		} finally {
			// Both ends, or the open ports keep the test process alive.
			channel.port1.close();
			stopCollecting();
		}
	}

	/** The Summary view's rows, one per DevTools class key. */
	summaryRows(): SummaryRow[] {
		const aggregates = this.snapshot.aggregatesWithFilter(new this.devtools.NodeFilter());
		return Object.entries(aggregates).map(([classKey, a]) => ({classKey, name: a.name, count: a.count, selfSize: a.self, retainedSize: a.maxRet, distance: a.distance}));
	}

	/** Ids of the Summary's instances of a class name (all rows of that name), in DevTools' order. */
	instanceIds(name: string): number[] {
		const aggregates = this.snapshot.aggregatesWithFilter(new this.devtools.NodeFilter());
		return Object.values(aggregates)
			.filter(aggregate => aggregate.name === name)
			.flatMap(aggregate => aggregate.idxs.map(index => this.snapshot.createNode(index).id()));
	}

	/** The Summary by class name as shown (rows with the same name summed). */
	summary(): Map<string, SummaryEntry> {
		const byName = new Map<string, SummaryEntry>();
		for (const row of this.summaryRows()) {
			const entry = byName.get(row.name) ?? {count: 0, selfSize: 0};
			entry.count += row.count;
			entry.selfSize += row.selfSize;
			byName.set(row.name, entry);
		}
		return byName;
	}

	/** The Comparison view's rows with `base` as the baseline, one per class key. */
	diffRows(base: DevtoolsSnapshot): DiffRow[] {
		const baseAggregates = base.snapshot.aggregatesForDiff(this.snapshot.interfaceDefinitions());
		const diffs = this.snapshot.calculateSnapshotDiff(base.uid, baseAggregates);
		return Object.entries(diffs).map(([classKey, d]) => ({
			classKey,
			name: d.name,
			addedCount: d.addedCount,
			removedCount: d.removedCount,
			addedSize: d.addedSize,
			removedSize: d.removedSize,
			countDelta: d.countDelta,
			sizeDelta: d.sizeDelta,
			addedIds: d.addedIds,
			deletedIds: d.deletedIds,
		}));
	}

	/** The Comparison by class name as shown (rows with the same name summed). */
	diff(base: DevtoolsSnapshot): Map<string, DiffEntry> {
		const byName = new Map<string, DiffEntry>();
		for (const row of this.diffRows(base)) {
			const entry = byName.get(row.name) ?? {addedCount: 0, removedCount: 0, addedSize: 0, removedSize: 0, countDelta: 0, sizeDelta: 0};
			entry.addedCount += row.addedCount;
			entry.removedCount += row.removedCount;
			entry.addedSize += row.addedSize;
			entry.removedSize += row.removedSize;
			entry.countDelta += row.countDelta;
			entry.sizeDelta += row.sizeDelta;
			byName.set(row.name, entry);
		}
		return byName;
	}

	/** A node's facts as DevTools computes them (`getObjectInfo`); null if no node has that id. */
	node(nodeId: number): NodeInfo | null {
		const index = this.snapshot.nodeIndexForId(nodeId);
		if (index === undefined) return null;
		const {id, name, type, selfSize, retainedSize, distance} = this.snapshot.getObjectInfo(index);
		return {id, name, type, selfSize, retainedSize, distance};
	}

	/**
	 * One shortest retainer path to a node, root side first: from the node, repeatedly a retainer
	 * one step nearer (DevTools' distance), over edges its Retainers view keeps
	 * (`retainingEdgesFilter`: not weak, not invisible, not from the root). Where several retainers
	 * are equally near, the first in DevTools' retainer order is taken: compare lengths, or check
	 * that each step is an edge, rather than expecting the same path. Null if no node has that id
	 * or it is not reachable from a user root (the root's non-synthetic children, distance 1).
	 */
	retainerPath(nodeId: number): RetainerStep[] | null {
		const index = this.snapshot.nodeIndexForId(nodeId);
		if (index === undefined) return null;
		const keep = this.snapshot.retainingEdgesFilter();
		const path: RetainerStep[] = [];
		let node = this.snapshot.createNode(index);
		while (node.distance() > 1) {
			let step: RetainerEdge | undefined;
			for (const it = node.retainers(); it.hasNext(); it.next()) {
				const edge = it.item();
				if (keep(edge) && edge.node().distance() === node.distance() - 1) {
					step = edge;
					break;
				}
			}
			if (step === undefined) return null;
			const retainer = step.node();
			path.unshift({id: retainer.id(), name: retainer.name(), type: retainer.type(), edgeName: step.name(), edgeType: step.type()});
			node = this.snapshot.createNode(retainer.nodeIndex);
		}
		return node.distance() === 1 ? path : null;
	}
}

/** DevTools' Summary of one file, by class name as shown (see the header for the semantics). */
export async function devtoolsSummary(path: string): Promise<Map<string, SummaryEntry>> {
	return (await DevtoolsSnapshot.load(path)).summary();
}

/** DevTools' Comparison of `path` against the baseline `basePath`, by class name as shown. */
export async function devtoolsDiff(basePath: string, path: string): Promise<Map<string, DiffEntry>> {
	const base = await DevtoolsSnapshot.load(basePath);
	const next = await DevtoolsSnapshot.load(path);
	return next.diff(base);
}

/** DevTools' retained size of one node (by snapshot node id); null if there is no such node. */
export async function devtoolsRetainedSize(path: string, nodeId: number): Promise<number | null> {
	return (await DevtoolsSnapshot.load(path)).node(nodeId)?.retainedSize ?? null;
}
