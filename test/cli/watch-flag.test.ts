/** `--watch` as a CI job uses it: watches from the start, in the report, and a refused one is exit 2. */
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {test} from 'node:test';
import type {Report} from '../../src/model/report.js';
import {assertFailsWith, assertOk, runCli} from '../helpers/cli.js';
import {fixtureForFile, httpGet, tempDirForFile} from '../helpers/target.js';

const dir = tempDirForFile('leaktop-cli-watch-');
const app = fixtureForFile('globals');

test('--watch (repeatable) reads from the start; the report lists each, and a Map that keeps growing is judged growing', async () => {
	const report = join(dir, 'watches.json');
	const result = await runCli(['--headless', '--duration', '35s', '--sampling', 'off', '--census', 'off', '--watch', 'sessions.size', '--watch', 'flag', '--report', report, '--port', String(app().port)], {timeoutMs: 90_000});
	assertOk(result);
	const {watches, verdict} = JSON.parse(readFileSync(report, 'utf8')) as Report;
	assert.deepEqual(
		watches.map(w => [w.id, w.expression, w.error]),
		[
			[1, 'sessions.size', null],
			[2, 'flag', null],
		],
	);
	const [sessions, flag] = watches;
	assert.ok(sessions!.readings >= 30, `readings: ${sessions!.readings}`);
	assert.ok(sessions!.growth >= 250, `sessions grow 10 a second: ${sessions!.growth}`);
	assert.equal(sessions!.verdict, 'growing');
	assert.equal(sessions!.last, String(sessions!.value));
	assert.ok(verdict.signals.some(s => s.kind === 'watch' && s.series === 'sessions.size' && s.verdict === 'growing'));
	assert.equal(verdict.leak, false, 'a growing watch is shown, not a leak verdict by itself');
	assert.deepEqual([flag!.last, flag!.value, flag!.readings], ['"original"', null, 0]);
});

test('a --watch that V8 refuses as side-effecting is exit 2 in one line, before the session, and the target is unchanged', async () => {
	const result = await runCli(['--headless', '--duration', '5s', '--watch', 'counter++', '--port', String(app().port)]);
	assertFailsWith(result, '--watch "counter++": refused: V8 says it may have side effects (EvalError: Possible side-effect in debug-evaluate); a watch may only read');
	assert.equal((JSON.parse(await httpGet(app().httpPort!, '/')) as {counter: number}).counter, 0);
	const missing = await runCli(['--headless', '--duration', '5s', '--watch', 'cache.size', '--port', String(app().port)]);
	assertFailsWith(missing, '--watch "cache.size": ReferenceError: cache is not defined');
});
