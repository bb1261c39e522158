/**
 * `leaktop snapshot` as a user runs it: the estimate on stderr, the file's path on stdout, a
 * 0600 file that DevTools can load, the refusal of a risky snapshot under a real container
 * limit (a memory cgroup) and `--yes`, and the failures that must come before the target stops.
 */
import assert from 'node:assert/strict';
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {hostname, tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, test} from 'node:test';
import {formatBytes} from '../../src/model/format.js';
import {assertEndsWithError, assertFailsWith, assertOk, type CliResult, lines, runCli} from '../helpers/cli.js';
import {cannotLimitMemoryReason, limitMemory} from '../helpers/cgroup.js';
import {freePort} from '../helpers/fake-servers.js';
import {httpGet, startTarget, type Target} from '../helpers/target.js';
import {escapeRegExp} from '../helpers/text.js';

const dir = mkdtempSync(join(tmpdir(), 'leaktop-cli-snapshot-'));
let outCount = 0;
/** A fresh, empty directory for one run's output. */
function freshOut(): string {
	const out = join(dir, `out-${++outCount}`);
	mkdirSync(out);
	return out;
}

// Plain server, no limit: a few MB of heap, so the estimate is far below the host's free memory.
let target: Target;
before(async () => {
	target = await startTarget('server');
});
after(async () => {
	await target?.kill();
	rmSync(dir, {recursive: true, force: true});
});

const size = String.raw`[\d.]+ [KMGT]?B`;
const cost = String.raw`(\d+ ms|\d+s|\d+m \d\ds)`;
const estimateLine = new RegExp(String.raw`^leaktop: heap snapshot estimate: pause about ${cost}, \+${size} target memory of (${size}) free, file about ${size} \(from heap size\)$`, 'm');

/** How many inspector clients have connected to `t` so far (Node prints one line per client). */
const attachCount = (t: Target) => (t.stderr().match(/^Debugger attached\.$/gm) ?? []).length;

interface SnapshotShape {
	snapshot: {meta: {node_fields: string[]; edge_fields: string[]}; node_count: number; edge_count: number};
	nodes: number[];
	edges: number[];
	strings: string[];
}

/** The file as DevTools would load it: whole, its arrays as long as its header says. */
function readSnapshot(path: string): SnapshotShape {
	const parsed = JSON.parse(readFileSync(path, 'utf8')) as SnapshotShape;
	assert.ok(parsed.snapshot.node_count > 0, 'snapshot.node_count > 0');
	assert.equal(parsed.nodes.length, parsed.snapshot.node_count * parsed.snapshot.meta.node_fields.length, 'nodes match node_count');
	assert.equal(parsed.edges.length, parsed.snapshot.edge_count * parsed.snapshot.meta.edge_fields.length, 'edges match edge_count');
	return parsed;
}

/** The one file a successful run leaves in `out`: checked by name, mode and content; returns its path. */
function assertWritten(result: CliResult, out: string, t: Target): string {
	const files = readdirSync(out);
	assert.equal(files.length, 1, `exactly one file, no .part left: ${files.join(', ')}`);
	const name = files[0]!;
	const host = hostname().replace(/[^A-Za-z0-9._-]/g, '_');
	assert.match(name, new RegExp(`^${escapeRegExp(host)}-${t.pid}-\\d{8}T\\d{6}\\.heapsnapshot$`));
	const path = join(out, name);
	assert.equal(result.stdout, `${path}\n`, 'stdout is the path and nothing else');
	assert.equal(statSync(path).mode & 0o777, 0o600, 'readable by its owner only');
	assert.match(result.stderr, estimateLine);
	const written = new RegExp(`^leaktop: heap snapshot written: ${escapeRegExp(path)} \\((${size})\\); the target paused ${cost}$`, 'm').exec(result.stderr);
	assert.ok(written, `the written line in:\n${result.stderr}`);
	assert.equal(written[1], formatBytes(statSync(path).size), 'the size it reports is the file\'s');
	return path;
}

test('snapshot: the estimate, progress, the path on stdout; a whole 0600 file; the target keeps serving', async () => {
	const out = freshOut();
	const attachedBefore = attachCount(target);
	const result = await runCli(['snapshot', '--port', String(target.port), '--out', out], {timeoutMs: 60_000});
	assertOk(result);
	const path = assertWritten(result, out, target);
	const parsed = readSnapshot(path);
	// It is this process's heap: the fixture's own strings are in it.
	assert.ok(parsed.strings.some(s => s.includes('object-') || s.includes('/retained')), 'the fixture\'s strings are in the snapshot');

	// Not risky: the estimate names what is free, and no refusal.
	assert.doesNotMatch(result.stderr, /refusing|RISKY|--yes/);
	// Progress: building, then writing, in steps of a tenth that only go up.
	const progress = lines(result.stderr).flatMap(line => {
		const m = /^leaktop: snapshot (\d+)%: (building \(\d+\/\d+\)|writing \([\d.]+ [KMG]?B\))$/.exec(line);
		return m ? [{percent: Number(m[1]), what: m[2]!}] : [];
	});
	assert.ok(progress.some(p => p.what.startsWith('building')), `building progress in:\n${result.stderr}`);
	assert.ok(progress.some(p => p.what.startsWith('writing')), `writing progress in:\n${result.stderr}`);
	for (let i = 1; i < progress.length; i++) assert.ok(progress[i]!.percent > progress[i - 1]!.percent, `progress goes up: ${JSON.stringify(progress)}`);
	assert.ok(progress.every(p => p.percent % 10 === 0 && p.percent < 100));
	assert.ok(progress.findIndex(p => p.what.startsWith('writing')) > progress.findIndex(p => p.what.startsWith('building')));
	// The estimate comes before the capture starts, the written line last.
	const all = lines(result.stderr);
	assert.ok(all.findIndex(l => estimateLine.test(l)) < all.findIndex(l => l.startsWith('leaktop: snapshot ')));
	assert.match(all.at(-1)!, /^leaktop: heap snapshot written: /);

	// It really attached (the check the "never stopped" test below relies on), then let go.
	assert.ok(attachCount(target) > attachedBefore, 'the target saw an inspector client');
	assert.equal(await httpGet(target.httpPort!, '/'), `ok ${target.pid}`);
});

