import {readFile, readdir, readlink} from 'node:fs/promises';
import {execFile} from 'node:child_process';
import {basename} from 'node:path';
import {promisify} from 'node:util';
import {ConnectError, NotNodeError, UsageError} from '../errors.js';
import {type Address, getVersion} from './endpoint.js';

const defaultInspectPort = 9229;
const run = promisify(execFile);

/** Checks that `pid` exists and may be signalled, without sending anything. */
function assertSignallable(pid: number): void {
	try {
		process.kill(pid, 0);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ESRCH') throw new UsageError(`no process with pid ${pid}`);
		if (code === 'EPERM') throw new UsageError(`not permitted to signal pid ${pid} (run as its user)`);
		throw error;
	}
}

async function readProc(pid: number, file: string): Promise<string | null> {
	try {
		return await readFile(`/proc/${pid}/${file}`, 'utf8');
	} catch {
		return null;
	}
}

/**
 * SIGUSR1's default action kills most programs, so leaktop sends it only to a process that is
 * plainly Node: its executable or argv[0] is named node or nodejs.
 */
async function assertNodeProcess(pid: number): Promise<void> {
	let names: string[];
	if (process.platform === 'linux') {
		const cmdline = await readProc(pid, 'cmdline');
		const exe = await readlink(`/proc/${pid}/exe`).catch(() => null);
		names = [exe, cmdline?.split('\0')[0]].filter((n): n is string => Boolean(n)).map(n => basename(n).replace(/ \(deleted\)$/, ''));
	} else {
		// macOS and the BSDs have no /proc; ps names the executable.
		const comm = await run('ps', ['-o', 'comm=', '-p', String(pid)]).then(r => r.stdout.trim(), () => '');
		names = comm ? [basename(comm)] : [];
	}
	if (!names.some(n => /^node(js)?(\d+)?$/.test(n))) {
		throw new NotNodeError(`process ${pid} (${names[0] ?? 'unknown'}) is not Node.js: leaktop sends SIGUSR1 only to Node processes`);
	}
}

/** The port Node will open on SIGUSR1, from `--inspect-port`/`--inspect*=` in argv or NODE_OPTIONS. */
export function configuredInspectPort(args: readonly string[]): number | undefined {
	let port: number | undefined;
	for (const arg of args) {
		const match = /^--inspect(?:-port|-brk|-wait)?=(?:.*:)?(\d+)$/.exec(arg);
		if (match) port = Number(match[1]);
	}
	return port;
}

/** Ports the process listens on, from /proc: finds the inspector even when it chose a random port. */
async function listeningPorts(pid: number): Promise<number[]> {
	if (process.platform !== 'linux') return [];
	const inodes = new Set<string>();
	const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
	for (const fd of fds) {
		const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
		const match = /^socket:\[(\d+)\]$/.exec(link);
		if (match) inodes.add(match[1]!);
	}
	const ports: number[] = [];
	for (const table of ['net/tcp', 'net/tcp6']) {
		const text = await readProc(pid, table);
		for (const line of text?.split('\n').slice(1) ?? []) {
			const cols = line.trim().split(/\s+/);
			// st 0A is LISTEN; column 9 is the socket inode.
			if (cols[3] === '0A' && cols[9] && inodes.has(cols[9])) ports.push(Number.parseInt(cols[1]!.split(':')[1]!, 16));
		}
	}
	return ports;
}

async function candidatePorts(pid: number): Promise<number[]> {
	const argv = (await readProc(pid, 'cmdline'))?.split('\0') ?? [];
	const nodeOptions = (await readProc(pid, 'environ'))?.split('\0').find(e => e.startsWith('NODE_OPTIONS='))?.slice(13).split(/\s+/) ?? [];
	const configured = configuredInspectPort([...nodeOptions, ...argv]);
	const ports = [...(await listeningPorts(pid)), configured ?? defaultInspectPort];
	return [...new Set(ports)];
}

export interface OpenedInspector {
	address: Address;
	/** True when this call sent SIGUSR1; false when the inspector was already open. */
	signalled: boolean;
}

/**
 * Opens the inspector of a running local Node process the way `kill -USR1` does, then finds
 * which port it listens on. The target's PID is checked again after attach by the caller.
 */
export async function openInspector(pid: number, {timeoutMs = 5000, host = '127.0.0.1'} = {}): Promise<Address[]> {
	if (!Number.isInteger(pid) || pid <= 0) throw new UsageError(`invalid --pid "${pid}": must be a positive integer`);
	if (process.platform === 'win32') throw new UsageError('--pid is not supported on Windows: start the target with --inspect instead');
	assertSignallable(pid);
	await assertNodeProcess(pid);
	const answering = async (): Promise<Address[]> => {
		const found: Address[] = [];
		for (const port of await candidatePorts(pid)) {
			const ok = await getVersion({host, port}).then(() => true, () => false);
			if (ok) found.push({host, port});
		}
		return found;
	};
	const already = await answering();
	if (already.length > 0) return already;
	process.kill(pid, 'SIGUSR1');
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		await new Promise(resolve => setTimeout(resolve, 100));
		try {
			process.kill(pid, 0);
		} catch {
			throw new ConnectError(`process ${pid} exited after SIGUSR1`);
		}
		const found = await answering();
		if (found.length > 0) return found;
	}
	throw new ConnectError(`process ${pid} did not open an inspector within ${timeoutMs / 1000}s of SIGUSR1 (started with --disable-sigusr1, or its inspector port is taken?)`);
}
