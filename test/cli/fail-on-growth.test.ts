import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {assertFailsWith, runCli} from '../helpers/cli.js';
import {startTarget, type Target} from '../helpers/target.js';

let target: Target;
before(async () => {
	target = await startTarget('server');
});
after(async () => {
	await target.kill();
});

test('--threshold and --fail-on-growth reject rates that are not a size per time', async () => {
	assertFailsWith(await runCli(['--threshold', 'fast', '--headless']), 'invalid --threshold "fast"');
	assertFailsWith(await runCli(['--fail-on-growth', '5MB', '--headless']), 'invalid --fail-on-growth "5MB"');
});

test('--fail-on-growth on a quiet target exits 0 and says so; an error stays exit 2', async () => {
	const quiet = await runCli(['--port', String(target.port), '--duration', '2s', '--fail-on-growth', '1MB/h']);
	assert.equal(quiet.code, 0, quiet.stderr);
	assert.match(quiet.stderr, /^leaktop: verdict: no leak: /m);
	const nothing = await runCli(['--port', '1', '--fail-on-growth']);
	assertFailsWith(nothing, 'nothing is listening on 127.0.0.1:1');
});
