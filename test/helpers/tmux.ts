import {execFile} from 'node:child_process';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {waitFor} from './wait.js';

const run = promisify(execFile);

export interface TerminalRun {
	/** The visible screen, as text. */
	screen(): Promise<string>;
	keys(...keys: string[]): Promise<void>;
	resize(columns: number, rows: number): Promise<void>;
	/** Pid of the program under test (not the wrapping shell). */
	pid(): Promise<number>;
	/** Resolves with the program's exit code once it has exited. */
	exitCode(timeoutMs: number): Promise<number>;
	/** `stty -a` of the terminal right after the program exited. */
	sttyAfter(): Promise<string>;
	waitForScreen(pattern: RegExp, timeoutMs?: number): Promise<string>;
	close(): Promise<void>;
}

/**
 * Runs a command in a real terminal: a detached tmux session on its own server socket, so
 * tests never touch a user's tmux. The wrapper records the exit code and the tty modes after.
 */
export async function runInTerminal(command: string[], {columns = 80, rows = 24} = {}): Promise<TerminalRun> {
	const dir = await mkdtemp(join(tmpdir(), 'leaktop-tmux-'));
	const socket = `leaktop-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
	const tmux = (...args: string[]) => run('tmux', ['-L', socket, ...args]);
	const quoted = command.map(a => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
	// Ink renders only the last frame when CI is set, so the program runs without it.
	const script = `echo $$ > ${dir}/pid; env -u CI TERM=xterm-256color ${quoted}; echo $? > ${dir}/exit; stty -a > ${dir}/stty; sleep 600`;
	await tmux('new-session', '-d', '-s', 'main', '-x', String(columns), '-y', String(rows), 'sh', '-c', script);
	const screen = async () => (await tmux('capture-pane', '-p', '-t', 'main')).stdout;
	return {
		screen,
		async keys(...keys) {
			await tmux('send-keys', '-t', 'main', ...keys);
		},
		async resize(c, r) {
			await tmux('resize-window', '-t', 'main', '-x', String(c), '-y', String(r));
		},
		async pid() {
			// The shell execs nothing; the program is the shell's only child.
			const shellPid = Number(await waitFor(() => readFile(`${dir}/pid`, 'utf8').catch(() => ''), {what: 'the wrapper pid'}));
			const children = await waitFor(async () => (await readFile(`/proc/${shellPid}/task/${shellPid}/children`, 'utf8').catch(() => '')).trim(), {what: 'the program pid'});
			return Number(children.split(/\s+/)[0]);
		},
		async exitCode(timeoutMs) {
			return Number(await waitFor(() => readFile(`${dir}/exit`, 'utf8').catch(() => ''), {timeoutMs, intervalMs: 20, what: 'the program to exit'}));
		},
		async sttyAfter() {
			return waitFor(() => readFile(`${dir}/stty`, 'utf8').catch(() => ''), {what: 'stty output'});
		},
		async waitForScreen(pattern, timeoutMs = 10_000) {
			let last = '';
			try {
				return await waitFor(async () => {
					last = await screen();
					return pattern.test(last) ? last : '';
				}, {timeoutMs, intervalMs: 50, what: String(pattern)});
			} catch (error) {
				throw new Error(`${(error as Error).message}\n--- screen ---\n${last}`);
			}
		},
		async close() {
			await tmux('kill-server').catch(() => undefined);
			await rm(dir, {recursive: true, force: true});
		},
	};
}
