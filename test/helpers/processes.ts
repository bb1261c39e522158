import {type ChildProcess, spawn, type SpawnOptions} from 'node:child_process';
import {waitFor, isAlive} from './wait.js';

const spawned = new Set<ChildProcess>();

// Whatever a test forgets, the test process ends its children by pid on the way out.
process.on('exit', () => {
	for (const child of spawned) {
		if (child.pid && child.exitCode === null && child.signalCode === null) {
			try {
				process.kill(child.pid, 'SIGKILL');
			} catch {}
		}
	}
});

export interface Spawned {
	child: ChildProcess;
	pid: number;
	stdout(): string;
	stderr(): string;
	exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>;
	/** Kills by pid (SIGTERM, then SIGKILL after 2 s) and waits for the exit. */
	kill(): Promise<void>;
}

export function track(command: string, args: string[], options: SpawnOptions = {}): Spawned {
	const child = spawn(command, args, {stdio: ['ignore', 'pipe', 'pipe'], ...options});
	spawned.add(child);
	let out = '';
	let err = '';
	child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
	child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
	const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>(resolve => {
		child.once('exit', (code, signal) => {
			spawned.delete(child);
			resolve({code, signal});
		});
	});
	return {
		child,
		pid: child.pid!,
		stdout: () => out,
		stderr: () => err,
		exited,
		async kill() {
			if (child.exitCode !== null || child.signalCode !== null || !isAlive(child.pid!)) return;
			process.kill(child.pid!, 'SIGTERM');
			const timer = setTimeout(() => {
				if (isAlive(child.pid!)) process.kill(child.pid!, 'SIGKILL');
			}, 2000);
			await exited;
			clearTimeout(timer);
		},
	};
}

export async function waitForOutput(p: Spawned, stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> {
	return waitFor(() => pattern.exec(p[stream]()), {timeoutMs, what: `${pattern} on ${stream} (got: ${JSON.stringify(p[stream]().slice(-300))})`});
}
