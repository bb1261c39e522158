/** `leaktop demo`: starts the bundled leaky app, attaches, and never leaves it running. */
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, describe, test} from 'node:test';
import {assertFailsWith, assertOk, assertSample, childPids, exitOf, isRunning, killIfRunning, readReport, runCli, spawnCli, waitGone, within} from '../helpers/cli.js';
import {waitForOutput} from '../helpers/processes.js';
import {waitFor} from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'leaktop-cli-demo-'));
after(() => rmSync(dir, {recursive: true, force: true}));

describe('leaktop demo', () => {
	test('--scenario cache --headless --duration 3s: exit 0, report of the demo app, app stopped afterwards', async () => {
		const report = join(dir, 'demo.json');
		let demoPid: number | undefined;
		try {
			const result = await runCli(['demo', '--scenario', 'cache', '--headless', '--duration', '3s', '--interval', '500ms', '--report', report], {timeoutMs: 30_000});
			demoPid = Number(/demo app started \(pid (\d+), scenario cache\)/.exec(result.stderr)?.[1]) || undefined;
			assertOk(result);
			const written = readReport(report);
			assert.ok(written.target, 'report has no target');
			demoPid = written.target.pid;
			assert.match(written.target.title, /leaktop-demo/);
			assert.match(written.target.title, /cache/);
			assert.match(result.stderr, new RegExp(`^leaktop: demo app started \\(pid ${demoPid}, scenario cache\\)$`, 'm'));
			assert.ok(written.samples.length >= 2, `${written.samples.length} samples`);
			written.samples.forEach((sample, i) => assertSample(sample, `samples[${i}]`));
			await waitGone(demoPid);
		} finally {
			killIfRunning(demoPid);
		}
	});

	test('an unknown scenario exits 2 naming the valid ones', async () => {
		const result = await runCli(['demo', '--scenario', 'nope']);
		const message = assertFailsWith(result, '--scenario "nope"');
		for (const name of ['listeners', 'closure', 'cache', 'stream', 'all']) assert.ok(message.includes(name), `${name} missing from: ${message}`);
	});

	test('SIGTERM to leaktop stops the demo app too', async () => {
		const cli = spawnCli(['demo', '--scenario', 'stream', '--headless', '--interval', '250ms']);
		let demoPid: number | undefined;
		try {
			demoPid = Number((await waitForOutput(cli, 'stderr', /demo app started \(pid (\d+)/, 15_000))[1]);
			await waitForOutput(cli, 'stderr', new RegExp(`attached to pid ${demoPid} `));
			assert.ok(isRunning(demoPid));
			process.kill(cli.pid, 'SIGTERM');
			const result = await exitOf(cli, 10_000);
			assertOk(result);
			await waitGone(demoPid);
		} finally {
			await cli.kill();
			killIfRunning(demoPid);
		}
	});

	test('if leaktop is killed outright, the demo app stops by itself', async () => {
		const cli = spawnCli(['demo', '--scenario', 'listeners', '--headless']);
		let demoPid: number | undefined;
		try {
			demoPid = Number((await waitForOutput(cli, 'stderr', /demo app started \(pid (\d+)/, 15_000))[1]);
			await waitForOutput(cli, 'stderr', /attached to pid/);
			process.kill(cli.pid, 'SIGKILL');
			await within(cli.exited, 5000, 'leaktop to die of SIGKILL');
			await waitGone(demoPid);
		} finally {
			await cli.kill();
			killIfRunning(demoPid);
		}
	});

	test('if leaktop is killed while the demo app is still starting, the demo app stops by itself', async () => {
		// Killed before the app's server listens: its IPC disconnect comes before the app
		// listens for it, which used to leave it running (and leaking) forever.
		const cli = spawnCli(['demo', '--scenario', 'cache', '--headless']);
		let demoPid: number | undefined;
		try {
			demoPid = await waitFor(() => childPids(cli.pid)[0], {intervalMs: 5, what: 'leaktop to spawn the demo app'});
			process.kill(cli.pid, 'SIGKILL');
			await within(cli.exited, 5000, 'leaktop to die of SIGKILL');
			await waitGone(demoPid);
		} finally {
			await cli.kill();
			killIfRunning(demoPid);
		}
	});
});
