/**
 * The seed's leak patterns against leaktop's verdict, end to end: each fixture leaks (or does
 * not) by itself; leaktop runs headless for 60 s with --fail-on-growth, as a CI job would.
 */
import assert from 'node:assert/strict';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import type {Report} from '../../src/model/report.js';
import {exitOf, spawnCli} from '../helpers/cli.js';
import {startTarget} from '../helpers/target.js';

interface Case {
	fixture: string;
	leak: boolean;
	/** Signal kinds that must be growing. */
	kinds?: string[];
	/** Signal kinds that must not be growing. */
	notKinds?: string[];
}

const cases: Case[] = [
	{fixture: 'listeners', leak: true, kinds: ['heap', 'listeners']},
	{fixture: 'closure', leak: true, kinds: ['heap']},
	{fixture: 'cache', leak: true, kinds: ['heap']},
	{fixture: 'stream', leak: true, kinds: ['external'], notKinds: ['heap']},
	{fixture: 'timers', leak: true, kinds: ['heap', 'resources']},
	{fixture: 'promises', leak: true, kinds: ['heap']},
	{fixture: 'lru', leak: false},
	{fixture: 'sawtooth', leak: false},
	{fixture: 'churn', leak: false},
];

let dir: string;
before(async () => {
	dir = await mkdtemp(join(tmpdir(), 'leaktop-acceptance-'));
});
after(async () => {
	await rm(dir, {recursive: true, force: true});
});

describe('verdict after 60 s headless', {concurrency: 3}, () => {
	for (const c of cases) {
		test(`${c.fixture}: ${c.leak ? `leak (${c.kinds!.join(', ')})` : 'no leak'}`, async () => {
			const target = await startTarget(`leaks/${c.fixture}`);
			try {
				const reportPath = join(dir, `${c.fixture}.json`);
				const run = spawnCli(['--url', target.webSocketUrl, '--headless', '--duration', '60s', '--report', reportPath, '--fail-on-growth']);
				const result = await exitOf(run, 120_000);
				const report = JSON.parse(await readFile(reportPath, 'utf8')) as Report;
				const growing = report.verdict.signals.filter(s => s.verdict === 'growing');
				const detail = `growing: ${growing.map(s => `${s.kind}:${s.series} ${Math.round(s.slopePerHour)}/h @${s.confidence.toFixed(3)}`).join('; ') || 'none'}\n${result.stderr}`;
				assert.equal(report.verdict.leak, c.leak, detail);
				assert.equal(result.code, c.leak ? 1 : 0, detail);
				for (const kind of c.kinds ?? []) assert.ok(growing.some(s => s.kind === kind), `${kind} should grow; ${detail}`);
				for (const kind of c.notKinds ?? []) assert.ok(!growing.some(s => s.kind === kind), `${kind} should not grow; ${detail}`);
			} finally {
				await target.kill();
			}
		});
	}
});
