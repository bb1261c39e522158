import assert from 'node:assert/strict';
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test, type TestContext} from 'node:test';
import {LeaktopError} from '../src/errors.js';
import {createSnapshotParser} from '../src/model/heap-snapshot/parser.js';
import {prepareDiffBase} from '../src/model/heap-snapshot/diff.js';
import {type HeapSnapshot, SnapshotFormatError} from '../src/model/heap-snapshot/snapshot.js';
import {readDiffBaseInWorker, readHeapSnapshot, readSnapshotHeader, SnapshotFileError, SnapshotReadAbortedError} from '../src/snapshot-reader.js';
import {writeSnapshot} from './helpers/heap-snapshots.js';
import {type Spawned, track} from './helpers/processes.js';
import {waitFor} from './helpers/wait.js';
import {escapeRegExp} from './helpers/text.js';

const dir = mkdtempSync(join(tmpdir(), 'leaktop-reader-'));
after(() => rmSync(dir, {recursive: true, force: true}));

let path: string;
let bytes: Buffer;
let expected: HeapSnapshot;

before(async () => {
	path = await writeSnapshot(dir, "globalThis.kept = Array.from({length: 1000}, (_, i) => ({i, label: 'label é ' + i}));", {name: 'real'});
	bytes = readFileSync(path);
	const parser = createSnapshotParser();
	parser.feed(bytes);
	expected = parser.finish();
});


const fdDir = '/proc/self/fd';
const openFiles = () => readdirSync(fdDir).length;

function assertSame(actual: HeapSnapshot): void {
	assert.deepEqual(actual.meta, expected.meta);
	assert.equal(actual.nodeCount, expected.nodeCount);
	assert.equal(actual.edgeCount, expected.edgeCount);
	assert.ok(Buffer.from(actual.nodes.buffer, actual.nodes.byteOffset, actual.nodes.byteLength).equals(Buffer.from(expected.nodes.buffer, expected.nodes.byteOffset, expected.nodes.byteLength)), 'nodes');
	assert.ok(Buffer.from(actual.edges.buffer, actual.edges.byteOffset, actual.edges.byteLength).equals(Buffer.from(expected.edges.buffer, expected.edges.byteOffset, expected.edges.byteLength)), 'edges');
	assert.deepEqual(actual.locations, expected.locations);
	assert.equal(actual.strings.count, expected.strings.count);
	for (let i = 0; i < expected.strings.count; i++) if (actual.strings.get(i) !== expected.strings.get(i)) assert.equal(actual.strings.get(i), expected.strings.get(i), `string ${i}`);
}

/**
 * Asserts the read rejects with `kind` and exactly `message` (one line, for the user), and that
 * no file descriptor stays open afterwards.
 */
async function assertRefused(read: () => Promise<unknown>, kind: typeof LeaktopError, message: string | RegExp): Promise<void> {
	const before = existsSync(fdDir) ? openFiles() : null;
	await assert.rejects(read, (error: unknown) => {
		assert.ok(error instanceof kind, `a ${kind.name}, got ${String(error)}`);
		assert.ok(error instanceof LeaktopError);
		assert.ok(!error.message.includes('\n'), `one line: ${error.message}`);
		if (typeof message === 'string') assert.equal(error.message, message);
		else assert.match(error.message, message);
		return true;
	});
	if (before !== null) assert.equal(openFiles(), before, 'the file is closed');
}

