/**
 * Real heap snapshots for parser and diff tests: pairs of one growing fixture app taken over CDP
 * with leaktop's own `captureSnapshot`, and single hand-made heaps written by `v8.writeHeapSnapshot`.
 */
import {join} from 'node:path';
import {InspectorSession} from '../../src/inspector/session.js';
import {captureSnapshot} from '../../src/inspector/snapshot.js';
import {track} from './processes.js';
import {startTarget} from './target.js';
import {waitFor} from './wait.js';

export interface SnapshotPair {
	/** Taken first. */
	base: string;
	/** Taken once the heap has grown past the base's. */
	next: string;
	/** The fixture's pid (the process is gone when the promise settles); ids are comparable between base and next. */
	pid: number;
}

export interface SnapshotPairOptions {
	/** At least this long between the two snapshots. */
	growMs: number;
	/** And at least this much more live heap (after a full GC) than right after the base snapshot; default 200 kB. */
	minGrowthBytes?: number;
	/** Fixture arguments, e.g. `['--rate', '30']` for a faster leak (see test/fixtures/leaks/common.ts). */
	args?: string[];
	/** Deadline for the growth, beyond `growMs`; default 30 s. */
	timeoutMs?: number;
}

/**
 * Starts `fixture` (e.g. 'leaks/cache'), takes `<name>-base.heapsnapshot` in `dir`, waits until
 * `growMs` have passed and the heap after a full GC is `minGrowthBytes` above what it was just
 * after the base snapshot (V8 collects before a snapshot, so that is a post-GC figure too), takes
 * `<name>-next.heapsnapshot`, and kills the fixture.
 */
export async function snapshotPair(fixture: string, dir: string, {growMs, minGrowthBytes = 200_000, args = [], timeoutMs = 30_000}: SnapshotPairOptions): Promise<SnapshotPair> {
	const target = await startTarget(fixture, {args});
	const name = fixture.replaceAll('/', '-');
	let session: InspectorSession | undefined;
	try {
		session = await InspectorSession.connect(target.webSocketUrl);
		const live = session;
		const base = (await captureSnapshot(live, {path: join(dir, `${name}-base.heapsnapshot`)})).path;
		const startedAt = Date.now();
		const baseUsed = (await live.send('Runtime.getHeapUsage')).usedSize;
		await waitFor(
			async () => {
				if (Date.now() - startedAt < growMs) return false;
				await live.send('HeapProfiler.collectGarbage');
				return (await live.send('Runtime.getHeapUsage')).usedSize >= baseUsed + minGrowthBytes;
			},
			{timeoutMs: growMs + timeoutMs, intervalMs: 200, what: `${fixture}'s heap to grow by ${minGrowthBytes} bytes after a GC (it was ${baseUsed})`},
		);
		const next = (await captureSnapshot(live, {path: join(dir, `${name}-next.heapsnapshot`)})).path;
		return {base, next, pid: target.pid};
	} finally {
		await session?.close();
		await target.kill();
	}
}

let handMade = 0;

/**
 * Runs `node -e script` and ends it with `v8.writeHeapSnapshot` into `dir`; resolves to the file.
 * Whatever the script keeps reachable (globals, or anything still in scope) is in the snapshot.
 */
export async function writeSnapshot(dir: string, script: string, {name = `hand-made-${process.pid}-${++handMade}`, timeoutMs = 30_000} = {}): Promise<string> {
	const path = join(dir, `${name}.heapsnapshot`);
	const child = track(process.execPath, ['-e', `${script}\n;require('node:v8').writeHeapSnapshot(${JSON.stringify(path)});`]);
	let result: {code: number | null; signal: NodeJS.Signals | null} | undefined;
	void child.exited.then(exit => (result = exit));
	try {
		await waitFor(() => result, {timeoutMs, what: `node -e to write ${path}`});
	} finally {
		await child.kill();
	}
	if (result?.code !== 0) throw new Error(`node -e exited with ${result?.code ?? result?.signal} writing ${path}: ${child.stderr().slice(-500)}`);
	return path;
}
