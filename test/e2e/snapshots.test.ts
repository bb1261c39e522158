/**
 * Heap snapshots from the TUI in a real terminal: `s` on a safe target, the RISKY question under
 * a real container limit (a memory cgroup), `n` arming the near-heap-limit snapshot and the
 * target then really writing it, `esc` and `q` during a long capture, and the help at 80x24.
 */
import assert from 'node:assert/strict';
import {mkdtemp, readdir, readFile, rm, stat} from 'node:fs/promises';
import {hostname, tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, test} from 'node:test';
import {bindingsFor} from '../../src/keymap.js';
import {formatBytes} from '../../src/model/format.js';
import {cannotLimitMemoryReason, limitMemory, type MemoryLimit} from '../helpers/cgroup.js';
import {isRunning} from '../helpers/cli.js';
import {cliPath, fixturePath} from '../helpers/paths.js';
import {track, waitForOutput} from '../helpers/processes.js';
import {httpGet, startTarget, type Target} from '../helpers/target.js';
import {runInTerminal, type TerminalRun} from '../helpers/tmux.js';
import {isAlive, waitFor} from '../helpers/wait.js';
import {escapeRegExp, linesBesidesSummary} from '../helpers/text.js';

const columns = 80;
const rows = 24;

const host = escapeRegExp(hostname().replace(/[^A-Za-z0-9._-]/g, '_'));
/** A snapshot file of `pid` as leaktop names it. */
const fileName = (pid: number) => new RegExp(`^${host}-${pid}-\\d{8}T\\d{6}\\.heapsnapshot$`);

// A small heap on a host with gigabytes free: the risk check lets it through without asking.
let target: Target;
// ~90 MB of small objects: a capture of several seconds (building alone takes a few), long
// enough to press esc or q in the middle. Still not risky: ~1.6 GB extra of ~20 GB free, a
// pause estimate under 30 s.
let big: Target;
const dirs: string[] = [];
before(async () => {
	[target, big] = await Promise.all([startTarget('server'), startTarget('server')]);
	assert.equal(await httpGet(big.httpPort!, '/retain?mb=60'), 'retained');
});
after(async () => {
	await Promise.all([target?.kill(), big?.kill()]);
	await Promise.all(dirs.map(dir => rm(dir, {recursive: true, force: true})));
});

async function tempDir(name: string): Promise<string> {
	const dir = await mkdtemp(join(tmpdir(), `leaktop-snap-${name}-`));
	dirs.push(dir);
	return dir;
}

/** leaktop in a terminal, attached to `port`, its cwd `cwd`, with `args` after the port. */
function leaktopIn(cwd: string, port: number, args: string[] = [], size = {columns, rows}): Promise<TerminalRun> {
	return runInTerminal(['sh', '-c', 'cd "$1" && shift && exec "$@"', 'sh', cwd, process.execPath, cliPath, '--port', String(port), ...args], size);
}

function assertTerminalRestored(stty: string): void {
	assert.match(stty, /(^|\s)icanon(\s|$)/, 'canonical mode restored');
	assert.match(stty, /(^|\s)echo(\s|$)/, 'echo restored');
}

function assertFits(screen: string): void {
	for (const line of screen.split('\n')) assert.ok([...line].length <= columns, `line wider than ${columns}: ${line}`);
}

async function assertServes(t: Target, timeoutMs = 30_000): Promise<void> {
	// A target still finishing a snapshot answers once it is done.
	const answer = await waitFor(() => httpGet(t.httpPort!, '/'), {timeoutMs, what: `pid ${t.pid} to serve`});
	assert.equal(answer, `ok ${t.pid}`);
}

/**
 * The snapshots panel's row for `name`: size, time, heapUsed, pause. A name longer than its
 * column (a long hostname) is cut at its start; `<pid>-<stamp>.heapsnapshot` always shows.
 */
function rowOf(name: string): RegExp {
	const tail = name.slice(name.search(/\d+-\d{8}T\d{6}\.heapsnapshot$/));
	return new RegExp(`^(?:${escapeRegExp(name)}|…\\S*${escapeRegExp(tail)}) +([\\d.]+ [KMG]?B) +\\d\\d:\\d\\d:\\d\\d +[\\d.]+ [KMG]?B +(\\d+ ms|\\d+s)$`, 'm');
}