describe('reading a snapshot file', () => {
	test('gives the same snapshot as the parser fed the whole file, and reports progress up to the size', async () => {
		const progress: Array<[number, number]> = [];
		const before = existsSync(fdDir) ? openFiles() : null;
		assertSame(await readHeapSnapshot(path, {onProgress: (read, total) => progress.push([read, total])}));
		assert.equal(progress.at(-1)![0], bytes.length);
		assert.ok(progress.every(([, total]) => total === bytes.length));
		assert.ok(progress.every(([read], i) => i === 0 || read > progress[i - 1]![0]), 'growing');
		if (before !== null) assert.equal(openFiles(), before, 'the file is closed');
	});

	test('small chunks read the same snapshot, one progress report per chunk', async () => {
		let reports = 0;
		assertSame(await readHeapSnapshot(path, {chunkBytes: 4093, onProgress: () => reports++}));
		assert.equal(reports, Math.ceil(bytes.length / 4093));
	});

	test('the header alone, without reading the rest', async () => {
		let header = await readSnapshotHeader(path);
		assert.deepEqual(header, {meta: expected.meta, nodeCount: expected.nodeCount, edgeCount: expected.edgeCount});
		const start = bytes.subarray(0, bytes.indexOf('"nodes":') + 20);
		writeFileSync(join(dir, 'start-only.heapsnapshot'), start);
		header = await readSnapshotHeader(join(dir, 'start-only.heapsnapshot'));
		assert.equal(header.nodeCount, expected.nodeCount);
		const missing = join(dir, 'nothing.heapsnapshot');
		await assertRefused(() => readSnapshotHeader(missing), SnapshotFileError, `cannot read ${missing}: no such file`);
	});

	test('an abort closes the file and rejects', async () => {
		const controller = new AbortController();
		let reports = 0;
		await assertRefused(
			() =>
				readHeapSnapshot(path, {
					chunkBytes: 4096,
					signal: controller.signal,
					onProgress: () => {
						if (++reports === 3) controller.abort();
					},
				}),
			SnapshotReadAbortedError,
			`reading ${path} was cancelled`,
		);
		assert.equal(reports, 3, 'no chunk is read after the abort');
		await assertRefused(() => readHeapSnapshot(path, {signal: AbortSignal.abort()}), SnapshotReadAbortedError, `reading ${path} was cancelled`);
	});
});

describe('refusals name the file in one line and leave nothing open', () => {
	const write = (name: string, content: string | Uint8Array) => {
		const file = join(dir, name);
		writeFileSync(file, content);
		return file;
	};

	test('a missing file, a directory, an empty file', async () => {
		const missing = join(dir, 'missing.heapsnapshot');
		await assertRefused(() => readHeapSnapshot(missing), SnapshotFileError, `cannot read ${missing}: no such file`);
		const folder = join(dir, 'folder.heapsnapshot');
		mkdirSync(folder);
		await assertRefused(() => readHeapSnapshot(folder), SnapshotFileError, `${folder} is a directory, not a heap snapshot`);
		const empty = write('empty.heapsnapshot', '');
		await assertRefused(() => readHeapSnapshot(empty), SnapshotFileError, `${empty} is empty, not a heap snapshot`);
		await assertRefused(() => readSnapshotHeader(empty), SnapshotFileError, `${empty} is empty, not a heap snapshot`);
	});

	test('a file without read permission', async (t: TestContext) => {
		const locked = write('locked.heapsnapshot', bytes);
		chmodSync(locked, 0o000);
		if (process.getuid?.() !== 0) {
			await assertRefused(() => readHeapSnapshot(locked), SnapshotFileError, `cannot read ${locked}: permission denied`);
			return;
		}
		// Root reads any file: the reader runs in a child as nobody instead.
		chmodSync(dir, 0o755);
		const script = 'import(process.argv[1]).then(m => m.readHeapSnapshot(process.argv[2])).then(() => console.log("{}"), e => console.log(JSON.stringify({name: e.name, message: e.message})))';
		let child: Spawned;
		try {
			child = track(process.execPath, ['--input-type=module', '-e', script, new URL('../src/snapshot-reader.js', import.meta.url).href, locked], {uid: 65534, gid: 65534});
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'EPERM') return t.skip('this root cannot switch to nobody');
			throw error;
		}
		try {
			const output = await waitFor(() => (child.stdout().includes('\n') ? child.stdout() : null), {timeoutMs: 10_000, what: `the reader's answer as nobody (stderr: ${child.stderr()})`});
			assert.deepEqual(JSON.parse(output), {name: 'SnapshotFileError', message: `cannot read ${locked}: permission denied`});
		} finally {
			await child.kill();
		}
	});

	test('truncated copies: in the nodes, the edges, the strings, mid-number', async () => {
		const text = bytes.toString('latin1');
		const cut = (name: string, at: number) => write(`${name}.heapsnapshot`, bytes.subarray(0, at));
		const nodesAt = text.indexOf('"nodes":');
		const edgesAt = text.indexOf('"edges":');
		const stringsAt = text.indexOf('"strings":');
		let file = cut('in-nodes', nodesAt + Math.floor((edgesAt - nodesAt) / 2));
		await assertRefused(() => readHeapSnapshot(file, {chunkBytes: 1000}), SnapshotFormatError, new RegExp(`^${escapeRegExp(file)}: truncated heap snapshot: the file ends inside the nodes section \\(\\d+ % of the nodes read\\)$`));
		file = cut('in-edges', edgesAt + 100);
		await assertRefused(() => readHeapSnapshot(file), SnapshotFormatError, `${file}: truncated heap snapshot: the file ends inside the edges section (0 % of the edges read)`);
		// Two bytes into a string that starts with letters: the strings before it count as read.
		const next = /",\n"[a-z]{2}/g;
		next.lastIndex = stringsAt + 1000;
		const between = next.exec(text)!.index;
		const stringsRead = (JSON.parse(`${text.slice(stringsAt + 10, between + 1)}]`) as string[]).length;
		file = cut('in-strings', between + 6);
		await assertRefused(() => readHeapSnapshot(file), SnapshotFormatError, `${file}: truncated heap snapshot: the file ends inside the strings section (${stringsRead} strings read)`);
		const number = /\d{4,}/g;
		number.lastIndex = edgesAt;
		file = cut('mid-number', number.exec(text)!.index + 2);
		await assertRefused(() => readHeapSnapshot(file), SnapshotFormatError, new RegExp(`^${escapeRegExp(file)}: truncated heap snapshot: the file ends inside the edges section \\(\\d+ % of the edges read\\)$`));
	});

	test('a corrupt byte, other JSON, random text', async () => {
		const corrupt = Buffer.from(bytes);
		const at = bytes.indexOf('"strings":[') + 12;
		corrupt[at] = 0x0a;
		let file = write('corrupt.heapsnapshot', corrupt);
		await assertRefused(() => readHeapSnapshot(file), SnapshotFormatError, `${file}: corrupt heap snapshot: unexpected newline at byte ${at} in the strings section`);
		file = write('profile.heapprofile', JSON.stringify({head: {callFrame: {functionName: '(root)'}, selfSize: 0, id: 1, children: []}, samples: []}));
		await assertRefused(() => readHeapSnapshot(file), SnapshotFormatError, `${file}: not a V8 heap snapshot: it does not start with {"snapshot":`);
		await assertRefused(() => readSnapshotHeader(file), SnapshotFormatError, `${file}: not a V8 heap snapshot: it does not start with {"snapshot":`);
		file = write('notes.txt', 'some notes\nabout memory\n');
		await assertRefused(() => readHeapSnapshot(file), SnapshotFormatError, `${file}: not a V8 heap snapshot: it does not start with {"snapshot":`);
	});
});

