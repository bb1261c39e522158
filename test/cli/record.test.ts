/** `--record` and `leaktop report FILE`: a recorded session gives the report the live one gave. */
import assert from 'node:assert/strict';
import {readFileSync, statSync, truncateSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {test} from 'node:test';
import {assertEndsWithError, assertFailsWith, assertOk, exitOf, runCli, spawnCli} from '../helpers/cli.js';
import {waitForOutput} from '../helpers/processes.js';
import {fixtureForFile, httpGet, tempDirForFile} from '../helpers/target.js';
import {waitFor} from '../helpers/wait.js';
import type {Event} from '../../src/model/state.js';
import type {RecordingHeader} from '../../src/model/recording.js';
import {defaultVerdictOptions} from '../../src/model/verdict.js';

const dir = tempDirForFile('leaktop-cli-record-');
const server = fixtureForFile('server');

test('a headless run with --record and --report: leaktop report on the recording gives the same report', async () => {
	const recording = join(dir, 'session.ndjson');
	const live = join(dir, 'live.json');
	assertOk(await runCli(['--headless', '--duration', '4s', '--port', String(server().port), '--record', recording, '--report', live]));
	assert.equal(statSync(recording).mode & 0o777, 0o600);
	const recorded = readFileSync(recording, 'utf8').trimEnd().split('\n').map(line => JSON.parse(line) as Record<string, unknown>);
	assert.equal((recorded[0]!.header as RecordingHeader).format, 'leaktop-recording');
	assert.equal(((recorded[1]!.event as Event).type), 'attached');
	assert.ok(recorded.filter(line => 'event' in line && (line.event as Event).type === 'sample').length >= 3, 'every sample');
	assert.ok(recorded.some(line => 'verdict' in line), 'verdict lines');
	assert.match(JSON.stringify(recorded.at(-1)), /^\{"end":\{"endedAt":\d+,"reason":"detached \(duration of 4s reached\)"\}\}$/);

	const offline = await runCli(['report', recording]);
	assertOk(offline);
	assert.deepEqual(JSON.parse(offline.stdout), JSON.parse(readFileSync(live, 'utf8')));
	assert.match(offline.stderr, /^leaktop: session: 4s on pid \d+/m);
	const written = join(dir, 'offline.json');
	assertOk(await runCli(['report', recording, '--report', written]));
	assert.equal(readFileSync(written, 'utf8'), readFileSync(live, 'utf8'));
});

test('a recording of a killed leaktop still reports, and says its last line was cut', async () => {
	const recording = join(dir, 'killed.ndjson');
	const run = spawnCli(['--headless', '--port', String(server().port), '--record', recording]);
	await waitForOutput(run, 'stderr', /attached to pid/);
	await waitFor(() => readFileSync(recording, 'utf8').split('"type":"sample"').length > 3, {what: 'three recorded samples'});
	run.child.kill('SIGKILL');
	await exitOf(run, 5000);
	// Cut the file mid-line, as a write interrupted by the kill would have left it.
	truncateSync(recording, statSync(recording).size - 7);
	const offline = await runCli(['report', recording]);
	assert.equal(offline.code, 0, offline.stderr);
	assert.match(offline.stderr, /^leaktop: the recording's last line was cut off \(leaktop was killed\?\): reporting on what came before it$/m);
	const report = JSON.parse(offline.stdout) as {samples: unknown[]; endReason: string | null};
	assert.ok(report.samples.length >= 2);
	assert.equal(report.endReason, null, 'no end was recorded');
	assert.match(await httpGet(server().httpPort!, '/'), /^ok \d+/);
});

test('--fail-on-growth on a recording: exit 1 on a leak, 0 without; the threshold can be changed offline', async () => {
	const header: RecordingHeader = {format: 'leaktop-recording', version: 1, leaktopVersion: '0.0.0', startedAt: 0, intervalMs: 1000, historySize: 3600, samplingIntervalBytes: null, verdictOptions: defaultVerdictOptions};
	const target = {pid: 7, nodeVersion: 'v20.20.2', title: 'node', argv: ['node'], address: '127.0.0.1:9229', webSocketUrl: 'ws://127.0.0.1:9229/x', cwd: null, hostname: null, heapSizeLimit: null, constrainedMemory: null};
	const events: Event[] = [{type: 'attached', target, t: 0}];
	// 3 MB a minute for two minutes: 180 MB/h, over the default 1 MB/h and under 1 GB/h.
	for (let i = 0; i <= 120; i++) {
		const heapUsed = 40_000_000 + i * 50_000;
		events.push({type: 'sample', sample: {t: i * 1000, heapUsed, heapTotal: heapUsed * 2, rss: heapUsed * 3, external: 1_000_000, arrayBuffers: 0, uptime: i, resources: {}}, receivedAt: i * 1000});
	}
	const path = join(dir, 'leak.ndjson');
	writeFileSync(path, [{header}, ...events.map(event => ({event})), {end: {endedAt: 121_000, reason: 'detached (quit)'}}].map(line => JSON.stringify(line)).join('\n') + '\n');
	const leak = await runCli(['report', path, '--fail-on-growth']);
	assert.equal(leak.code, 1, leak.stderr);
	assert.match(leak.stderr, /^leaktop: verdict: leak: heap floor \+180\.0 MB\/h/m);
	assertOk(await runCli(['report', path]));
	assertOk(await runCli(['report', path, '--fail-on-growth', '1GB/h']));
});

test('bad input: one line and exit 2, for the file, its content and the arguments', async () => {
	assertFailsWith(await runCli(['report']), 'leaktop report takes one recording, written by --record (got 0');
	assertFailsWith(await runCli(['report', join(dir, 'missing.ndjson')]), /^cannot read the recording .*missing\.ndjson: no such file or directory$/);
	const corrupt = join(dir, 'corrupt.heapsnapshot');
	writeFileSync(corrupt, '{"snapshot": {"meta": {}}}\n');
	assertFailsWith(await runCli(['report', corrupt]), /corrupt\.heapsnapshot: not a leaktop recording: the first line is not its header$/);
	const full = await runCli(['--headless', '--duration', '2s', '--port', String(server().port), '--record', '/dev/full']);
	assertEndsWithError(full, /^leaktop: the recording stopped: cannot write to \/dev\/full: no space left on device$/);
	assert.match(await httpGet(server().httpPort!, '/'), /^ok \d+/);
});
