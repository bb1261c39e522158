/**
 * Shared plumbing for the benchmarks: process tracking and cleanup by pid, a private tmux
 * server, /proc readers, and the statistics the tables print. Nothing here asserts timings.
 */
import {type ChildProcess, execFile, execFileSync, spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, realpathSync, rmSync} from 'node:fs';
import {cpus, tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {performance} from 'node:perf_hooks';
import {fileURLToPath} from 'node:url';

/**
 * The tsc output directory this file was compiled into: dist/ in the repository, or a private
 * `--outDir` (see bench/README.md), so a benchmark can run while someone else rebuilds dist/.
 */
export const buildRoot = fileURLToPath(new URL('../', import.meta.url));

/**
 * The repository: the directory of the first package.json above the build, symlinks followed
 * (a private build dir links the repository's package.json, which also makes its .js files ESM).
 */
function findRepoRoot(): string {
	for (let dir = buildRoot; ; dir = dirname(dir)) {
		if (existsSync(join(dir, 'package.json'))) return `${dirname(realpathSync(join(dir, 'package.json')))}/`;
		if (dirname(dir) === dir) throw new Error(`no package.json above ${buildRoot}`);
	}
}
export const repoRoot = findRepoRoot();
/** A private build brings its own launcher (bin/leaktop.js importing ../src/cli.js), so it runs its own src. */
export const cliPath = existsSync(join(buildRoot, 'bin/leaktop.js')) ? join(buildRoot, 'bin/leaktop.js') : join(repoRoot, 'bin/leaktop.js');
export const idlePath = fileURLToPath(new URL('./idle.js', import.meta.url));
export const targetAppPath = fileURLToPath(new URL('./target-app.js', import.meta.url));
export const loadPath = fileURLToPath(new URL('./load.js', import.meta.url));
export const profileTargetPath = fileURLToPath(new URL('./profile-target.js', import.meta.url));
/** The agent's preload (`node --import leaktop/agent`), from the same build as the benchmark. */
export const agentRegisterPath = fileURLToPath(new URL('../src/agent/register.js', import.meta.url));
export const resultsPath = join(repoRoot, 'bench/RESULTS.md');

export const now = () => performance.now();
export const sleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Cleanup: every pid and tmux session the benchmark creates is recorded here and ended by pid
// or by session name on the way out, whatever the way out is.

const ownPids = new Set<number>();
const ownSessions = new Set<string>();
/**
 * One tmux server per benchmark run, with no user config, on a socket in a directory of its own
 * (tmux leaves its socket file behind when the server exits; the directory is removed at the end).
 */
let tmuxDir: string | undefined;
function tmuxBase(): string[] {
	tmuxDir ??= mkdtempSync(join(tmpdir(), 'leaktop-bench-'));
	return ['-S', join(tmuxDir, 'tmux.sock'), '-f', '/dev/null'];
}
const tmuxEnv = (() => {
	const env = {...process.env};
	delete env.TMUX;
	delete env.TMUX_PANE;
	return env;
})();

export function ownPid(pid: number): void {
	ownPids.add(pid);
}

export function disownPid(pid: number): void {
	ownPids.delete(pid);
}

/** True while `pid` exists and is not a zombie (works for processes that are not our children). */
export function isRunning(pid: number): boolean {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
	} catch {
		return false;
	}
}

/** Files the benchmarks write (leaktop reports), in one directory removed at the end. */
let filesDir: string | undefined;
export function benchFile(name: string): string {
	filesDir ??= mkdtempSync(join(tmpdir(), 'leaktop-bench-files-'));
	return join(filesDir, name);
}

export function cleanupSync(): void {
	for (const name of ownSessions) {
		try {
			execFileSync('tmux', [...tmuxBase(), 'kill-session', '-t', `=${name}`], {stdio: 'ignore', env: tmuxEnv});
		} catch {}
	}
	ownSessions.clear();
	for (const pid of ownPids) {
		try {
			if (isRunning(pid)) process.kill(pid, 'SIGKILL');
		} catch {}
	}
	ownPids.clear();
	// With every session gone the server exits by itself; its socket file does not go with it.
	if (tmuxDir) rmSync(tmuxDir, {recursive: true, force: true});
	tmuxDir = undefined;
	if (filesDir) rmSync(filesDir, {recursive: true, force: true});
	filesDir = undefined;
}

