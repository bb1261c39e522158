/**
 * Puts the fake `kubectl` (test/fixtures/kubectl.ts) first on PATH for the leaktop processes a
 * test starts, with the pods it describes, and ends every kubectl it ran, by pid, after the
 * tests of the file.
 */
import {chmodSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {after} from 'node:test';
import {fixturePath} from './paths.js';
import {tempDirForFile} from './target.js';
import {isAlive} from './wait.js';

/** A pod (`port`: the real local target it forwards to) or a workload (`selector`). */
export interface FakePod {
	port?: number;
	labels?: Record<string, string>;
	ready?: boolean;
	terminating?: boolean;
	selector?: {matchLabels?: Record<string, string>; matchExpressions?: Array<{key: string; operator: string; values?: string[]}>};
	namespace?: string;
	pid?: number;
	dieAfterMs?: number;
	forbidden?: boolean;
}

export interface FakeKubectl {
	/** The environment leaktop runs with: the fake first on PATH. */
	env: NodeJS.ProcessEnv;
	/** Replaces the pods it knows. */
	setPods(pods: Record<string, FakePod>): void;
	/** Every kubectl run so far: its pid and its arguments. */
	calls(): Array<{pid: number; args: string}>;
}

export function fakeKubectlForFile(): FakeKubectl {
	// Registered before the directory's own removal: hooks run in the order they were added.
	after(() => {
		for (const {pid} of calls()) {
			if (isAlive(pid)) process.kill(pid, 'SIGKILL');
		}
	});
	const dir = tempDirForFile('leaktop-fake-kubectl-');
	const bin = join(dir, 'bin');
	mkdirSync(bin);
	writeFileSync(join(bin, 'kubectl'), `#!/bin/sh\nexec '${process.execPath}' '${fixturePath('kubectl')}' "$@"\n`);
	chmodSync(join(bin, 'kubectl'), 0o755);
	writeFileSync(join(dir, 'pods.json'), '{}');
	writeFileSync(join(dir, 'calls.log'), '');
	const calls = () =>
		readFileSync(join(dir, 'calls.log'), 'utf8')
			.split('\n')
			.filter(Boolean)
			.map(line => ({pid: Number(line.split(' ')[0]), args: line.slice(line.indexOf(' ') + 1)}));
	return {
		env: {...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, FAKE_KUBE_DIR: dir},
		setPods: pods => writeFileSync(join(dir, 'pods.json'), JSON.stringify(pods)),
		calls,
	};
}
