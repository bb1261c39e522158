/** `--sampling` and `--heap-profile` as a user runs them: flags, the report's allocations, the profile file. */
import assert from 'node:assert/strict';
import {existsSync, mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, test} from 'node:test';
import {assertFailsWith, assertOk, runCli} from '../helpers/cli.js';
import {startTarget, type Target} from '../helpers/target.js';
import type {Report} from '../../src/model/report.js';

const dir = mkdtempSync(join(tmpdir(), 'leaktop-cli-allocations-'));
let cache: Target;

before(async () => {
	cache = await startTarget('leaks/cache', {args: ['--rate', '10']});
});
after(async () => {
	await cache?.kill();
	rmSync(dir, {recursive: true, force: true});
});

const readJson = <T>(path: string) => JSON.parse(readFileSync(path, 'utf8')) as T;

test('bad --sampling and --heap-profile values fail in one line before attaching', async () => {
	assertFailsWith(await runCli(['--sampling', 'lots', '--headless']), 'invalid --sampling "lots": use a size such as 512KiB');
	assertFailsWith(await runCli(['--sampling', '100', '--headless']), 'must be at least 1KiB');
	assertFailsWith(await runCli(['--sampling', 'off', '--heap-profile', join(dir, 'x.heapprofile'), '--headless']), '--heap-profile needs allocation sampling');
	assertFailsWith(await runCli(['--heap-profile', join(dir, 'missing', 'x.heapprofile'), '--port', String(cache.port), '--headless']), /^cannot write the heap profile to .*missing.*: no such file or directory$/);
});

test('a headless run reports allocations.top for the cache leak and writes a .heapprofile, mode 0600', async () => {
	const report = join(dir, 'report.json');
	const profile = join(dir, 'cache.heapprofile');
	const result = await runCli(['--port', String(cache.port), '--duration', '20s', '--sampling', '32KiB', '--report', report, '--heap-profile', profile], {timeoutMs: 60_000});
	assertOk(result);
	assert.match(result.stderr, /^leaktop: heap profile written to .*cache\.heapprofile \(\d/m);
	assert.equal(statSync(profile).mode & 0o777, 0o600);
	const written = readJson<{head: {callFrame: {functionName: string}; children: unknown[]; selfSize: number}; samples: unknown[]}>(profile);
	assert.equal(written.head.callFrame.functionName, '(root)');
	assert.ok(written.head.children.length > 0 && written.samples.length > 0);

	const {allocations} = readJson<Report>(report);
	assert.equal(allocations.samplingIntervalBytes, 32 * 1024);
	assert.ok(allocations.polls >= 3, `polls: ${allocations.polls}`);
	const [top] = allocations.top;
	assert.ok(top, 'a top allocation site');
	assert.deepEqual(Object.keys(top).sort(), ['column', 'functionName', 'growthBytes', 'line', 'liveBytes', 'ratePerMinute', 'samples', 'stack', 'url'].sort());
	// The record's biggest part is its text body from flatString: the site is record when
	// TurboFan has inlined flatString into it, flatString when not (it varies with load).
	assert.ok(['record', 'flatString'].includes(top.functionName), `top site: ${top.functionName} ${top.url}:${top.line}`);
	assert.match(top.url, /fixtures\/leaks\/common\.js$/);
	assert.ok(top.stack.some(f => f.functionName === 'getUser' && /leaks\/cache\.js$/.test(f.url)), 'getUser, the cache, called it');
	assert.ok(top.liveBytes > 0 && top.growthBytes > 0 && top.samples > 0);
	for (let i = 1; i < allocations.top.length; i++) assert.ok(allocations.top[i - 1]!.growthBytes >= allocations.top[i]!.growthBytes, 'sorted by growth');
	assert.ok(allocations.paths.length > 0 && allocations.paths[0]!.frames.length >= 1);
});

test('--sampling off: the report says so and lists no sites', async () => {
	const report = join(dir, 'off.json');
	const result = await runCli(['--port', String(cache.port), '--duration', '2s', '--sampling', 'off', '--report', report]);
	assertOk(result);
	const {allocations} = readJson<Report>(report);
	assert.equal(allocations.status, 'off');
	assert.equal(allocations.samplingIntervalBytes, null);
	assert.deepEqual(allocations.top, []);
	assert.ok(!existsSync(join(dir, 'off.heapprofile')));
});