let handlersInstalled = false;
/** Ends everything we started on exit, on signals, and after `budgetMs` (a hung run). */
export function installCleanup(budgetMs: number): void {
	if (handlersInstalled) return;
	handlersInstalled = true;
	process.on('exit', cleanupSync);
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
		process.on(signal, () => {
			process.stderr.write(`bench: ${signal}, cleaning up\n`);
			cleanupSync();
			process.exit(130);
		});
	}
	setTimeout(() => {
		process.stderr.write(`bench: still running after ${budgetMs / 1000}s; cleaning up and giving up\n`);
		cleanupSync();
		process.exit(3);
	}, budgetMs).unref();
}

/** Polls until `pid` is gone; SIGTERM after `termAfterMs`, SIGKILL 2 s later. */
export async function waitGone(pid: number, {termAfterMs = 5000, signalFirst}: {termAfterMs?: number; signalFirst?: NodeJS.Signals} = {}): Promise<number> {
	const started = now();
	if (signalFirst && isRunning(pid)) process.kill(pid, signalFirst);
	let termed = false;
	while (isRunning(pid)) {
		const elapsed = now() - started;
		if (!termed && elapsed > termAfterMs) {
			termed = true;
			process.kill(pid, 'SIGTERM');
		} else if (elapsed > termAfterMs + 2000) {
			process.kill(pid, 'SIGKILL');
		}
		await sleep(10);
	}
	disownPid(pid);
	return now() - started;
}

// ---------------------------------------------------------------------------------------------
// Child processes

export interface Child {
	child: ChildProcess;
	pid: number;
	stdout(): string;
	stderr(): string;
	exited: Promise<number | null>;
	/** Resolves with now() at the first output chunk after which `stream` matches `pattern`. */
	when(stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs?: number): Promise<number>;
	/** SIGTERM, SIGKILL after `killAfterMs` (3 s); resolves with the time the exit took. */
	stop(killAfterMs?: number): Promise<number>;
}

