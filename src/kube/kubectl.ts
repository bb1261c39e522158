/** Running the user's own kubectl: its arguments, its deadline, and its own words when it fails. */
import {spawn} from 'node:child_process';
import {ConnectError, UsageError} from '../errors.js';

export interface KubeTarget {
	/** `pod/NAME` (or anything `kubectl port-forward` takes: `deployment/NAME`, `svc/NAME`). */
	resource: string;
	namespace?: string;
	context?: string;
	/** The inspector's port inside the pod. */
	remotePort: number;
}

/** kubectl's own words for a failure: the last `error:`/`Error from server` line, else the last line. */
export function kubectlMessage(stderr: string): string {
	const lines = stderr
		.split('\n')
		.map(line => line.trim())
		.filter(Boolean);
	return lines.findLast(line => /^(error|Error from server)\b/i.test(line)) ?? lines.at(-1) ?? 'no message';
}


/** The argument list for kubectl, context and namespace first as kubectl's docs write them. */
export function kubectlArgs(target: KubeTarget, ...command: string[]): string[] {
	return [...(target.context ? ['--context', target.context] : []), ...(target.namespace ? ['--namespace', target.namespace] : []), ...command];
}

/** `deployment/api in namespace prod (context staging)`, for kubectl's failures. */
export function describeResource(target: KubeTarget): string {
	return `${target.resource}${target.namespace ? ` in namespace ${target.namespace}` : ''}${target.context ? ` (context ${target.context})` : ''}`;
}

export function notFound(kubectl: string): UsageError {
	return new UsageError(`${kubectl} not found on PATH: --kube runs your own kubectl (or run kubectl port-forward yourself and use --port)`);
}

export interface KubectlResult {
	code: number | null;
	stdout: string;
	stderr: string;
}

/** Runs kubectl to its end, killed at `timeoutMs` (an unreachable API server can hang it) or when `signal` aborts. */
export async function runKubectl(args: readonly string[], {kubectl = 'kubectl', timeoutMs, signal}: {kubectl?: string; timeoutMs: number; signal?: AbortSignal}): Promise<KubectlResult> {
	const child = spawn(kubectl, args, {stdio: ['ignore', 'pipe', 'pipe']});
	let stdout = '';
	let stderr = '';
	child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
	child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	let ended: 'timeout' | 'interrupted' | undefined;
	const end = (why: 'timeout' | 'interrupted') => {
		ended = why;
		child.kill('SIGKILL');
	};
	const timer = setTimeout(() => end('timeout'), timeoutMs);
	const onAbort = () => end('interrupted');
	if (signal?.aborted) onAbort();
	signal?.addEventListener('abort', onAbort, {once: true});
	try {
		const code = await new Promise<number | null>((resolve, reject) => {
			child.once('error', reject);
			child.once('close', resolve);
		});
		if (ended === 'timeout') throw new ConnectError(`kubectl ${args.join(' ')} did not finish within ${Math.round(timeoutMs / 1000)}s`);
		if (ended === 'interrupted') throw new ConnectError(`interrupted while kubectl ${args.join(' ')} ran`);
		return {code, stdout, stderr};
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(kubectl);
		throw error;
	} finally {
		clearTimeout(timer);
		signal?.removeEventListener('abort', onAbort);
	}
}
