/** Headless runs against a real target: the report, NDJSON on stdout, the target going away, bad report paths. */
import assert from 'node:assert/strict';
import {existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, test} from 'node:test';
import {assertEndsWithError, assertFailsWith, assertOk, assertSample, exitOf, isRunning, lines, readReport, runCli, spawnCli, within} from '../helpers/cli.js';
import {waitForOutput} from '../helpers/processes.js';
import {startProxy} from '../helpers/proxy.js';
import {waitFor} from '../helpers/wait.js';
import {fixtureForFile, httpGet, startTarget, tempDirForFile} from '../helpers/target.js';

const dir = tempDirForFile('leaktop-cli-headless-');
const server = fixtureForFile('server');

async function assertServing(): Promise<void> {
	assert.ok(isRunning(server().pid), 'the target process is gone');
	assert.equal(await httpGet(server().httpPort!, '/'), `ok ${server().pid}`);
}

describe('leaktop --headless', () => {
	test('--duration 3s --report: exit 0, a report with the target and its samples, mode 0600', async () => {
		const report = join(dir, 'report.json');
		const result = await runCli(['--headless', '--duration', '3s', '--report', report, '--port', String(server().port)]);
		assertOk(result);
		assert.equal(result.stdout, '', 'headless without --json prints nothing on stdout');
		assert.match(result.stderr, new RegExp(`^leaktop: attached to pid ${server().pid} \\(node v[\\d.]+\\) at 127\\.0\\.0\\.1:${server().port}`, 'm'));
		assert.match(result.stderr, /^leaktop: report written to .*report\.json \(\d+ samples\)$/m);
		assert.equal(statSync(report).mode & 0o777, 0o600);
		const written = readReport(report);
		assert.ok(written.target, 'report has no target');
		assert.equal(written.target.pid, server().pid);
		assert.equal(written.target.nodeVersion, process.version);
		assert.equal(typeof written.target.title, 'string');
		assert.ok(written.target.title.length > 0);
		assert.ok(written.samples.length >= 2, `${written.samples.length} samples`);
		written.samples.forEach((sample, i) => assertSample(sample, `samples[${i}]`));
		assert.match(written.endReason ?? '', /duration/);
		assert.equal(written.audit.counts.attach, 1);
		assert.equal(written.audit.counts.detach, 1);
		assert.deepEqual(written.audit.entries.slice(0, 2).map(e => e.action), ['attach', 'sampling-start']);
		await assertServing();
	});

	test('the exit summary on stderr: duration, verdict, files written, actions on the target', async () => {
		const report = join(dir, 'summary.json');
		const result = await runCli(['--headless', '--duration', '3s', '--report', report, '--port', String(server().port)]);
		assertOk(result);
		assert.match(result.stderr, new RegExp(`^leaktop: session: [34]s on pid ${server().pid} \\(node v[\\d.]+\\) at 127\\.0\\.0\\.1:${server().port}; ended: detached \\(duration of 3s reached\\)$`, 'm'));
		assert.match(result.stderr, /^leaktop: verdict: no leak: /m);
		assert.match(result.stderr, /^leaktop: files: .*summary\.json$/m);
		assert.match(result.stderr, /^leaktop: actions on the target: attach 1, sampling-start 1, profile-read \d+, census [12], detach 1, sampling-stop 1$/m);
	});

	test('--json streams one JSON sample per stdout line and nothing else', async () => {
		const result = await runCli(['--json', '--duration', '3s', '--port', String(server().port)]);
		assertOk(result);
		assert.ok(result.stdout.endsWith('\n'), 'stdout does not end with a newline');
		const stdoutLines = result.stdout.split('\n').slice(0, -1);
		assert.ok(stdoutLines.length >= 2, `${stdoutLines.length} lines in 3 s`);
		stdoutLines.forEach((line, i) => {
			let parsed: unknown;
			assert.doesNotThrow(() => (parsed = JSON.parse(line)), `stdout line ${i} is not JSON: ${line}`);
			assertSample(parsed, `line ${i}`);
		});
		// Status lines go to stderr.
		assert.match(result.stderr, /^leaktop: attached to pid/m);
		assert.doesNotMatch(result.stdout, /leaktop:/);
		await assertServing();
	});

	test('by default a dropped port-forward is tried again: the run goes on, exit 0, the report has both sides', async () => {
		const proxy = await startProxy(server().port);
		const report = join(dir, 'reconnected.json');
		const cli = spawnCli(['--json', '--duration', '8s', '--interval', '250ms', '--report', report, '--port', String(proxy.port)]);
		try {
			await waitFor(() => cli.stdout().split('\n').length > 4, {what: 'samples through the proxy'});
			proxy.pause();
			await waitFor(() => proxy.refused >= 1, {what: 'leaktop trying again', timeoutMs: 10_000});
			const before = cli.stdout().split('\n').length;
			proxy.resume();
			const result = await exitOf(cli, 20_000);
			assertOk(result);
			assert.ok(result.stdout.split('\n').length > before + 2, 'samples after the reconnect');
			const log = (JSON.parse(readFileSync(report, 'utf8')) as {log: Array<{text: string}>}).log.map(e => e.text);
			assert.ok(log.some(text => /reconnecting \(history kept\)$/.test(text)), log.join('\n'));
			assert.ok(log.some(text => /^reconnected after \d+s: the same process$/.test(text)), log.join('\n'));
		} finally {
			await cli.kill();
			await proxy.close();
		}
	});

	test('a run that ends while the target cannot be reached: exit 2, saying its end is missing', async () => {
		const shortLived = await startTarget('exit-after', {args: ['1500']});
		const result = await runCli(['--headless', '--duration', '5s', '--interval', '250ms', '--port', String(shortLived.port)]);
		assertEndsWithError(result, /^leaktop: the run ended \(duration of 5s reached\) while the target could not be reached: its last minutes are missing$/);
		assert.match(result.stderr, /^leaktop: actions on the target: attach 1, /m);
		await shortLived.kill();
	});

	test('--no-reconnect: the target exits mid-session: exit 2 soon after, "target went away", report still written', async () => {
		const shortLived = await startTarget('exit-after', {args: ['3000']});
		const report = join(dir, 'went-away.json');
		const cli = spawnCli(['--headless', '--no-reconnect', '--interval', '250ms', '--report', report, '--port', String(shortLived.port)]);
		try {
			await waitForOutput(cli, 'stderr', new RegExp(`attached to pid ${shortLived.pid}`));
			const targetExit = await within(shortLived.exited, 10_000, 'the target to exit by itself');
			const targetGoneAt = Date.now();
			assert.equal(targetExit.code, 0);
			const result = await exitOf(cli, 10_000);
			const message = assertEndsWithError(result, 'target went away');
			assert.match(message, /^target went away: /);
			const lag = Date.now() - targetGoneAt;
			assert.ok(lag < 5000, `leaktop took ${lag} ms to notice`);
			const written = readReport(report);
			assert.equal(written.target?.pid, shortLived.pid);
			assert.ok(written.samples.length >= 1, 'the samples taken before the target went away are in the report');
			written.samples.forEach((sample, i) => assertSample(sample, `samples[${i}]`));
		} finally {
			await cli.kill();
			await shortLived.kill();
		}
	});

	test('a report path that cannot be written: exit 2 before attaching, one line "cannot write the report to ..."', async () => {
		for (const path of [join(dir, 'no-such-dir', 'report.json'), '/proc/leaktop-report.json']) {
			const result = await runCli(['--headless', '--duration', '1s', '--interval', '250ms', '--report', path, '--port', String(server().port)]);
			const message = assertFailsWith(result, 'cannot write the report');
			assert.ok(message.startsWith(`cannot write the report to ${path}: `), message);
			assert.ok(!existsSync(path));
		}
		await assertServing();
	});

	test('a full disk is said in words', {skip: existsSync('/dev/full') ? false : 'no /dev/full'}, async () => {
		const result = await runCli(['--headless', '--duration', '1s', '--interval', '250ms', '--report', '/dev/full', '--port', String(server().port)]);
		const message = assertEndsWithError(result, 'cannot write the report');
		assert.equal(message, 'cannot write the report to /dev/full: no space left on device');
		await assertServing();
	});

	test('--json with stdout closed early detaches cleanly', async () => {
		const cli = spawnCli(['--json', '--interval', '200ms', '--port', String(server().port)]);
		try {
			await waitForOutput(cli, 'stdout', /"heapUsed"/);
			cli.child.stdout!.destroy();
			const result = await exitOf(cli, 10_000);
			assert.equal(result.code, 0, result.stderr);
			assert.doesNotMatch(result.stderr, /^\s+at /m);
			for (const line of lines(result.stderr)) assert.ok(line.startsWith('leaktop: '), line);
		} finally {
			await cli.kill();
		}
		await assertServing();
	});
});

test('an existing report file is rewritten owner-only', async () => {
	const target = await startTarget('server');
	const dir = mkdtempSync(join(tmpdir(), 'leaktop-mode-'));
	try {
		const path = join(dir, 'report.json');
		writeFileSync(path, '{}', {mode: 0o644});
		const result = await runCli(['--headless', '--duration', '1s', '--report', path, '--port', String(target.port)]);
		assertOk(result);
		assert.equal(statSync(path).mode & 0o777, 0o600);
	} finally {
		rmSync(dir, {recursive: true, force: true});
		await target.kill();
	}
});
