/**
 * Runs the built CLI (`node bin/leaktop.js ...`) as a real process, and checks the shape of
 * what it prints: errors are one line starting with `leaktop: `, never a stack trace.
 */
import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import {constants as osConstants} from 'node:os';
import {cliPath, repoRoot} from './paths.js';
import {type Spawned, track} from './processes.js';
import {isAlive, waitFor} from './wait.js';

export interface CliResult {
	code: number | null;
	signal: NodeJS.Signals | null;
	stdout: string;
	stderr: string;
	/** From spawn to exit, in ms. */
	elapsedMs: number;
	pid: number;
}

export interface CliOptions {
	/** The run fails (and the process is killed) if it has not exited by then. */
	timeoutMs?: number;
	env?: NodeJS.ProcessEnv;
	cwd?: string;
}

export interface SpawnedCli extends Spawned {
	/** Resolves once the process exited and its stdout/stderr pipes are drained. */
	closed: Promise<{code: number | null; signal: NodeJS.Signals | null}>;
	startedAt: number;
}

/** Starts leaktop with `args`; stdout and stderr are pipes, so it runs headless by itself. */
export function spawnCli(args: string[], {env = {...process.env}, cwd = repoRoot}: Omit<CliOptions, 'timeoutMs'> = {}): SpawnedCli {
	const startedAt = Date.now();
	const p = track(process.execPath, [cliPath, ...args], {env, cwd});
	const closed = new Promise<{code: number | null; signal: NodeJS.Signals | null}>(resolve => {
		p.child.once('close', (code, signal) => resolve({code, signal}));
	});
	return {...p, closed, startedAt};
}

/** Resolves when `p` has exited and its output is drained; kills it and throws after `timeoutMs`. */
export async function exitOf(p: SpawnedCli, timeoutMs: number, what = 'leaktop'): Promise<CliResult> {
	let timer: NodeJS.Timeout | undefined;
	const deadline = new Promise<'timeout'>(resolve => {
		timer = setTimeout(() => resolve('timeout'), timeoutMs);
	});
	try {
		const result = await Promise.race([p.closed, deadline]);
		if (result === 'timeout') {
			await p.kill();
			throw new Error(`${what} did not exit within ${timeoutMs} ms\nstdout: ${p.stdout().slice(-500)}\nstderr: ${p.stderr().slice(-1000)}`);
		}
		return {...result, stdout: p.stdout(), stderr: p.stderr(), elapsedMs: Date.now() - p.startedAt, pid: p.pid};
	} finally {
		clearTimeout(timer);
	}
}

/** Runs leaktop to completion; a run that outlives `timeoutMs` is killed and fails the test. */
export async function runCli(args: string[], {timeoutMs = 20_000, ...options}: CliOptions = {}): Promise<CliResult> {
	return exitOf(spawnCli(args, options), timeoutMs, `leaktop ${args.join(' ')}`);
}

export function lines(text: string): string[] {
	return text.split('\n').filter(line => line.length > 0);
}

function show(result: CliResult): string {
	return `exit ${result.code} (signal ${result.signal})\nstdout: ${JSON.stringify(result.stdout.slice(-500))}\nstderr: ${JSON.stringify(result.stderr)}`;
}

/** Every stderr line is leaktop's own (`leaktop: ...`), with no stack trace and no "this is a bug". */
export function assertCleanStderr(result: CliResult): void {
	for (const line of lines(result.stderr)) {
		assert.ok(line.startsWith('leaktop: '), `stderr line not from leaktop: ${JSON.stringify(line)}\n${show(result)}`);
	}
	assert.doesNotMatch(result.stderr, /^\s+at /m, `stack trace on stderr\n${show(result)}`);
	assert.doesNotMatch(result.stderr, /this is a bug/, `an expected failure was reported as a bug\n${show(result)}`);
}

/**
 * Exit 2 and stderr is exactly one line, `leaktop: <message>`, containing `expected`.
 * Returns the message without the prefix.
 */
export function assertFailsWith(result: CliResult, expected: string | RegExp): string {
	assert.equal(result.code, 2, `expected exit code 2\n${show(result)}`);
	assertCleanStderr(result);
	const all = lines(result.stderr);
	assert.equal(all.length, 1, `expected exactly one stderr line\n${show(result)}`);
	const message = all[0]!.slice('leaktop: '.length);
	if (typeof expected === 'string') assert.ok(message.includes(expected), `expected ${JSON.stringify(expected)} in the message\n${show(result)}`);
	else assert.match(message, expected, show(result));
	assert.equal(result.stdout, '', `nothing on stdout expected\n${show(result)}`);
	return message;
}

