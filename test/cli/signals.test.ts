/**
 * SIGTERM, SIGINT and SIGHUP detach safely: exit 0, the report is written, the target keeps
 * serving, its inspector takes the next client, and leaktop left no globals behind.
 */
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {assertOk, assertSample, exitOf, isRunning, lines, readReport, runCli, signalPending, spawnCli} from '../helpers/cli.js';
import {waitForOutput} from '../helpers/processes.js';
import {httpGet, startTarget, type Target} from '../helpers/target.js';
import {waitFor} from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'leaktop-cli-signals-'));
let server: Target;
let globalsBefore: string;

before(async () => {
	server = await startTarget('server');
	globalsBefore = await httpGet(server.httpPort!, '/globals');
});
after(async () => {
	await server?.kill();
	rmSync(dir, {recursive: true, force: true});
});

describe('leaktop headless and signals', () => {
	for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
		test(`${signal} while sampling: exit 0, report written, target still serving`, async () => {
			const report = join(dir, `${signal}.json`);
			const cli = spawnCli(['--headless', '--json', '--interval', '250ms', '--report', report, '--port', String(server.port)]);
			try {
				await waitForOutput(cli, 'stderr', new RegExp(`^leaktop: attached to pid ${server.pid} .* until interrupted$`, 'm'));
				await waitFor(() => cli.stdout().split('\n').length > 2, {what: 'two samples on stdout'});
				process.kill(cli.pid, signal);
				const result = await exitOf(cli, 10_000);
				assertOk(result);
				assert.equal(result.signal, null);
				const streamed = result.stdout.split('\n').slice(0, -1);
				assert.ok(streamed.length >= 2);
				streamed.forEach((line, i) => assertSample(JSON.parse(line), `line ${i}`));
				assert.ok(lines(result.stderr).some(line => /^leaktop: report written to .* \(\d+ samples\)$/.test(line)), result.stderr);
				assert.match(lines(result.stderr).at(-1)!, /^leaktop: actions on the target: attach 1, sampling-start 1, .*detach 1/, 'the exit summary ends it');
				const written = readReport(report);
				assert.equal(written.target?.pid, server.pid);
				assert.ok(written.samples.length >= 2, `${written.samples.length} samples`);
				assert.match(written.endReason ?? '', new RegExp(signal), 'the report says which signal ended the session');
			} finally {
				await cli.kill();
			}
			assert.ok(isRunning(server.pid));
			assert.equal(await httpGet(server.httpPort!, '/'), `ok ${server.pid}`);
		});
	}

	test('after those detaches a fresh client attaches, and no leaktop state is left in the target', async () => {
		const result = await runCli(['--headless', '--duration', '1s', '--port', String(server.port)]);
		assertOk(result);
		assert.match(result.stderr, new RegExp(`attached to pid ${server.pid}`));
		assert.equal(await httpGet(server.httpPort!, '/'), `ok ${server.pid}`);
		assert.equal(await httpGet(server.httpPort!, '/globals'), globalsBefore, 'the target has new globals');
	});

	test('a second signal during cleanup exits at once', async () => {
		// With the target frozen by SIGSTOP, the detach waits on calls that cannot answer (seconds);
		// the second SIGINT must end leaktop without waiting for them.
		const cli = spawnCli(['--headless', '--interval', '250ms', '--port', String(server.port)]);
		let stopped = false;
		try {
			await waitForOutput(cli, 'stderr', /attached to pid/);
			process.kill(server.pid, 'SIGSTOP');
			stopped = true;
			process.kill(cli.pid, 'SIGINT');
			// Pending signals coalesce: send the second only once the first is delivered.
			await waitFor(() => !signalPending(cli.pid, 'SIGINT'), {what: 'the first SIGINT to be delivered'});
			process.kill(cli.pid, 'SIGINT');
			const result = await exitOf(cli, 10_000);
			assert.equal(result.code, 130, result.stderr);
			assert.equal(lines(result.stderr).at(-1), 'leaktop: exiting without finishing cleanup');
			assert.doesNotMatch(result.stderr, /^\s+at /m);
		} finally {
			if (stopped) process.kill(server.pid, 'SIGCONT');
			await cli.kill();
		}
		assert.equal(await httpGet(server.httpPort!, '/'), `ok ${server.pid}`);
	});
});
