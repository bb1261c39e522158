import {type ChildProcess, spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {LeaktopError, UsageError} from '../errors.js';
import {scenarios} from '../demo/scenarios.js';

export const demoScenarios = [...scenarios, 'all'] as const;

export interface DemoApp {
	pid: number;
	webSocketUrl: string;
	/** Stops the app and waits for it to exit (SIGKILL after 3 s). */
	stop(): Promise<void>;
}

const appPath = fileURLToPath(new URL('../demo/leaky-app.js', import.meta.url));
const startTimeoutMs = 10_000;

/** Reads `Debugger listening on ws://...` from the child's stderr, as node's own tests do. */
function waitForInspectorUrl(child: ChildProcess): Promise<string> {
	return new Promise((resolve, reject) => {
		let text = '';
		const timer = setTimeout(() => finish(new LeaktopError(`the demo app did not open its inspector within ${startTimeoutMs / 1000}s`)), startTimeoutMs);
		const onData = (chunk: Buffer) => {
			text += chunk.toString('utf8');
			const match = /Debugger listening on (ws:\/\/\S+)/.exec(text);
			if (match) finish(undefined, match[1]);
		};
		const onExit = (code: number | null) => finish(new LeaktopError(`the demo app exited (code ${code}) before its inspector opened: ${text.trim().split('\n').pop() ?? ''}`));
		const finish = (error?: Error, url?: string) => {
			clearTimeout(timer);
			child.stderr!.off('data', onData);
			child.off('exit', onExit);
			// Keep draining so the app never blocks on a full stderr pipe.
			child.stderr!.resume();
			if (error) reject(error);
			else resolve(url!);
		};
		child.stderr!.on('data', onData);
		child.once('exit', onExit);
	});
}

export async function startDemoApp(scenario: string): Promise<DemoApp> {
	if (!(demoScenarios as readonly string[]).includes(scenario)) {
		throw new UsageError(`invalid --scenario "${scenario}": use one of ${demoScenarios.join(', ')}`);
	}
	// The IPC channel makes the app stop by itself if leaktop dies without cleaning up.
	const child = spawn(process.execPath, ['--inspect=127.0.0.1:0', appPath, '--scenario', scenario], {stdio: ['ignore', 'ignore', 'pipe', 'ipc']});
	const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
	const stop = async () => {
		if (child.exitCode !== null || child.signalCode !== null) return;
		child.kill('SIGTERM');
		const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
		await exited;
		clearTimeout(timer);
	};
	try {
		const webSocketUrl = await waitForInspectorUrl(child);
		return {pid: child.pid!, webSocketUrl, stop};
	} catch (error) {
		await stop();
		throw error;
	}
}
