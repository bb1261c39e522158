/**
 * The TUI's diff in a worker thread, on real snapshots of the cache leak: progress as it reads,
 * the same table and instances as SnapshotComparison in this thread, one-line failures, and a
 * stop that really ends the thread (nothing left to keep the process alive).
 */
import assert from 'node:assert/strict';
import {readdirSync} from 'node:fs';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, test} from 'node:test';
import {rowKey} from '../src/model/diff-state.js';
import {type ComparisonProgress, SnapshotComparison} from '../src/snapshot-analysis.js';
import {SnapshotDiffError, SnapshotDiffStoppedError, startDiff} from '../src/snapshot-diff-client.js';
import {snapshotPair, type SnapshotPair} from './helpers/heap-snapshots.js';
import {waitFor} from './helpers/wait.js';

let dir: string;
let pair: SnapshotPair;
before(async () => {
	dir = await mkdtemp(join(tmpdir(), 'leaktop-diff-client-'));
	pair = await snapshotPair('leaks/cache', dir, {growMs: 2000, args: ['--rate', '30']});
});
after(async () => {
	await rm(dir, {recursive: true, force: true});
});

/** Worker threads alive in this process: each holds a MessagePort handle open. */
const workerHandles = () => process.getActiveResourcesInfo().filter(name => name === 'MessagePort').length;
/** Threads of this process, nested workers included (Linux). */
const threads = () => readdirSync('/proc/self/task').length;

test('progress per file then comparing; the table and a class\'s instances equal SnapshotComparison\'s in this thread', async () => {
	const progress: ComparisonProgress[] = [];
	const run = startDiff(pair.base, pair.next, {onProgress: p => progress.push(p)});
	try {
		const summary = await run.summary;
		const local = await SnapshotComparison.open(pair.base, pair.next);
		assert.deepEqual(summary, local.summary());
		assert.equal(summary.comparable, true, 'two snapshots of one process');

		// Both files read to their ends (side by side), then comparing, once.
		const reads = progress.filter(p => p.stage === 'reading');
		for (const file of ['base', 'next'] as const) {
			const ofFile = reads.filter(p => p.file === file);
			assert.ok(ofFile.length >= 2, `${file}: ${ofFile.length} progress events`);
			for (let i = 1; i < ofFile.length; i++) assert.ok(ofFile[i]!.bytesRead > ofFile[i - 1]!.bytesRead, 'bytes read move up');
			assert.equal(ofFile.at(-1)!.bytesRead, summary[file].bytes, `${file} read to its end`);
			assert.ok(ofFile.every(p => p.totalBytes === summary[file].bytes));
		}
		assert.deepEqual(progress.at(-1), {stage: 'comparing'});
		assert.equal(progress.filter(p => p.stage === 'comparing').length, 1);

		// The cache's records: new objects kept by the Map, as in this thread.
		const records = summary.classes.find(row => row.name === '{user, items, history, notes}');
		assert.ok(records && 'newCount' in records && records.newCount > 0, `the records are new: ${JSON.stringify(records)}`);
		const instances = await run.instances(rowKey(records), 3);
		assert.deepEqual(instances, local.instances(rowKey(records), 3));
		assert.ok(instances!.instances[0]!.retainers!.some(step => /^Map @\d+$/.test(step.node)), 'a path through the Map');
		// Questions in parallel each get their own answer.
		const [strings, again] = await Promise.all([run.instances(rowKey(summary.classes[0]!), 1), run.instances(records.name, 1)]);
		assert.equal(strings!.name, summary.classes[0]!.name);
		assert.equal(again!.name, '{user, items, history, notes}');
		assert.equal(await run.instances('NoSuchClass'), null);
	} finally {
		await run.stop();
	}
});

test('stop() while reading: the threads end (the reader\'s too), the summary and pending questions reject as stopped', async () => {
	const before = {handles: workerHandles(), threads: threads()};
	let stopped: Promise<void> | undefined;
	let threadsWhileReading = 0;
	// Stopped from the first progress event: the files are certainly still being read.
	const run = startDiff(pair.base, pair.next, {
		onProgress: () => {
			if (stopped) return;
			threadsWhileReading = threads();
			stopped = run.stop();
		},
	});
	try {
		assert.equal(workerHandles(), before.handles + 1, 'a worker thread runs');
		const question = assert.rejects(run.instances('{user, items, history, notes}'), SnapshotDiffStoppedError);
		await assert.rejects(run.summary, SnapshotDiffStoppedError);
		await question;
		await stopped;
		assert.ok(threadsWhileReading > before.threads, `threads while reading: ${threadsWhileReading}, before: ${before.threads}`);
		assert.equal(workerHandles(), before.handles, 'no worker left to keep the process alive');
		await waitFor(() => threads() <= before.threads, {timeoutMs: 5000, what: `the threads to end (${threads()} now, ${before.threads} before)`});
		await assert.rejects(run.instances('Array'), SnapshotDiffStoppedError);
	} finally {
		await run.stop();
	}
});

test('stop() after the table: the thread that waited for questions ends too', async () => {
	const before = workerHandles();
	const run = startDiff(pair.base, pair.next);
	try {
		await run.summary;
		assert.equal(workerHandles(), before + 1, 'the worker stays for questions');
	} finally {
		await run.stop();
	}
	assert.equal(workerHandles(), before);
});

test('a file that is not a heap snapshot: one line that names it, and the thread is gone', async () => {
	const before = workerHandles();
	const bogus = join(dir, 'notes.heapsnapshot');
	await writeFile(bogus, '{"hello": "world"}\n');
	const run = startDiff(bogus, pair.next);
	const error = await run.summary.then(
		() => assert.fail('a summary for a file that is not a snapshot'),
		(caught: unknown) => caught,
	);
	assert.ok(error instanceof SnapshotDiffError && !(error instanceof SnapshotDiffStoppedError), String(error));
	assert.doesNotMatch(error.message, /\n/);
	assert.match(error.message, /notes\.heapsnapshot/);
	await assert.rejects(run.instances('Array'), SnapshotDiffError);
	await waitFor(() => workerHandles() === before, {what: 'the failed worker to end'});
	// A missing file: the same, one line.
	const missing = startDiff(join(dir, 'gone.heapsnapshot'), pair.next);
	await assert.rejects(missing.summary, (caught: unknown) => caught instanceof SnapshotDiffError && /gone\.heapsnapshot.*no such file/.test(caught.message));
	await missing.stop();
});