test('a bad --out fails in one line before attaching: the target is never stopped, nothing written', async () => {
	const attachedBefore = attachCount(target);
	const before = readdirSync(dir).sort();

	const missing = join(dir, 'missing');
	assertFailsWith(await runCli(['snapshot', '--port', String(target.port), '--out', missing]), new RegExp(`^cannot write heap snapshots to ${escapeRegExp(missing)}: no such file or directory$`));

	const file = join(dir, 'a-file');
	writeFileSync(file, 'not a directory\n');
	const message = assertFailsWith(await runCli(['snapshot', '--port', String(target.port), '--out', file]), new RegExp(`^cannot write heap snapshots to ${escapeRegExp(file)}: `));
	assert.match(message, /not a directory/);
	assert.equal(readFileSync(file, 'utf8'), 'not a directory\n', 'the file is left as it was');

	// A missing directory under a file: the same, one line.
	assertFailsWith(await runCli(['snapshot', '--port', String(target.port), '--out', join(file, 'sub')]), /^cannot write heap snapshots to .*a-file\/sub: .*not a directory/);

	assert.deepEqual(readdirSync(dir).sort(), [...before, 'a-file'].sort(), 'nothing else created');
	assert.equal(attachCount(target), attachedBefore, 'leaktop never connected to the target');
	assert.equal(await httpGet(target.httpPort!, '/'), `ok ${target.pid}`);
});

test('nothing listening: one line naming the address, no file', async () => {
	const out = freshOut();
	const port = await freePort();
	const result = await runCli(['snapshot', '--port', String(port), '--out', out], {timeoutMs: 15_000});
	assertFailsWith(result, `nothing is listening on 127.0.0.1:${port}`);
	assert.ok(result.elapsedMs < 10_000, `took ${result.elapsedMs} ms`);
	assert.deepEqual(readdirSync(out), []);
});

// A 768 MiB limit and ~30 MB of heap (20 "MB" of small objects retained): the estimate's extra
// memory (heapUsed x 18, ~600 MB) is far over half of what is left under the limit (~340 MB).
// The real capture of that heap peaks near 380 MB more (measured with memory.max_usage_in_bytes;
// under a 256 MiB limit the target is OOM-killed), so `--yes` can take it without killing it.
const limitBytes = 768 * 1024 * 1024;
const cgroupSkip = cannotLimitMemoryReason() ?? false;

test('in a 768 MiB memory cgroup: refused with the reasons and exit 2; --yes takes it', {skip: cgroupSkip}, async () => {
	const risky = await startTarget('server');
	let limit: Awaited<ReturnType<typeof limitMemory>> | undefined;
	try {
		limit = await limitMemory(risky.pid, limitBytes);
		assert.equal(await httpGet(risky.httpPort!, '/retain?mb=20'), 'retained');

		const out = freshOut();
		const refused = await runCli(['snapshot', '--port', String(risky.port), '--out', out], {timeoutMs: 30_000});
		const message = assertEndsWithError(
			refused,
			/^leaktop: refusing a risky heap snapshot: it may need [\d.]+ [KMG]B more memory and only [\d.]+ [KMG]?B is free under the container limit: the target could be OOM-killed; pass --yes to take it anyway$/,
		);
		assert.equal(refused.stdout, '');
		// The estimate is printed before the refusal, and counts against the container, not the host.
		const free = estimateLine.exec(refused.stderr);
		assert.ok(free, `estimate line in:\n${refused.stderr}`);
		assert.ok(parseBytes(free[2]!) < limitBytes, `free under the limit: ${free[2]}`);
		assert.doesNotMatch(refused.stderr, /snapshot \d+%/, 'no capture started');
		assert.deepEqual(readdirSync(out), [], `nothing written (${message})`);
		assert.equal(await httpGet(risky.httpPort!, '/retained'), '200000', 'the target is untouched');

		const taken = await runCli(['snapshot', '--port', String(risky.port), '--out', out, '--yes'], {timeoutMs: 60_000});
		assertOk(taken);
		assert.doesNotMatch(taken.stderr, /refusing/);
		readSnapshot(assertWritten(taken, out, risky));
		// Not OOM-killed: still in its cgroup, still serving.
		assert.equal(await httpGet(risky.httpPort!, '/'), `ok ${risky.pid}`);
	} finally {
		await risky.kill();
		await limit?.remove();
	}
});

function parseBytes(text: string): number {
	const [n, unit] = text.split(' ');
	return Number(n) * 1000 ** ['B', 'KB', 'MB', 'GB', 'TB'].indexOf(unit!);
}