describe('reading the earlier snapshot of a diff on a worker thread', () => {
	test('gives the snapshot without its edges and the same classification as in this thread, with progress', async () => {
		const progress: number[] = [];
		const {snapshot, prepared} = await readDiffBaseInWorker(path, {onProgress: bytesRead => progress.push(bytesRead)});
		assert.equal(progress.at(-1), bytes.length);
		assert.ok(!('edges' in snapshot), 'the edges stay on the thread');
		assertSame({...snapshot, edges: expected.edges});
		const here = prepareDiffBase(expected).prepared;
		assert.deepEqual(prepared.classOf, here.classOf);
		assert.deepEqual(prepared.selfSizes, here.selfSizes);
	});

	test('refuses with the same error classes and messages as in-process', async () => {
		const cut = join(dir, 'worker-cut.heapsnapshot');
		writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
		await assertRefused(() => readDiffBaseInWorker(cut), SnapshotFormatError, /^.*worker-cut\.heapsnapshot: truncated heap snapshot: the file ends inside the \w+ section/);
		await assertRefused(() => readDiffBaseInWorker(join(dir, 'nowhere.heapsnapshot')), SnapshotFileError, `cannot read ${join(dir, 'nowhere.heapsnapshot')}: no such file`);
	});

	test('an abort rejects and stops the thread', async () => {
		const abort = new AbortController();
		const reading = readDiffBaseInWorker(path, {signal: abort.signal});
		abort.abort();
		await assert.rejects(reading, SnapshotReadAbortedError);
		await assert.rejects(readDiffBaseInWorker(path, {signal: abort.signal}), SnapshotReadAbortedError, 'already aborted: no thread started');
	});
});