/** Waits for the one snapshot file in `dir` and checks it like a user would: name, mode, size on screen. */
async function assertSnapshotRow(term: TerminalRun, dir: string, pid: number): Promise<string> {
	const name = await waitFor(async () => (await readdir(dir)).find(file => fileName(pid).test(file)), {timeoutMs: 60_000, what: `a snapshot file in ${dir}`});
	const screen = await term.waitForScreen(rowOf(name), 60_000);
	assert.match(screen, /^file +size +taken +heapUsed +pause$/m);
	assert.deepEqual(await readdir(dir), [name], 'only the snapshot, no .part left');
	const info = await stat(join(dir, name));
	assert.equal(info.mode & 0o777, 0o600);
	assert.equal(rowOf(name).exec(screen)![1], formatBytes(info.size), 'the row shows the file\'s size');
	const head = (await readFile(join(dir, name), 'utf8')).slice(0, 200);
	assert.match(head, /^\{"snapshot":\{"meta":/, 'a heap snapshot DevTools can load');
	return name;
}

test('s on a safe target: the snapshots panel, a row with the file, a log line, the file 0600 in the cwd', async () => {
	const cwd = await tempDir('safe');
	// No --out: snapshots go to leaktop's cwd.
	const term = await leaktopIn(cwd, target.port);
	try {
		await term.waitForScreen(/heapUsed\s+\d/, 30_000);
		await term.keys('s');
		const name = await assertSnapshotRow(term, cwd, target.pid);
		// The log line (cut at 80 columns): the path is the bare name, relative to leaktop's cwd.
		const screen = await term.waitForScreen(new RegExp(`heap snapshot written: ${escapeRegExp(name.slice(0, 40))}`), 30_000);
		assert.doesNotMatch(screen, /RISKY|y\/N/, 'a safe snapshot asks nothing');
		assertFits(screen);
		// The lower panel stays on snapshots until tab: then findings, chart, allocations,
		// resources, listeners, watches and back to snapshots.
		const panels = [/^findings/m, /heapUsed over the last/, /live allocations|allocation sampling/, /active resources/, /listeners: /, /^# +watch/m, rowOf(name)];
		for (const panel of panels) {
			await term.keys('Tab');
			await term.waitForScreen(panel, 30_000);
		}

		const pid = await term.pid();
		await term.keys('q');
		assert.equal(await term.exitCode(5000), 0);
		assert.equal(isAlive(pid), false);
		assertTerminalRestored(await term.sttyAfter());
		await assertServes(target);
		assert.deepEqual(await readdir(cwd), [name]);
	} finally {
		await term.close();
	}
});

// 768 MiB and ~30 MB of heap: see test/cli/snapshot.test.ts. The estimate (~600 MB extra) is
// far over half of what is left under the limit; the real capture fits (~380 MB).
const cgroupSkip = cannotLimitMemoryReason() ?? false;

test('a risky target (memory cgroup): s asks RISKY y/N; n declines, nothing written; s then y takes it', {skip: cgroupSkip}, async () => {
	const risky = await startTarget('server');
	let limit: MemoryLimit | undefined;
	let term: TerminalRun | undefined;
	try {
		limit = await limitMemory(risky.pid, 768 * 1024 * 1024);
		assert.equal(await httpGet(risky.httpPort!, '/retain?mb=20'), 'retained');
		const out = await tempDir('risky');
		const cwd = await tempDir('risky-cwd');
		term = await leaktopIn(cwd, risky.port, ['--out', out]);
		await term.waitForScreen(/heapUsed\s+\d/, 30_000);
		// The header shows the container limit read at attach: the target really is limited.
		await term.waitForScreen(/memory limit 805\.3 MB/, 10_000);

		await term.keys('s');
		let screen = await term.waitForScreen(/take it anyway\? y\/N/, 30_000);
		assert.match(screen, /^RISKY heap snapshot: it may need [\d.]+ MB more memory and only [\d.]+ MB is free/m);
		assert.match(screen, /^estimate: pause about .* target memory of [\d.]+ MB free/m);
		assertFits(screen);
		// n is "no" here (any key but y is), not "arm the near-limit snapshot".
		await term.keys('n');
		screen = await term.waitForScreen(/heap snapshot not taken/, 10_000);
		assert.doesNotMatch(screen, /y\/N|near-heap-limit/);
		assert.match(screen, /^s: take a heap snapshot/m, 'the panel is idle again');
		assert.deepEqual(await readdir(out), [], 'nothing written');
		assert.deepEqual(await readdir(cwd), [], 'nothing written in the cwd either');

		await term.keys('s');
		await term.waitForScreen(/take it anyway\? y\/N/, 30_000);
		await term.keys('y');
		await assertSnapshotRow(term, out, risky.pid);
		await term.waitForScreen(new RegExp(`heap snapshot written: ${escapeRegExp(out)}/`), 30_000);
		assert.deepEqual(await readdir(cwd), []);
		// Not OOM-killed.
		await assertServes(risky);
		await term.keys('q');
		assert.equal(await term.exitCode(5000), 0);
	} finally {
		await term?.close();
		await risky.kill();
		await limit?.remove();
	}
});

interface CwdTarget extends Target {
	cwd: string;
}

/** The server fixture with its own cwd and a 64 MB old space: it reaches its heap limit fast. */
async function startInCwd(cwd: string): Promise<CwdTarget> {
	const p = track(process.execPath, ['--inspect=127.0.0.1:0', '--max-old-space-size=64', fixturePath('server')], {cwd});
	try {
		const [, webSocketUrl, port] = await waitForOutput(p, 'stderr', /Debugger listening on (ws:\/\/127\.0\.0\.1:(\d+)\/\S+)/);
		const httpPort = Number((await waitForOutput(p, 'stdout', /ready (\d+)/))[1]);
		return {...p, port: Number(port), webSocketUrl: webSocketUrl!, httpPort, cwd};
	} catch (error) {
		await p.kill();
		throw error;
	}
}

/** Makes `t` retain more than its heap limit allows: it dies of it (the request never answers). */
function exhaust(t: CwdTarget): void {
	httpGet(t.httpPort!, '/retain?mb=100').catch(() => undefined);
}

const nearLimitFile = (pid: number) => new RegExp(`^Heap\\.\\d{8}\\.\\d{6}\\.${pid}\\.0\\.001\\.heapsnapshot$`);

test('n, y: armed in the target, where it will write; at its heap limit the target really writes it there', async () => {
	const [armedCwd, controlCwd, leaktopCwd] = await Promise.all([tempDir('near'), tempDir('near-control'), tempDir('near-leaktop')]);
	const [armed, control] = await Promise.all([startInCwd(armedCwd), startInCwd(controlCwd)]);
	// The target runs out of memory and dies: leaktop ends instead of waiting for it to come back.
	const term = await leaktopIn(leaktopCwd, armed.port, ['--no-reconnect']);
	try {
		await term.waitForScreen(/heapUsed\s+\d/, 30_000);
		await term.keys('n');
		let screen = await term.waitForScreen(/arm a near-heap-limit snapshot\? It cannot be disarmed\. y\/N/, 10_000);
		assertFits(screen);
		await term.keys('y');
		screen = await term.waitForScreen(/near-heap-limit snapshot armed \(cannot be disarmed\); the process will write/, 10_000);
		// Where: the target's cwd (not leaktop's), its pid, Node's own file name pattern.
		assert.match(screen, new RegExp(`^  ${escapeRegExp(armedCwd)}/Heap\\.<date>\\.<time>\\.${armed.pid}\\.0\\.001\\.heapsnapshot$`, 'm'));
		assert.doesNotMatch(screen, /y\/N/);
		assertFits(screen);
		// Asking again says it is armed already, and asks nothing.
		await term.keys('n');
		screen = await term.waitForScreen(/the near-heap-limit snapshot is already armed/, 10_000);
		assert.doesNotMatch(screen, /y\/N/);

		// The real effect: both targets run out of heap; only the armed one writes a snapshot.
		exhaust(armed);
		exhaust(control);
		const name = await waitFor(async () => (await readdir(armedCwd)).find(file => nearLimitFile(armed.pid).test(file)), {timeoutMs: 60_000, what: `Heap.*.heapsnapshot in ${armedCwd}`});
		await waitFor(() => !isRunning(armed.pid), {timeoutMs: 60_000, what: 'the armed target to die of its heap limit'});
		await waitFor(() => !isRunning(control.pid), {timeoutMs: 60_000, what: 'the control target to die of its heap limit'});
		const snapshot = join(armedCwd, name);
		assert.ok((await stat(snapshot)).size > 1_000_000, 'a whole snapshot, not an empty file');
		assert.match((await readFile(snapshot, 'utf8')).slice(0, 200), /^\{"snapshot":\{"meta":/);
		assert.deepEqual(await readdir(controlCwd), [], 'without arming, nothing is written');
		assert.deepEqual(await readdir(leaktopCwd), [], 'leaktop wrote nothing itself');
		// leaktop saw its target go: exit 2, terminal restored.
		assert.equal(await term.exitCode(30_000), 2);
		assertTerminalRestored(await term.sttyAfter());
	} finally {
		await term.close();
		await Promise.all([armed.kill(), control.kill()]);
	}
});

/** Waits until a capture shows its progress bar: `NN% building a/b`. */
async function waitForProgress(term: TerminalRun): Promise<string> {
	return term.waitForScreen(/^[█░]+ \d+% building \d+\/\d+, \d+s \(esc abandons\)$/m, 30_000);
}

const partFiles = async (dir: string) => (await readdir(dir)).filter(file => file.endsWith('.part'));

/** leaktop on the big target with `s` pressed: the capture is running and streaming to a .part file. */
async function startCapture(label: string): Promise<{out: string; term: TerminalRun}> {
	const out = await tempDir(label);
	// Idle first: a target still in a snapshot cannot be attached to.
	await assertServes(big);
	const term = await leaktopIn(out, big.port, ['--out', out]);
	try {
		await term.waitForScreen(/heapUsed\s+\d/, 30_000);
		await term.keys('s');
		await waitForProgress(term);
		assert.equal((await partFiles(out)).length, 1, `a .part file while the capture runs: ${(await readdir(out)).join(', ')}`);
		return {out, term};
	} catch (error) {
		await term.close();
		throw error;
	}
}

test('esc during a capture: abandoning, the partial file removed, no snapshot, the target keeps serving', async () => {
	const {out, term} = await startCapture('esc');
	try {
		await term.keys('Escape');
		const screen = await term.waitForScreen(/abandoning the heap snapshot: the target still finishes its pause/, 10_000);
		assert.match(screen, /^abandoning \(\d+s\): the target still finishes its pause; partial file removed/m);
		await waitFor(async () => (await partFiles(out)).length === 0, {timeoutMs: 5000, what: 'the .part file to be removed'});
		// Once the target is done with its pause, the capture ends as abandoned.
		await term.waitForScreen(/heap snapshot abandoned: the partial file was removed/, 60_000);
		await term.waitForScreen(/^s: take a heap snapshot/m, 10_000);
		assert.deepEqual(await readdir(out), [], 'no snapshot, no .part');
		await assertServes(big);
		await term.keys('q');
		assert.equal(await term.exitCode(5000), 0);
		assert.deepEqual(await readdir(out), []);
	} finally {
		await term.close();
	}
});

test('q during a capture: leaktop detaches and exits, no .part left, the target keeps serving', async () => {
	const {out, term} = await startCapture('quit');
	try {
		const pid = await term.pid();
		const quitAt = Date.now();
		await term.keys('q');
		// The target is still stopped in its snapshot: leaktop stops writing, removes the partial
		// file and closes the socket without waiting on the target for anything else.
		assert.equal(await term.exitCode(5000), 0);
		assert.ok(Date.now() - quitAt < 5000, `q took ${Date.now() - quitAt} ms`);
		assert.equal(isAlive(pid), false);
		assertTerminalRestored(await term.sttyAfter());
		assert.deepEqual(linesBesidesSummary(await term.screen()), []);
		assert.deepEqual(await readdir(out), [], 'no snapshot, no .part');
		await assertServes(big);
		assert.deepEqual(await readdir(out), []);
	} finally {
		await term.close();
	}
});

test('? at 80x24: every key and its help text on screen; esc closes it', async () => {
	const cwd = await tempDir('help');
	const term = await leaktopIn(cwd, target.port);
	try {
		await term.waitForScreen(/heapUsed\s+\d/, 30_000);
		await term.keys('?');
		const screen = await term.waitForScreen(/^keys \(esc or \? closes this help\)/m, 10_000);
		assertFits(screen);
		for (const b of bindingsFor('live')) {
			assert.match(screen, new RegExp(`^${escapeRegExp(b.keys.join(', '))} +${escapeRegExp(b.help)}$`, 'm'), `${b.keys.join(', ')} in the help:\n${screen}`);
		}
		await term.keys('Escape');
		await waitFor(async () => !/^keys \(esc/m.test(await term.screen()), {timeoutMs: 10_000, what: 'the help to close'});
		await term.waitForScreen(/heapUsed\s+\d/, 10_000);
		await term.keys('q');
		assert.equal(await term.exitCode(5000), 0);
		assert.deepEqual(await readdir(cwd), []);
	} finally {
		await term.close();
	}
});
