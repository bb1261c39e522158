/** `--pid`: refuses what is gone or not Node (without killing it), attaches to a real Node process. */
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, afterEach, describe, test} from 'node:test';
import {assertFailsWith, assertOk, isRunning, readReport, runCli} from '../helpers/cli.js';
import {fixturePath} from '../helpers/paths.js';
import {type Spawned, track, waitForOutput} from '../helpers/processes.js';
import {httpGet} from '../helpers/target.js';

const dir = mkdtempSync(join(tmpdir(), 'leaktop-cli-pid-'));
after(() => rmSync(dir, {recursive: true, force: true}));

let started: Spawned[] = [];
afterEach(async () => {
	await Promise.all(started.map(p => p.kill()));
	started = [];
});

function start(command: string, args: string[]): Spawned {
	const p = track(command, args);
	started.push(p);
	return p;
}

describe('leaktop --pid', () => {
	test('a pid that does not exist: exit 2, "no process with pid"', async () => {
		const gone = start(process.execPath, ['-e', '']);
		await gone.exited;
		const result = await runCli(['--pid', String(gone.pid)]);
		assert.equal(assertFailsWith(result, 'no process with pid'), `no process with pid ${gone.pid}`);
	});

	test('a process that is not Node is refused, and SIGUSR1 is never sent to it', async () => {
		const sleeper = start('sleep', ['60']);
		const result = await runCli(['--pid', String(sleeper.pid)]);
		assertFailsWith(result, new RegExp(`^process ${sleeper.pid} \\(sleep\\) is not Node\\.js`));
		// SIGUSR1's default action would have terminated sleep.
		assert.equal(sleeper.child.signalCode, null, 'sleep was killed by a signal');
		assert.ok(isRunning(sleeper.pid), 'sleep is no longer running');
	});

	test('a real Node process without an open inspector: opens it, attaches, reports, keeps serving', async () => {
		const target = start(process.execPath, ['--inspect-port=0', fixturePath('server')]);
		const httpPort = Number((await waitForOutput(target, 'stdout', /ready (\d+)/))[1]);
		const report = join(dir, 'pid-report.json');
		const result = await runCli(['--pid', String(target.pid), '--headless', '--duration', '2s', '--interval', '500ms', '--report', report], {timeoutMs: 25_000});
		assertOk(result);
		assert.match(result.stderr, new RegExp(`^leaktop: attached to pid ${target.pid} `, 'm'));
		// The inspector was opened by leaktop's SIGUSR1, on a port node picked.
		assert.match(target.stderr(), /Debugger listening on ws:\/\/127\.0\.0\.1:\d+\//);
		const written = readReport(report);
		assert.equal(written.target?.pid, target.pid);
		assert.ok(written.samples.length >= 2, `${written.samples.length} samples`);
		assert.equal(await httpGet(httpPort, '/'), `ok ${target.pid}`);
		assert.ok(isRunning(target.pid));
	});
});
