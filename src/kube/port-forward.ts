/**
 * `--kube`: the user's own `kubectl port-forward`, run by leaktop. It binds a free loopback port
 * (`:9229` lets kubectl pick it), which leaktop reads from kubectl's "Forwarding from" line. If
 * kubectl exits while leaktop is attached (an idle timeout, a pod restart, a dropped API server
 * connection) it is started again on the same local port, so the monitor's own reconnect finds
 * it there. `stop()` ends it, by pid, on every path out.
 */
import {type ChildProcess, spawn} from 'node:child_process';
import {ConnectError} from '../errors.js';
import {reconnectDelayMs} from '../model/cadence.js';
import type {LogLevel} from '../model/types.js';
import {describeResource, type KubeTarget, kubectlArgs, kubectlMessage, notFound, runKubectl} from './kubectl.js';

export type {KubeTarget} from './kubectl.js';
export interface PortForwardOptions {
	/** The kubectl to run: `kubectl` on PATH unless the tests say otherwise. */
	kubectl?: string;
	/** How long kubectl may take to say it forwards. */
	readyTimeoutMs?: number;
	onLog?: (level: LogLevel, text: string) => void;
}

/** The local port from kubectl's `Forwarding from 127.0.0.1:43567 -> 9229`. */
export function forwardedPort(stdout: string): number | undefined {
	const match = /^Forwarding from 127\.0\.0\.1:(\d+) -> \d+/m.exec(stdout);
	return match ? Number(match[1]) : undefined;
}

/** Nothing listens on the remote port: kubectl says so on stderr when a connection comes. */
export function refusedInPod(stderr: string): boolean {
	return /connection refused/i.test(stderr);
}

interface Running {
	child: ChildProcess;
	stdout: string;
	stderr: string;
	exited: Promise<void>;
}

export class PortForward {
	readonly target: KubeTarget;
	readonly localPort: number;
	readonly #kubectl: string;
	readonly #onLog: (level: LogLevel, text: string) => void;
	#running: Running;
	#stopped = false;
	#restartTimer: NodeJS.Timeout | undefined;
	/** Failed starts in a row: the backoff grows with them and starts over once kubectl forwards. */
	#restarts = 0;
	#previousStderr = '';

	private constructor(target: KubeTarget, localPort: number, running: Running, kubectl: string, onLog: (level: LogLevel, text: string) => void) {
		this.target = target;
		this.localPort = localPort;
		this.#running = running;
		this.#kubectl = kubectl;
		this.#onLog = onLog;
		this.#watch(running);
	}

	/** Starts kubectl and resolves once it forwards; rejects with kubectl's own message if it cannot. */
	static async start(target: KubeTarget, {kubectl = 'kubectl', readyTimeoutMs = 30_000, onLog = () => undefined}: PortForwardOptions = {}): Promise<PortForward> {
		const running = launch(kubectl, target, `:${target.remotePort}`);
		const port = await ready(running, target, kubectl, readyTimeoutMs);
		return new PortForward(target, port, running, kubectl, onLog);
	}

	/**
	 * What kubectl said on stderr, this run and the one before: "connection refused" means no
	 * inspector in the pod, and a kubectl that exits on it may already have been restarted.
	 */
	get stderr(): string {
		return this.#previousStderr + this.#running.stderr;
	}

	get pid(): number | undefined {
		return this.#running.child.pid;
	}

	#watch(running: Running): void {
		void running.exited.then(() => {
			if (this.#stopped || running !== this.#running) return;
			this.#previousStderr = running.stderr;
			this.#onLog('warn', `kubectl port-forward exited (${kubectlMessage(running.stderr)}); starting it again on 127.0.0.1:${this.localPort}`);
			this.#scheduleRestart();
		});
	}

