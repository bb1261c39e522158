/**
 * One contender of the diff benchmark (bench/diff.ts), run in a fresh process so that its peak
 * RSS is its own: loads its code, then times one parse of a file or one diff of two, and prints
 * one line `leaktop-bench-result {json}` with the time, this process's peak RSS
 * (`process.resourceUsage().maxRSS`, over its whole life: module loading included) and, for a
 * diff, its rows by class name for the agreement check, then exits.
 *
 *   node dist/bench/diff-contender.js KIND FILE [FILE2]
 *
 * KIND: leaktop-parse, leaktop-diff, devtools-parse, devtools-diff, memlab-parse, memlab-parse-both.
 * memlab is loaded from the benchmark's private prefix, bench/.memlab (see bench/README.md).
 */
import {createRequire} from 'node:module';
import {join} from 'node:path';
import {performance} from 'node:perf_hooks';
import {readHeapSnapshot} from '../src/snapshot-reader.js';
import {pathToFileURL} from 'node:url';
import type {ClassDiff} from '../src/model/heap-snapshot/diff.js';
import {SnapshotComparison} from '../src/snapshot-analysis.js';
import {repoRoot} from './lib.js';

export const contenderKinds = ['leaktop-parse', 'leaktop-diff', 'devtools-parse', 'devtools-diff', 'memlab-parse', 'memlab-parse-both'] as const;
export type ContenderKind = (typeof contenderKinds)[number];

/** One class of a diff, by the name shown (rows of one name summed, as DevTools' Comparison view shows them). */
export interface DiffRowByName {
	name: string;
	newCount: number;
	deletedCount: number;
	sizeDelta: number;
}

export interface ContenderResult {
	kind: ContenderKind;
	/** The timed work: parse, or parse both and diff. */
	ms: number;
	/** Loading the contender's own modules before the timer starts. */
	loadMs: number;
	/** Peak RSS of this process, bytes. */
	maxRss: number;
	/** Diffs only. */
	rows?: DiffRowByName[];
	/** leaktop's own check that the two files come from one process (diffs only). */
	comparable?: boolean;
}

export const resultPrefix = 'leaktop-bench-result ';
export const memlabPrefix = join(repoRoot, 'bench/.memlab');

/** The part of @memlab/core used here: its heap snapshot loader (what `getFullHeapFromFile` calls first). */
interface MemlabCore {
	utils: {getSnapshotFromFile(file: string, options: {buildNodeIdIndex: boolean}): Promise<{nodes: {length: number}}>};
}

function loadMemlab(): MemlabCore {
	// CommonJS, installed outside the project's dependencies (it pulls in puppeteer).
	return createRequire(join(memlabPrefix, 'package.json'))('@memlab/core') as MemlabCore;
}

async function time<T>(work: () => Promise<T>): Promise<{ms: number; value: T}> {
	const started = performance.now();
	const value = await work();
	return {ms: performance.now() - started, value};
}

async function run(kind: ContenderKind, files: string[]): Promise<ContenderResult> {
	const [a, b] = files;
	if (a === undefined || ((kind.endsWith('diff') || kind.endsWith('both')) && b === undefined)) throw new Error(`${kind} needs ${kind.endsWith('parse') ? 'a file' : 'two files'}`);
	const loadStarted = performance.now();
	switch (kind) {
		case 'leaktop-parse': {
			const {ms} = await time(() => readHeapSnapshot(a));
			return {kind, ms, loadMs: 0, maxRss: 0};
		}
		case 'leaktop-diff': {
			// What `leaktop diff` runs: both files read at once (one on a worker thread), then the diff.
			const {ms, value: comparison} = await time(() => SnapshotComparison.open(a, b!));
			const diff = comparison.summary();
			const byName = new Map<string, DiffRowByName>();
			// The ids of two processes are not comparable: leaktop then gives only class counts, with no rows to check.
			if (diff.comparable) {
				for (const row of diff.classes as ClassDiff[]) {
					const entry = byName.get(row.name) ?? {name: row.name, newCount: 0, deletedCount: 0, sizeDelta: 0};
					entry.newCount += row.newCount;
					entry.deletedCount += row.deletedCount;
					entry.sizeDelta += row.sizeDelta;
					byName.set(row.name, entry);
				}
			}
			return {kind, ms, loadMs: 0, maxRss: 0, rows: [...byName.values()], comparable: diff.comparable};
		}
		case 'devtools-parse': {
			// Loaded only here, so the other contenders' peak RSS does not include DevTools' modules.
			const {DevtoolsSnapshot, loadDevtools} = await import('../test/helpers/devtools-snapshot.js');
			await loadDevtools();
			const loadMs = performance.now() - loadStarted;
			const {ms} = await time(() => DevtoolsSnapshot.load(a));
			return {kind, ms, loadMs, maxRss: 0};
		}
		case 'devtools-diff': {
			const {DevtoolsSnapshot, loadDevtools} = await import('../test/helpers/devtools-snapshot.js');
			await loadDevtools();
			const loadMs = performance.now() - loadStarted;
			const {ms, value: diff} = await time(async () => {
				const base = await DevtoolsSnapshot.load(a);
				const next = await DevtoolsSnapshot.load(b!);
				return next.diff(base);
			});
			const rows = [...diff].map(([name, d]) => ({name, newCount: d.addedCount, deletedCount: d.removedCount, sizeDelta: d.sizeDelta}));
			return {kind, ms, loadMs, maxRss: 0, rows};
		}
		case 'memlab-parse':
		case 'memlab-parse-both': {
			const memlab = loadMemlab();
			const loadMs = performance.now() - loadStarted;
			const {ms} = await time(async () => {
				const heaps = [await memlab.utils.getSnapshotFromFile(a, {buildNodeIdIndex: true})];
				if (kind === 'memlab-parse-both') heaps.push(await memlab.utils.getSnapshotFromFile(b!, {buildNodeIdIndex: true}));
				// memlab answers null (after printing why) for a file it cannot parse.
				if (heaps.some(heap => !heap || heap.nodes.length === 0)) throw new Error('memlab could not parse the file');
				return heaps;
			});
			return {kind, ms, loadMs, maxRss: 0};
		}
	}
}

async function main(): Promise<void> {
	const [kind, ...files] = process.argv.slice(2);
	if (!(contenderKinds as readonly string[]).includes(kind ?? '')) throw new Error(`the first argument must be one of ${contenderKinds.join(', ')}, not ${kind}`);
	const result = await run(kind as ContenderKind, files);
	// Read last: the peak of the whole process, with everything it parsed still alive.
	result.maxRss = process.resourceUsage().maxRSS * 1024;
	process.stdout.write(`${resultPrefix}${JSON.stringify(result)}\n`);
	// memlab's and DevTools' modules may leave handles open; the measurement is done.
	process.exit(0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	main().catch(error => {
		process.stderr.write(`diff-contender: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
		process.exit(1);
	});
}
