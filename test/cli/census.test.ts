/**
 * `--census on|always|off` in a headless run: automatic censuses (each a forced GC and a heap
 * walk) while the target is quiet, whatever its load, or none.
 */
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, test} from 'node:test';
import {assertFailsWith, assertOk, runCli} from '../helpers/cli.js';
import {httpGet, startTarget, type Target} from '../helpers/target.js';
import type {Report} from '../../src/model/report.js';

const dir = mkdtempSync(join(tmpdir(), 'leaktop-cli-census-'));
let server: Target;

before(async () => {
	server = await startTarget('server');
});
after(async () => {
	await server?.kill();
	rmSync(dir, {recursive: true, force: true});
});

const listenersIn = (path: string) => (JSON.parse(readFileSync(path, 'utf8')) as Report).listeners;
const censusesIn = (path: string) => listenersIn(path).censuses;

test('headless runs take a census at attach and at the end; --census off takes none', async () => {
	const on = join(dir, 'on.json');
	assertOk(await runCli(['--port', String(server.port), '--duration', '2s', '--report', on]));
	assert.ok(censusesIn(on) >= 2, `censuses with the default: ${censusesIn(on)}`);
	const off = join(dir, 'off.json');
	assertOk(await runCli(['--port', String(server.port), '--duration', '2s', '--census', 'off', '--report', off]));
	assert.equal(censusesIn(off), 0);
});

test('on a busy target --census on waits and the report says why; --census always takes them anyway', async () => {
	await httpGet(server.httpPort!, '/busy?ms=60000');
	try {
		const on = join(dir, 'busy-on.json');
		const quiet = await runCli(['--port', String(server.port), '--duration', '3s', '--report', on]);
		assertOk(quiet);
		assert.equal(censusesIn(on), 0);
		const paused = listenersIn(on).autoCensusPaused;
		assert.ok(paused && paused.utilization !== null && paused.utilization > 0.5, `paused: ${JSON.stringify(paused)}`);
		const always = join(dir, 'busy-always.json');
		assertOk(await runCli(['--port', String(server.port), '--duration', '3s', '--census', 'always', '--report', always]));
		assert.ok(censusesIn(always) >= 2, `censuses with --census always: ${censusesIn(always)}`);
		assert.equal(listenersIn(always).autoCensusPaused, null);
	} finally {
		await httpGet(server.httpPort!, '/busy?ms=0');
	}
});

test('--census takes on, always or off only', async () => {
	assertFailsWith(await runCli(['--census', 'sometimes', '--headless']), 'invalid --census "sometimes": use on, always, off');
});
