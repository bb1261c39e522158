import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test, type TestContext} from 'node:test';
import {promisify} from 'node:util';
import {parseHeadroom, readHeadroom} from '../../src/inspector/headroom.js';
import {InspectorSession} from '../../src/inspector/session.js';
import {normalizeLimit} from '../../src/inspector/target-facts.js';
import {type CapturedSnapshot, captureSnapshot, SnapshotAbandonedError, SnapshotError, SnapshotHeaderReader, type SnapshotProgress} from '../../src/inspector/snapshot.js';
import {cannotLimitMemoryReason, limitMemory, type MemoryLimit} from '../helpers/cgroup.js';
import {startProxy} from '../helpers/proxy.js';
import {httpGet, startTarget, type Target} from '../helpers/target.js';
import {waitFor} from '../helpers/wait.js';

const run = promisify(execFile);

const goneMessage = /^the target went away during the heap snapshot \(it likely ran out of memory: a snapshot needs several times the heap\); the partial file was removed$/;

interface Snapshot {
	snapshot: {meta: {node_fields: string[]; edge_fields: string[]}; node_count: number; edge_count: number};
	nodes: number[];
	edges: number[];
}

/** Parses a written snapshot and checks it is whole: the counts in its header match its arrays. */
async function readSnapshot(path: string): Promise<Snapshot> {
	const parsed = JSON.parse(await readFile(path, 'utf8')) as Snapshot;
	assert.equal(parsed.nodes.length, parsed.snapshot.node_count * parsed.snapshot.meta.node_fields.length);
	assert.equal(parsed.edges.length, parsed.snapshot.edge_count * parsed.snapshot.meta.edge_fields.length);
	return parsed;
}

async function assertServes(target: Target): Promise<void> {
	let answer: string;
	try {
		answer = await httpGet(target.httpPort!, '/');
	} catch (error) {
		// Say how the target went, for a failure seen only on another machine.
		const exit = await Promise.race([target.exited, new Promise(resolve => setTimeout(resolve, 2000, 'still running'))]);
		assert.fail(`the target does not serve (${String(error)}; exit: ${JSON.stringify(exit)}); its stderr ends:\n${target.stderr().slice(-2000)}`);
	}
	assert.equal(answer, `ok ${target.pid}`);
}

