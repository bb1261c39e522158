import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before} from 'node:test';
import {fixturePath} from './paths.js';
import {type Spawned, track, waitForOutput} from './processes.js';

export interface Target extends Spawned {
	/** Inspector port, read from the `Debugger listening on` line. */
	port: number;
	webSocketUrl: string;
	/** The fixture's own HTTP port, when it prints `ready <port>`. */
	httpPort: number | undefined;
}

export interface TargetOptions {
	args?: string[];
	nodeArgs?: string[];
	/** Wait for the fixture's `ready <port>` line. */
	waitReady?: boolean;
	/** Start it without an inspector (port 0, no URL): one that SIGUSR1 opens later. */
	noInspect?: boolean;
}

/** Starts `node --inspect=127.0.0.1:0 test/fixtures/<name>.js` and reads its inspector URL. */
export async function startTarget(name: string, {args = [], nodeArgs = [], waitReady = true, noInspect = false}: TargetOptions = {}): Promise<Target> {
	const p = track(process.execPath, [...(noInspect ? [] : ['--inspect=127.0.0.1:0']), ...nodeArgs, fixturePath(name), ...args]);
	try {
		const [, webSocketUrl, port] = noInspect ? ['', '', '0'] : await waitForOutput(p, 'stderr', /Debugger listening on (ws:\/\/127\.0\.0\.1:(\d+)\/\S+)/);
		const httpPort = waitReady ? Number((await waitForOutput(p, 'stdout', /ready (\d+)/))[1]) : undefined;
		return {...p, port: Number(port), webSocketUrl: webSocketUrl!, httpPort};
	} catch (error) {
		await p.kill();
		throw error;
	}
}

export async function httpGet(port: number, path: string): Promise<string> {
	const response = await fetch(`http://127.0.0.1:${port}${path}`);
	return response.text();
}

/**
 * The fixture `name` for the tests of one file: started before them, killed after them (by
 * pid). Read it inside a test: `server().port`.
 */
export function fixtureForFile(name: string, options: TargetOptions = {}): () => Target {
	let target: Target | undefined;
	before(async () => {
		target = await startTarget(name, options);
	});
	after(async () => {
		await target?.kill();
	});
	return () => {
		if (!target) throw new Error(`the ${name} fixture is not running (is this called outside a test?)`);
		return target;
	};
}

/** A temporary directory for the tests of one file, removed after them. */
export function tempDirForFile(prefix: string): string {
	const dir = mkdtempSync(join(tmpdir(), prefix));
	after(() => rmSync(dir, {recursive: true, force: true}));
	return dir;
}