/**
 * Exit 2 after a session: status lines may come first, but every line is leaktop's, the error is
 * exactly one line, and it is the last one.
 */
export function assertEndsWithError(result: CliResult, expected: string | RegExp): string {
	assert.equal(result.code, 2, `expected exit code 2\n${show(result)}`);
	assertCleanStderr(result);
	const all = lines(result.stderr);
	const matches = (line: string) => (typeof expected === 'string' ? line.includes(expected) : expected.test(line));
	assert.equal(all.filter(matches).length, 1, `expected exactly one line with ${String(expected)}\n${show(result)}`);
	assert.ok(matches(all.at(-1)!), `expected the error as the last stderr line\n${show(result)}`);
	return all.at(-1)!.slice('leaktop: '.length);
}

export function assertOk(result: CliResult): void {
	assert.equal(result.code, 0, `expected exit code 0\n${show(result)}`);
	assertCleanStderr(result);
}

/**
 * True while `pid` runs. A zombie (exited, not yet reaped by its parent) counts as gone:
 * `kill(pid, 0)` still succeeds on it.
 */
export function isRunning(pid: number): boolean {
	if (!isAlive(pid)) return false;
	try {
		// /proc/<pid>/stat: "pid (comm) S ..."; comm may hold spaces and parentheses.
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
		return state !== 'Z' && state !== 'X';
	} catch {
		return process.platform !== 'linux' && isAlive(pid);
	}
}

/** Waits until `pid` is gone (or a zombie), failing after `timeoutMs`. */
export async function waitGone(pid: number, timeoutMs = 10_000): Promise<void> {
	await waitFor(() => !isRunning(pid), {timeoutMs, what: `pid ${pid} to exit`});
}

/** Kills a process this test started indirectly (e.g. the demo app) by pid, if it still runs. */
export function killIfRunning(pid: number | undefined): void {
	if (pid === undefined || !isRunning(pid)) return;
	try {
		process.kill(pid, 'SIGKILL');
	} catch {}
}

const sampleFields = ['t', 'heapUsed', 'heapTotal', 'rss', 'external', 'arrayBuffers'] as const;

/** A memory sample as leaktop reports and streams it: every field a finite number. */
export function assertSample(value: unknown, where = 'sample'): void {
	assert.equal(typeof value, 'object', `${where} is not an object: ${JSON.stringify(value)}`);
	assert.notEqual(value, null);
	for (const field of sampleFields) {
		const n = (value as Record<string, unknown>)[field];
		assert.ok(typeof n === 'number' && Number.isFinite(n), `${where}.${field} is not a finite number: ${JSON.stringify(value)}`);
	}
	const v = value as Record<string, number>;
	assert.ok(v.heapUsed! > 0 && v.heapTotal! >= v.heapUsed! && v.rss! > 0, `${where} does not look like process.memoryUsage(): ${JSON.stringify(value)}`);
}

export interface ReportShape {
	target: {pid: number; nodeVersion: string; title: string; argv: string[]} | null;
	endReason: string | null;
	samples: unknown[];
	audit: {counts: Record<string, number>; entries: Array<{t: number; action: string; detail: string}>};
	log: Array<{t: number; level: string; text: string}>;
}

export function readReport(path: string): ReportShape {
	return JSON.parse(readFileSync(path, 'utf8')) as ReportShape;
}

/**
 * True while `signal` is sent but not yet delivered to `pid` (Linux: /proc/<pid>/status). Lets
 * a test send a second signal only once the first has been taken, since pending ones coalesce.
 */
export function signalPending(pid: number, signal: NodeJS.Signals): boolean {
	const bit = 1n << BigInt(osConstants.signals[signal] - 1);
	let status: string;
	try {
		status = readFileSync(`/proc/${pid}/status`, 'utf8');
	} catch {
		return false;
	}
	return ['SigPnd', 'ShdPnd'].some(field => {
		const hex = new RegExp(`^${field}:\\s*([0-9a-f]+)$`, 'm').exec(status)?.[1];
		return hex !== undefined && (BigInt(`0x${hex}`) & bit) !== 0n;
	});
}

/** Awaits `promise`, failing with `what` if it has not settled within `timeoutMs`. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const deadline = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
	});
	try {
		return await Promise.race([promise, deadline]);
	} finally {
		clearTimeout(timer);
	}
}

/** Pids of the processes `pid` has started and not yet reaped (Linux: /proc/<pid>/task/<tid>/children). */
export function childPids(pid: number): number[] {
	try {
		return readdirSync(`/proc/${pid}/task`).flatMap(tid =>
			readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8')
				.split(/\s+/)
				.filter(Boolean)
				.map(Number),
		);
	} catch {
		return [];
	}
}