/** Mounts a tmpfs of `size` on `dir` (root only, and not in every container); null when that is not allowed. */
async function mountTmpfs(dir: string, options: string): Promise<string | null> {
	try {
		await run('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
		return null;
	} catch (error) {
		return `cannot mount a tmpfs here (${String((error as {stderr?: string}).stderr ?? error).trim()})`;
	}
}

describe('snapshot header and headroom parsing', () => {
	const head = '{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count","trace_node_id","detachedness"],"edge_fields":["type","name_or_index","to_node"]},"node_count":1949350,"edge_count":5919659,"trace_function_count":0},\n"nodes":[9,1,1,0,12';

	test('node and edge counts are read however the header is cut into chunks', () => {
		for (let cut = 0; cut <= head.length; cut++) {
			const reader = new SnapshotHeaderReader();
			reader.add(head.slice(0, cut));
			reader.add(head.slice(cut));
			assert.deepEqual([reader.nodeCount, reader.edgeCount], [1949350, 5919659], `cut at ${cut}`);
		}
		const byChar = new SnapshotHeaderReader();
		for (const char of head) byChar.add(char);
		assert.deepEqual([byChar.nodeCount, byChar.edgeCount], [1949350, 5919659]);
	});

	test('a header without counts gives null, and reading stops after a bounded prefix', () => {
		const reader = new SnapshotHeaderReader();
		reader.add('{"snapshot":{"meta":{}},"nodes":[1,2,3');
		reader.add(',"node_count":5,"edge_count":6,');
		assert.deepEqual([reader.nodeCount, reader.edgeCount], [null, null]);
		const long = new SnapshotHeaderReader();
		for (let i = 0; i < 20; i++) long.add('x'.repeat(100_000));
		long.add('"node_count":5,"edge_count":6,');
		assert.deepEqual([long.nodeCount, long.edgeCount], [null, null]);
	});

	test('headroom: no limit and unknown free memory are null; a malformed answer is an error', () => {
		assert.deepEqual(parseHeadroom([10, 20, 2 ** 64, 30]), {heapUsed: 10, rss: 20, containerLimit: null, freeMemory: 30});
		assert.deepEqual(parseHeadroom([10, 20, 512e6, null]), {heapUsed: 10, rss: 20, containerLimit: 512e6, freeMemory: null});
		assert.throws(() => parseHeadroom({heapUsed: 1}), /malformed memory reading/);
	});
});

describe('heap snapshot capture', () => {
	let target: Target;
	let session: InspectorSession;
	let dir: string;
	const mounts: string[] = [];
	before(async () => {
		target = await startTarget('server');
		// A few MB of small objects: a snapshot of a few MB, some dozens of chunks.
		await httpGet(target.httpPort!, '/retain?mb=2');
		session = await InspectorSession.connect(target.webSocketUrl);
		dir = await mkdtemp(join(tmpdir(), 'leaktop-snapshot-'));
	});
	after(async () => {
		await session?.close();
		await target?.kill();
		for (const mount of mounts) await run('umount', [mount]).catch(() => undefined);
		if (dir) await rm(dir, {recursive: true, force: true});
	});

	test('streams the snapshot to a 0600 file, reports both phases, and renames the .part at the end', async () => {
		const path = join(dir, 'ok.heapsnapshot');
		const progress: SnapshotProgress[] = [];
		let partSeen = false;
		const result = await captureSnapshot(session, {
			path,
			onProgress(p) {
				progress.push(p);
				if (p.phase === 'writing') partSeen ||= existsSync(`${path}.part`) && !existsSync(path);
			},
		});
		assert.equal(result.path, path);
		assert.ok(partSeen, 'chunks go to the .part file while the capture runs');
		assert.equal(existsSync(`${path}.part`), false);
		const info = await stat(path);
		assert.equal(info.mode & 0o777, 0o600);
		assert.equal(result.bytes, info.size);
		const parsed = await readSnapshot(path);
		assert.equal(result.nodeCount, parsed.snapshot.node_count);
		assert.equal(result.edgeCount, parsed.snapshot.edge_count);
		assert.ok(result.nodeCount! > 20_000, `node count ${result.nodeCount}`);
		assert.ok(result.pauseMs > 0);

		const building = progress.filter(p => p.phase === 'building');
		const writing = progress.filter(p => p.phase === 'writing');
		assert.ok(building.length >= 2, `building events: ${building.length}`);
		assert.ok(building.every(p => p.total > 0 && p.done <= p.total));
		assert.ok(writing.length >= 2, `writing events: ${writing.length}`);
		assert.equal(writing.at(-1)!.bytes, info.size);
		assert.ok(writing.every((p, i) => i === 0 || p.bytes > writing[i - 1]!.bytes), 'bytes only grow');
		assert.ok(progress.findIndex(p => p.phase === 'writing') > progress.findLastIndex(p => p.phase === 'building'), 'building, then writing');
	});

	test('one capture at a time: a second is refused at once, the first completes, and a third works after it', async () => {
		const first = captureSnapshot(session, {path: join(dir, 'first.heapsnapshot')});
		await assert.rejects(captureSnapshot(session, {path: join(dir, 'second.heapsnapshot')}), (error: unknown) => {
			assert.ok(error instanceof SnapshotError);
			assert.equal(error.message, 'a heap snapshot is already being taken');
			return true;
		});
		assert.equal(existsSync(join(dir, 'second.heapsnapshot.part')), false, 'the refused capture created nothing');
		const done = await first;
		assert.ok(done.bytes > 0);
		const third = await captureSnapshot(session, {path: join(dir, 'third.heapsnapshot')});
		assert.ok(third.bytes > 0);
		assert.equal(existsSync(join(dir, 'second.heapsnapshot')), false);
	});

	test('headroom: heapUsed and rss of the target, free memory, no container limit outside one', async () => {
		const headroom = await readHeadroom(session);
		assert.ok(headroom.heapUsed > 1e6 && headroom.rss > headroom.heapUsed, JSON.stringify(headroom));
		assert.ok(headroom.freeMemory !== null && headroom.freeMemory > 0);
		// The target runs in this test's cgroup, so it sees the same limit, or none.
		assert.equal(headroom.containerLimit, normalizeLimit(process.constrainedMemory()));
	});

	test('an unwritable directory is refused before the target stops, and the next capture works', async () => {
		const file = join(dir, 'a-file');
		await writeFile(file, 'not a directory');
		const path = join(file, 'snap.heapsnapshot');
		await assert.rejects(captureSnapshot(session, {path}), {
			name: 'SnapshotError',
			message: `cannot write the heap snapshot to ${path}: a part of the path is not a directory`,
		});
		await assertServes(target);
		const next = await captureSnapshot(session, {path: join(dir, 'after-failure.heapsnapshot')});
		assert.ok(next.bytes > 0);
	});

	test('an existing file is never overwritten', async () => {
		const path = join(dir, 'exists.heapsnapshot');
		await writeFile(path, 'keep me');
		await assert.rejects(captureSnapshot(session, {path}), {message: `cannot write the heap snapshot to ${path}: the file already exists`});
		assert.equal(await readFile(path, 'utf8'), 'keep me');
	});

	test('a read-only file system is refused with a clear error', async (t: TestContext) => {
		const mount = join(dir, 'readonly');
		await mkdir(mount);
		const skip = await mountTmpfs(mount, 'size=1m,ro');
		if (skip) return t.skip(skip);
		mounts.push(mount);
		const path = join(mount, 'snap.heapsnapshot');
		await assert.rejects(captureSnapshot(session, {path}), {message: `cannot write the heap snapshot to ${path}: read-only file system`});
		await assertServes(target);
	});

	test('a full disk: the capture fails with "no space left on device", the partial is removed, the target serves', async (t: TestContext) => {
		const mount = join(dir, 'small');
		await mkdir(mount);
		const skip = await mountTmpfs(mount, 'size=2m,mode=0700');
		if (skip) return t.skip(skip);
		mounts.push(mount);
		const path = join(mount, 'snap.heapsnapshot');
		let written = 0;
		await assert.rejects(
			captureSnapshot(session, {
				path,
				onProgress(p) {
					if (p.phase === 'writing') written = p.bytes;
				},
			}),
			(error: unknown) => {
				assert.ok(error instanceof SnapshotError);
				assert.equal(error.message, `cannot write the heap snapshot to ${path}: no space left on device; the partial file was removed`);
				return true;
			},
		);
		assert.ok(written > 1e6, `about the disk's size was written first (${written} bytes)`);
		assert.deepEqual(await readdir(mount), []);
		await assertServes(target);
		// The target finished its snapshot and the session is usable for the next one.
		assert.ok((await captureSnapshot(session, {path: join(dir, 'after-full.heapsnapshot')})).bytes > 0);
	});

	test('abandoning after the first chunk removes the partial at once and rejects once the target is done', async () => {
		const path = join(dir, 'abandoned.heapsnapshot');
		const controller = new AbortController();
		let partGoneAtAbort: boolean | undefined;
		let chunksAfterAbort = 0;
		const capture = captureSnapshot(session, {
			path,
			signal: controller.signal,
			onProgress(p) {
				if (p.phase !== 'writing') return;
				if (controller.signal.aborted) chunksAfterAbort++;
				else {
					controller.abort();
					partGoneAtAbort = !existsSync(`${path}.part`);
				}
			},
		});
		await assert.rejects(capture, (error: unknown) => {
			assert.ok(error instanceof SnapshotAbandonedError);
			assert.equal(error.message, 'heap snapshot abandoned: the partial file was removed (the target still finished its pause)');
			return true;
		});
		assert.equal(partGoneAtAbort, true, 'the partial is removed when the abandon is asked for');
		assert.equal(chunksAfterAbort, 0, 'no progress after the abandon');
		assert.equal(existsSync(`${path}.part`), false);
		assert.equal(existsSync(path), false);
		await assertServes(target);
		await assert.rejects(captureSnapshot(session, {path, signal: controller.signal}), SnapshotAbandonedError);
		assert.equal(existsSync(`${path}.part`), false, 'an already aborted signal starts nothing');
	});

	test('a capture that outlives its deadline is abandoned; its late chunks never reach the next file', async () => {
		const path = join(dir, 'late.heapsnapshot');
		await assert.rejects(captureSnapshot(session, {path, timeoutMs: 50}), {
			name: 'SnapshotError',
			message: 'the heap snapshot did not finish within 50 ms; the partial file was removed (the target may still be busy with it)',
		});
		assert.equal(existsSync(`${path}.part`), false);
		let next: CapturedSnapshot | undefined;
		await waitFor(
			async () => {
				try {
					next = await captureSnapshot(session, {path: join(dir, 'after-late.heapsnapshot')});
					return true;
				} catch (error) {
					assert.match(String(error), /still busy with the heap snapshot that timed out/);
					return false;
				}
			},
			{timeoutMs: 30_000, what: 'a capture after the late one'},
		);
		const parsed = await readSnapshot(next!.path);
		assert.equal(next!.nodeCount, parsed.snapshot.node_count);
	});

	test('a connection dropped mid-stream rejects and removes the partial; the target keeps serving', async () => {
		const proxy = await startProxy(target.port);
		const proxied = await InspectorSession.connect(target.webSocketUrl.replace(`:${target.port}/`, `:${proxy.port}/`));
		try {
			const path = join(dir, 'dropped.heapsnapshot');
			await assert.rejects(
				captureSnapshot(proxied, {
					path,
					onProgress(p) {
						if (p.phase === 'writing') proxy.drop();
					},
				}),
				(error: unknown) => {
					assert.ok(error instanceof SnapshotError && !(error instanceof SnapshotAbandonedError));
					assert.match(error.message, goneMessage);
					return true;
				},
			);
			assert.equal(existsSync(`${path}.part`), false);
			assert.equal(existsSync(path), false);
			await assertServes(target);
			await assert.rejects(captureSnapshot(proxied, {path}), {message: 'cannot take a heap snapshot: the connection to the target is closed'});
		} finally {
			await proxied.close();
			await proxy.close();
		}
	});

	test('leaktop closing its own session mid-capture is an abandon, not an out-of-memory', async () => {
		const own = await InspectorSession.connect(target.webSocketUrl);
		const path = join(dir, 'detached.heapsnapshot');
		await assert.rejects(
			captureSnapshot(own, {
				path,
				onProgress(p) {
					if (p.phase === 'writing') void own.close();
				},
			}),
			(error: unknown) => {
				assert.ok(error instanceof SnapshotAbandonedError);
				assert.equal(error.message, 'heap snapshot abandoned: leaktop detached; the partial file was removed');
				return true;
			},
		);
		assert.equal(existsSync(`${path}.part`), false);
		await waitFor(async () => (await httpGet(target.httpPort!, '/')) === `ok ${target.pid}`, {what: 'the target serving'});
	});
});

describe('heap snapshot of a target that dies', () => {
	let target: Target | undefined;
	let dir: string;
	before(async () => {
		dir = await mkdtemp(join(tmpdir(), 'leaktop-snapshot-kill-'));
	});
	after(async () => {
		await target?.kill();
		await rm(dir, {recursive: true, force: true});
	});

	test('killed mid-capture (as an OOM kill does): rejects saying it likely ran out of memory, no partial left', async () => {
		target = await startTarget('server');
		// ~400k small objects: the snapshot takes seconds to build, time enough to kill it.
		await httpGet(target.httpPort!, '/retain?mb=10');
		const session = await InspectorSession.connect(target.webSocketUrl);
		const path = join(dir, 'killed.heapsnapshot');
		let killedAt: SnapshotProgress | undefined;
		try {
			await assert.rejects(
				captureSnapshot(session, {
					path,
					onProgress(p) {
						if (killedAt) return;
						killedAt = p;
						process.kill(target!.pid, 'SIGKILL');
					},
				}),
				(error: unknown) => {
					assert.ok(error instanceof SnapshotError);
					assert.match(error.message, goneMessage);
					return true;
				},
			);
			assert.equal(killedAt?.phase, 'building', 'killed while the snapshot was being built');
			assert.deepEqual(await readdir(dir), []);
			assert.equal((await target.exited).signal, 'SIGKILL');
		} finally {
			await session.close();
		}
	});
});

describe('headroom of a target under a container limit', () => {
	let target: Target | undefined;
	let limit: MemoryLimit | undefined;
	after(async () => {
		await target?.kill();
		await limit?.remove();
	});

	test('reports the limit as containerLimit, with the heap and rss under it', async (t: TestContext) => {
		const reason = cannotLimitMemoryReason();
		if (reason !== null) return t.skip(reason);
		target = await startTarget('server');
		limit = await limitMemory(target.pid, 512 * 1024 * 1024);
		const session = await InspectorSession.connect(target.webSocketUrl);
		try {
			const headroom = await readHeadroom(session);
			assert.equal(headroom.containerLimit, 512 * 1024 * 1024);
			assert.ok(headroom.rss > headroom.heapUsed && headroom.rss < 512 * 1024 * 1024, JSON.stringify(headroom));
		} finally {
			await session.close();
		}
	});
});