export function start(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Child {
	const child = spawn(command, args, {stdio: ['ignore', 'pipe', 'pipe'], cwd: repoRoot, env});
	if (child.pid === undefined) throw new Error(`cannot start ${command}`);
	const pid = child.pid;
	ownPid(pid);
	let out = '';
	let err = '';
	child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
	child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
	const read = {stdout: () => out, stderr: () => err};
	const exited = new Promise<number | null>(resolve => {
		child.once('exit', code => {
			disownPid(pid);
			resolve(code);
		});
	});
	return {
		child,
		pid,
		stdout: () => out,
		stderr: () => err,
		exited,
		when(stream, pattern, timeoutMs = 10_000) {
			return new Promise((resolve, reject) => {
				const check = () => {
					if (!pattern.test(read[stream]())) return;
					const t = now();
					done();
					resolve(t);
				};
				const onExit = () => {
					done();
					reject(new Error(`${command} exited before ${pattern} on ${stream}; stderr: ${err.slice(-400)}`));
				};
				const timer = setTimeout(() => {
					done();
					reject(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern} on ${stream}; got ${JSON.stringify(read[stream]().slice(-400))}`));
				}, timeoutMs);
				const done = () => {
					clearTimeout(timer);
					child[stream]!.off('data', check);
					child.off('exit', onExit);
				};
				// Our own 'data' listener was added first, so the text is complete when this runs.
				child[stream]!.on('data', check);
				child.once('exit', onExit);
				check();
			});
		},
		async stop(killAfterMs = 3000) {
			const started = now();
			if (child.exitCode === null && child.signalCode === null) {
				child.kill('SIGTERM');
				const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
				await exited;
				clearTimeout(timer);
			}
			return now() - started;
		},
	};
}

/** Resolves with the match once `read()` matches, or rejects after `timeoutMs`. */
export async function waitForText(read: () => string, pattern: RegExp, what: string, timeoutMs = 10_000, intervalMs = 5): Promise<RegExpExecArray> {
	const deadline = now() + timeoutMs;
	for (;;) {
		const match = pattern.exec(read());
		if (match) return match;
		if (now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(read().slice(-400))}`);
		await sleep(intervalMs);
	}
}

export interface Target {
	proc: Child;
	/** NaN when the target was started with `noInspect`. */
	inspectorPort: number;
	httpPort: number;
}

/**
 * `command args` pinned to the given CPUs with taskset (which execs, so the pid stays the
 * program's), or unpinned when taskset is missing or the box has fewer CPUs than asked for.
 */
export function pinnedCommand(cpuList: readonly number[] | undefined, command: string, args: string[]): [string, string[]] {
	if (!cpuList || !canPin(cpuList)) return [command, args];
	return ['taskset', ['-c', cpuList.join(','), command, ...args]];
}

let hasTaskset: boolean | undefined;
export function canPin(cpuList: readonly number[]): boolean {
	if (Math.max(...cpuList) >= cpus().length) return false;
	if (hasTaskset === undefined) {
		try {
			execFileSync('taskset', ['-V'], {stdio: 'ignore'});
			hasTaskset = true;
		} catch {
			hasTaskset = false;
		}
	}
	return hasTaskset;
}

export interface TargetOptions {
	/** Defaults to the busy HTTP target, bench/target-app.ts. */
	script?: string;
	args?: string[];
	/** Node's own flags, before the script (`--import ...`). */
	nodeArgs?: string[];
	/** Without `--inspect` (a production process; `inspectorPort` is then NaN). */
	noInspect?: boolean;
	/** Added to this process's environment; an undefined value removes the variable. */
	env?: NodeJS.ProcessEnv;
	/** Pin the target to these CPUs (taskset). */
	cpus?: readonly number[];
}

/** Starts a target with `--inspect=127.0.0.1:0` (unless `noInspect`) and reads its inspector port from stderr. */
export async function startTarget({script = targetAppPath, args = [], nodeArgs = [], noInspect = false, env = {}, cpus: cpuList}: TargetOptions = {}): Promise<Target> {
	const flags = noInspect ? nodeArgs : ['--inspect=127.0.0.1:0', ...nodeArgs];
	const proc = start(...pinnedCommand(cpuList, process.execPath, [...flags, script, ...args]), {...process.env, ...env});
	try {
		const port = noInspect ? Number.NaN : Number((await waitForText(proc.stderr, /Debugger listening on ws:\/\/127\.0\.0\.1:(\d+)\//, 'the target inspector line'))[1]);
		const [, httpPort] = await waitForText(proc.stdout, /ready (\d+)/, 'the target ready line');
		return {proc, inspectorPort: port, httpPort: Number(httpPort)};
	} catch (error) {
		await proc.stop();
		throw error;
	}
}

export async function targetStats(target: Target): Promise<{served: number; uptimeMs: number}> {
	const response = await fetch(`http://127.0.0.1:${target.httpPort}/stats`);
	return (await response.json()) as {served: number; uptimeMs: number};
}

// ---------------------------------------------------------------------------------------------
// tmux

function execFileText(file: string, args: string[]): Promise<string> {
	return new Promise((resolve, reject) => {
		execFile(file, args, {env: tmuxEnv, maxBuffer: 1024 * 1024}, (error, stdout) => (error ? reject(error) : resolve(stdout)));
	});
}

export const tmux = (args: string[]) => execFileText('tmux', [...tmuxBase(), ...args]);

export const shellQuote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

let sessionCounter = 0;
export function sessionName(label: string): string {
	return `leaktop-bench-${process.pid}-${label}-${++sessionCounter}`;
}

/**
 * Starts `command` (a shell command line, exec'd so the pane's pid is the program's pid) in a
 * new detached 80x24 session; resolves with the pane's pid.
 */
export async function tmuxStart(name: string, command: string, {columns = 80, rows = 24} = {}): Promise<number> {
	ownSessions.add(name);
	const out = await tmux(['new-session', '-d', '-s', name, '-x', String(columns), '-y', String(rows), '-P', '-F', '#{pane_pid}', command]);
	const pid = Number(out.trim());
	if (!Number.isInteger(pid) || pid <= 0) throw new Error(`tmux did not report a pane pid (got ${JSON.stringify(out)})`);
	ownPid(pid);
	return pid;
}

export const tmuxCapture = (name: string) => tmux(['capture-pane', '-p', '-t', `=${name}:`]);

export async function tmuxKill(name: string): Promise<void> {
	await tmux(['kill-session', '-t', `=${name}`]).catch(() => undefined);
	ownSessions.delete(name);
}

/**
 * Polls the pane every `intervalMs` until each pattern has matched; returns, per pattern, the
 * time (relative to `t0`) of the first capture that matched it. A capture's time is taken when
 * capture-pane returns, so every figure is an upper bound by at most one poll.
 */
export async function pollPane(name: string, t0: number, patterns: readonly RegExp[], {timeoutMs = 10_000, intervalMs = 10} = {}): Promise<{times: number[]; last: string; polls: number}> {
	const times: number[] = patterns.map(() => Number.NaN);
	let last = '';
	let polls = 0;
	const deadline = t0 + timeoutMs;
	for (;;) {
		last = await tmuxCapture(name).catch(() => last);
		polls++;
		const t = now() - t0;
		patterns.forEach((pattern, i) => {
			if (Number.isNaN(times[i]!) && pattern.test(last)) times[i] = t;
		});
		if (times.every(x => !Number.isNaN(x))) return {times, last, polls};
		if (now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${patterns.filter((_, i) => Number.isNaN(times[i]!)).join(', ')} in tmux pane ${name}; screen:\n${last}`);
		await sleep(intervalMs);
	}
}

// ---------------------------------------------------------------------------------------------
// leaktop's --report

/** What a leaktop report says about allocation sampling (the `allocations` part of src/model/report.ts). */
export interface SamplingSummary {
	status: string;
	polls: number;
	/** The last poll: its cost as leaktop measured it (the call plus folding), and the profile's size. */
	lastPollMs: number;
	lastPollNodes: number;
}

/** Reads the sampling part of a report leaktop wrote with `--report FILE`; undefined when it has none. */
export function readSamplingSummary(reportPath: string): SamplingSummary | undefined {
	let report: {allocations?: {status?: string; polls?: number; lastPoll?: {durationMs?: number; nodes?: number} | null}};
	try {
		report = JSON.parse(readFileSync(reportPath, 'utf8')) as typeof report;
	} catch {
		return undefined;
	}
	const allocations = report.allocations;
	if (!allocations) return undefined;
	return {
		status: allocations.status ?? '?',
		polls: allocations.polls ?? Number.NaN,
		lastPollMs: allocations.lastPoll?.durationMs ?? Number.NaN,
		lastPollNodes: allocations.lastPoll?.nodes ?? Number.NaN,
	};
}

/** "3 polls, the last 2511 nodes in 75 ms"; the status only when it is not the usual one after a detach. */
export function samplingText(s: SamplingSummary | undefined): string {
	if (!s) return 'no sampling data in the report';
	const status = s.status === 'stopped' || s.status === 'running' ? '' : `${s.status}, `;
	return s.polls > 0 ? `${status}${s.polls} poll${s.polls === 1 ? '' : 's'}, the last ${s.lastPollNodes} nodes in ${Math.round(s.lastPollMs)} ms` : `${status}no polls`;
}

/** leaktop's stderr without the lines every headless run prints (attach, verdict, report written): warnings and errors. */
export function unusualStderr(stderr: string): string[] {
	return stderr
		.split('\n')
		.map(line => line.trim())
		.filter(line => line && !/^leaktop: (attached to pid|verdict:|report written to)/.test(line));
}

// ---------------------------------------------------------------------------------------------
// /proc

export const clockTicks = (() => {
	try {
		return Number(execFileSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).trim()) || 100;
	} catch {
		return 100;
	}
})();

export interface ProcSample {
	t: number;
	/** utime + stime, in clock ticks. */
	cpuTicks: number;
	/** VmRSS and VmHWM, in bytes. */
	rss: number;
	hwm: number;
}

export function readProc(pid: number): ProcSample {
	const t = now();
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	// Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	const cpuTicks = Number(fields[11]) + Number(fields[12]);
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
	return {t, cpuTicks, rss: kb('VmRSS'), hwm: kb('VmHWM')};
}

/** CPU % of one core between two readings of the same process. */
export const cpuBetween = (a: ProcSample, b: ProcSample) => ((b.cpuTicks - a.cpuTicks) / clockTicks / ((b.t - a.t) / 1000)) * 100;

/** leaktop sets process.title, which rewrites its cmdline to `leaktop`; check the executable too. */
export function isLeaktop(pid: number): boolean {
	try {
		return /\bleaktop\b/.test(commandLine(pid)) && realpathSync(`/proc/${pid}/exe`) === realpathSync(process.execPath);
	} catch {
		return false;
	}
}

export function commandLine(pid: number): string {
	try {
		return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
	} catch {
		return '';
	}
}

// ---------------------------------------------------------------------------------------------
// Statistics and formatting

export function median(values: readonly number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = sorted.length >> 1;
	return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const ms = (x: number) => (Number.isFinite(x) ? `${Math.round(x)} ms` : '-');
export const mb = (bytes: number) => (Number.isFinite(bytes) ? `${(bytes / 1e6).toFixed(1)} MB` : '-');
export const pct = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)} %` : '-');

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
	const right = header.map((_, i) => i > 0);
	const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
	return [line(header), line(right.map(r => (r ? '---:' : ':---'))), ...rows.map(line)].join('\n');
}