	#scheduleRestart(): void {
		this.#restartTimer = setTimeout(async () => {
			if (this.#stopped) return;
			this.#restarts++;
			const running = launch(this.#kubectl, this.target, `${this.localPort}:${this.target.remotePort}`);
			this.#running = running;
			try {
				await ready(running, this.target, this.#kubectl, 30_000);
			} catch (error) {
				if (this.#stopped) return;
				this.#onLog('warn', `kubectl port-forward did not start again: ${(error as Error).message}`);
				await stopProcess(running);
				if (!this.#stopped) this.#scheduleRestart();
				return;
			}
			if (this.#stopped) return void (await stopProcess(running));
			this.#restarts = 0;
			this.#onLog('info', `kubectl port-forward forwards again: 127.0.0.1:${this.localPort} -> ${this.target.resource}:${this.target.remotePort}`);
			this.#watch(running);
		}, reconnectDelayMs(this.#restarts + 1));
	}

	/** Ends kubectl (SIGTERM, then SIGKILL after 2 s) and stops restarting it. Safe to call twice. */
	async stop(): Promise<void> {
		this.#stopped = true;
		clearTimeout(this.#restartTimer);
		await stopProcess(this.#running);
	}
}

/**
 * Every kubectl still running: a leaktop that exits at once (a second ctrl+c) must not leave
 * them forwarding behind it. One exit hook for all of them, however many pods a session has.
 */
const live = new Set<ChildProcess>();
const killAll = () => {
	for (const child of live) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
};

function track(child: ChildProcess): void {
	if (live.size === 0) process.once('exit', killAll);
	live.add(child);
}

function untrack(child: ChildProcess): void {
	live.delete(child);
	if (live.size === 0) process.removeListener('exit', killAll);
}

function launch(kubectl: string, target: KubeTarget, ports: string): Running {
	const child = spawn(kubectl, kubectlArgs(target, 'port-forward', target.resource, ports, '--address', '127.0.0.1'), {stdio: ['ignore', 'pipe', 'pipe']});
	track(child);
	const running: Running = {
		child,
		stdout: '',
		stderr: '',
		exited: new Promise(resolve => {
			const done = () => {
				untrack(child);
				resolve();
			};
			child.once('close', done);
			// A kubectl that cannot be spawned emits error and never close.
			child.once('error', done);
		}),
	};
	child.stdout!.on('data', (chunk: Buffer) => {
		running.stdout += chunk.toString();
	});
	child.stderr!.on('data', (chunk: Buffer) => {
		// Only the recent part matters, and a long session must not grow this forever.
		running.stderr = (running.stderr + chunk.toString()).slice(-8192);
	});
	return running;
}

async function ready(running: Running, target: KubeTarget, kubectl: string, timeoutMs: number): Promise<number> {
	const {child} = running;
	let spawnError: NodeJS.ErrnoException | undefined;
	child.once('error', error => {
		spawnError = error;
	});
	const deadline = Date.now() + timeoutMs;
	let exited = false;
	void running.exited.then(() => {
		exited = true;
	});
	for (;;) {
		const port = forwardedPort(running.stdout);
		if (port !== undefined) return port;
		if (spawnError?.code === 'ENOENT') throw notFound(kubectl);
		if (spawnError) throw new ConnectError(`cannot run ${kubectl}: ${spawnError.message}`);
		if (exited) throw new ConnectError(`kubectl port-forward ${describeResource(target)} failed: ${kubectlMessage(running.stderr)}`);
		if (Date.now() > deadline) {
			await stopProcess(running);
			throw new ConnectError(`kubectl port-forward ${describeResource(target)} did not start forwarding within ${Math.round(timeoutMs / 1000)}s${running.stderr ? `: ${kubectlMessage(running.stderr)}` : ''}`);
		}
		await new Promise(resolve => setTimeout(resolve, 20));
	}
}

async function stopProcess({child, exited}: Running): Promise<void> {
	if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
	child.kill('SIGTERM');
	const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
	await exited;
	clearTimeout(timer);
}

const execTimeoutMs = 30_000;

/**
 * `--open-inspector`: `kubectl exec RESOURCE -- kill -USR1 1`, which makes a Node process that is
 * the container's pid 1 open its inspector on 127.0.0.1:9229. Rejects with kubectl's message.
 */
export async function openInspectorInPod(target: KubeTarget, {kubectl = 'kubectl'}: {kubectl?: string} = {}): Promise<string> {
	const args = kubectlArgs(target, 'exec', target.resource, '--', 'kill', '-USR1', '1');
	// kubectl exec can hang on an unreachable API server: it gets the same deadline as a start.
	const {code, stderr} = await runKubectl(args, {kubectl, timeoutMs: execTimeoutMs});
	if (code !== 0) throw new ConnectError(`kubectl exec ${describeResource(target)} -- kill -USR1 1 failed: ${kubectlMessage(stderr)}`);
	return `kubectl ${args.join(' ')}`;
}
