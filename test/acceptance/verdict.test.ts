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
	/** The first finding's pattern; its sentence names the fixture's file. Cache and closure need a snapshot pair to be told apart: live, they are `unknown` and say so. */
	pattern?: string;
}

const cases: Case[] = [
	{fixture: 'listeners', leak: true, kinds: ['heap', 'listeners'], pattern: 'listeners'},
	{fixture: 'closure', leak: true, kinds: ['heap'], pattern: 'unknown'},
	{fixture: 'cache', leak: true, kinds: ['heap'], pattern: 'unknown'},
	{fixture: 'stream', leak: true, kinds: ['external'], notKinds: ['heap'], pattern: 'stream'},
	{fixture: 'timers', leak: true, kinds: ['heap', 'resources'], pattern: 'timers'},
	{fixture: 'promises', leak: true, kinds: ['heap', 'promises'], pattern: 'promises'},
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
				const [first] = report.findings;
				const found = `findings: ${report.findings.map(f => `${f.pattern} ${f.confidence}: ${f.sentence}`).join('\n') || 'none'}`;
				if (c.pattern === undefined) {
					assert.deepEqual(report.findings, [], `a control has no finding; ${found}`);
				} else {
					assert.equal(first?.pattern, c.pattern, found);
					assert.ok(first!.sentence.includes(`${c.fixture}.js`), `the first finding names the fixture's file; ${found}`);
					if (c.pattern === 'unknown') assert.match(first!.sentence, /two snapshots would tell a cache from a closure/);
					// Placed by the census: the listener function itself, and the stream's own read().
					if (c.fixture === 'listeners') assert.match(first!.sentence, /the listener is defined in handler listeners\.js:\d+/);
					if (c.fixture === 'stream') assert.match(first!.sentence, /a Readable holds [\d.]+ [KM]B nobody reads .*created with read stream\.js:\d+/);
					assert.ok(result.stderr.includes(`leaktop: finding: ${first!.sentence}`), `the exit summary prints it; ${result.stderr}`);
				}
			} finally {
				await target.kill();
			}
		});
	}
});
