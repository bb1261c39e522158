/** `--census off`: no automatic listener census (no forced GC, no heap walk) in a headless run. */
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, test} from 'node:test';
import {assertFailsWith, assertOk, runCli} from '../helpers/cli.js';
import {startTarget, type Target} from '../helpers/target.js';
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

const censusesIn = (path: string) => (JSON.parse(readFileSync(path, 'utf8')) as Report).listeners.censuses;

test('headless runs take a census at attach and at the end; --census off takes none', async () => {
	const on = join(dir, 'on.json');
	assertOk(await runCli(['--port', String(server.port), '--duration', '2s', '--report', on]));
	assert.ok(censusesIn(on) >= 2, `censuses with the default: ${censusesIn(on)}`);
	const off = join(dir, 'off.json');
	assertOk(await runCli(['--port', String(server.port), '--duration', '2s', '--census', 'off', '--report', off]));
	assert.equal(censusesIn(off), 0);
});

test('--census takes on or off only', async () => {
	assertFailsWith(await runCli(['--census', 'sometimes', '--headless']), 'invalid --census "sometimes": use on or off');
});
