/**
 * `--census on|always|off` in a headless run: automatic censuses (each a forced GC and a heap
 * walk) while the target is quiet, whatever its load, or none.
 */
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {test} from 'node:test';
import {assertFailsWith, assertOk, runCli} from '../helpers/cli.js';
import {fixtureForFile, httpGet, tempDirForFile} from '../helpers/target.js';
import type {Report} from '../../src/model/report.js';

const dir = tempDirForFile('leaktop-cli-census-');
const server = fixtureForFile('server');

const listenersIn = (path: string) => (JSON.parse(readFileSync(path, 'utf8')) as Report).listeners;
const censusesIn = (path: string) => listenersIn(path).censuses;

test('headless runs take a census at attach and at the end; --census off takes none', async () => {
	const on = join(dir, 'on.json');
	// `always`: the default `on` waits while the target's event loop looks busy, and on a loaded
	// test box (or CI) the quiet server can look busy; the cadence is what this test is about
	// (the gating has the next test). 6 s: the census at attach waits for a second of event
	// loop readings, and a shorter run's end could catch it still running.
	assertOk(await runCli(['--port', String(server().port), '--duration', '6s', '--census', 'always', '--report', on]));
	assert.ok(censusesIn(on) >= 2, `censuses: ${censusesIn(on)}`);
	const off = join(dir, 'off.json');
	assertOk(await runCli(['--port', String(server().port), '--duration', '2s', '--census', 'off', '--report', off]));
	assert.equal(censusesIn(off), 0);
});

test('on a busy target --census on waits and the report says why; --census always takes them anyway', async () => {
	await httpGet(server().httpPort!, '/busy?ms=60000');
	try {
		const on = join(dir, 'busy-on.json');
		const quiet = await runCli(['--port', String(server().port), '--duration', '3s', '--report', on]);
		assertOk(quiet);
		assert.equal(censusesIn(on), 0);
		const paused = listenersIn(on).autoCensusPaused;
		assert.ok(paused && paused.utilization !== null && paused.utilization > 0.5, `paused: ${JSON.stringify(paused)}`);
		const always = join(dir, 'busy-always.json');
		assertOk(await runCli(['--port', String(server().port), '--duration', '3s', '--census', 'always', '--report', always]));
		assert.ok(censusesIn(always) >= 2, `censuses with --census always: ${censusesIn(always)}`);
		assert.equal(listenersIn(always).autoCensusPaused, null);
	} finally {
		await httpGet(server().httpPort!, '/busy?ms=0');
	}
});

test('--census takes on, always or off only', async () => {
	assertFailsWith(await runCli(['--census', 'sometimes', '--headless']), 'invalid --census "sometimes": use on, always, off');
});
