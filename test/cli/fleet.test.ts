/**
 * Several targets in one headless session, as a user runs it: repeated --port and --url against
 * real local targets, two leaking and one quiet; one that exits mid-session; one that cannot be
 * attached. (--kube deployment/NAME: test/cli/kube.test.ts.)
 */
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, test} from 'node:test';
import type {FleetReport} from '../../src/model/fleet-report.js';
import {assertFailsWith, lines, runCli} from '../helpers/cli.js';
import {startTarget, type Target, tempDirForFile} from '../helpers/target.js';

const dir = tempDirForFile('leaktop-cli-fleet-');
let leaking: Target[] = [];
let quiet: Target;
before(async () => {
	[quiet, ...leaking] = await Promise.all([startTarget('server'), startTarget('leaks/cache', {args: ['--rate', '10']}), startTarget('leaks/cache', {args: ['--rate', '10']})]);
});
after(async () => {
	await Promise.all([quiet, ...leaking].map(t => t?.kill()));
});

const read = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as FleetReport;

test('repeated --port and --url: a section per target, "2 of 3 targets grow", --json lines name their target, --fail-on-growth exits 1', async () => {
	const report = join(dir, 'fleet.json');
	const [a, b] = leaking as [Target, Target];
	const result = await runCli(['--port', String(a.port), '--url', b.webSocketUrl, '--port', String(quiet.port), '--duration', '40s', '--interval', '500ms', '--json', '--report', report, '--fail-on-growth'], {timeoutMs: 90_000});
	assert.equal(result.code, 1, result.stderr);
	const written = read(report);
	assert.equal(written.title, '3 targets');
	const names = [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`, `127.0.0.1:${quiet.port}`];
	assert.deepEqual(written.targets.map(t => t.name), names, 'in the order given');
	assert.deepEqual(written.targets.map(t => t.target?.pid), [a.pid, b.pid, quiet.pid]);
	assert.deepEqual(written.targets.map(t => t.verdict.leak), [true, true, false]);
	assert.equal(written.fleet.leaking, 2);
	// Two fixtures at the same rate may round to one number: `600 MB/h` rather than a range.
	assert.match(written.fleet.headline, /^2 of 3 targets grow \d+(\.\d)?(-\d+(\.\d)?)? MB\/h$/);
	const samples = lines(result.stdout).map(line => JSON.parse(line) as {target: string; heapUsed: number});
	for (const name of names) assert.ok(samples.filter(s => s.target === name).length >= 60, `${name} streamed its samples`);
	assert.match(result.stderr, /^leaktop: verdict: leak: 2 of 3 targets grow /m);
	assert.match(result.stderr, new RegExp(`^leaktop: 127\\.0\\.0\\.1:${quiet.port}: no leak; pid ${quiet.pid}`, 'm'));
	assert.match(result.stderr, new RegExp(`^leaktop: 127\\.0\\.0\\.1:${a.port}: leak: heap floor \\+`, 'm'));
	// Under a leaking target's line, its first finding: a cache fixture, so a snapshot pair would settle it.
	assert.match(result.stderr, new RegExp(`^leaktop: 127\\.0\\.0\\.1:${a.port}: finding: heap floor grows .*cache\\.js:\\d+.*two snapshots would tell a cache from a closure`, 'm'));
	assert.doesNotMatch(result.stderr, new RegExp(`^leaktop: 127\\.0\\.0\\.1:${quiet.port}: finding:`, 'm'), 'none for the quiet one');
	assert.match(result.stderr, /^leaktop: actions on the targets: attach 3, /m);
});

test('a target that exits mid-session: the others go on; exit 2 names it; its section says why it ended', async () => {
	const brief = await startTarget('exit-after', {args: ['2500']});
	try {
		const report = join(dir, 'gone.json');
		const result = await runCli(['--port', String(quiet.port), '--port', String(brief.port), '--duration', '6s', '--no-reconnect', '--report', report], {timeoutMs: 30_000});
		assert.equal(result.code, 2, result.stderr);
		assert.match(result.stderr, new RegExp(`^leaktop: 127\\.0\\.0\\.1:${brief.port} went away: `, 'm'));
		const written = read(report);
		assert.deepEqual(written.fleet.rows.map(r => r.status), ['collecting evidence', 'ended'], 'six seconds are too few for a verdict');
		const [stayed, gone] = written.targets;
		assert.ok(stayed!.samples.length >= 5, `the quiet target was sampled to the end (${stayed!.samples.length})`);
		assert.ok(gone!.samples.length < stayed!.samples.length);
		assert.match(gone!.endReason ?? '', /exited|closed|went away/);
	} finally {
		await brief.kill();
	}
});

test('several targets: one that cannot be attached fails the run in one line and detaches the rest; one-target flags say so', async () => {
	const failed = await runCli(['--port', String(quiet.port), '--port', '1', '--headless', '--duration', '2s']);
	assertFailsWith(failed, '127.0.0.1:1: nothing is listening on 127.0.0.1:1');
	assertFailsWith(await runCli(['--port', String(quiet.port), '--port', '1', '--record', join(dir, 'r.ndjson')]), '--record takes one target: name one pod, --url or --port');
	assertFailsWith(await runCli(['--port', String(quiet.port), '--port', '1', '--heap-profile', join(dir, 'p.heapprofile')]), '--heap-profile takes one target');
	assertFailsWith(await runCli(['snapshot', '--port', String(quiet.port), '--port', '1']), 'leaktop snapshot takes one target');
	assertFailsWith(await runCli(['--port', String(quiet.port), '--port', String(quiet.port)]), `127.0.0.1:${quiet.port} is named twice`);
	assertFailsWith(await runCli(['--port', String(quiet.port), '--url', quiet.webSocketUrl.replace('127.0.0.1', 'localhost'), '--headless', '--duration', '2s']), `127.0.0.1:${quiet.port} and localhost:${quiet.port} are the same process (pid ${quiet.pid} on `);
	assertFailsWith(await runCli(['--port', String(quiet.port), '--pid', String(quiet.pid)]), '--port and --pid both name the target: pick one');
	assertFailsWith(await runCli(['targets', '--port', '1', '--port', '2']), 'leaktop targets takes one --port');
});
