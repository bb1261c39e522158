/**
 * A real container memory limit for a test target: a cgroup v1 memory controller group with
 * `memory.limit_in_bytes` set, the target's pid moved into it. After that,
 * `process.constrainedMemory()` in the target returns the limit, as it does in a pod.
 *
 * Needs root and a writable /sys/fs/cgroup/memory (the CI machines have both). Tests check
 * `canLimitMemory()` and skip with `cannotLimitMemoryReason()` where that is not so.
 */
import {mkdirSync, readFileSync, rmdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {waitFor} from './wait.js';

const root = '/sys/fs/cgroup/memory';

export interface MemoryLimit {
	/** The cgroup's directory. */
	path: string;
	/**
	 * Moves whatever still runs in the group back to the root group, then removes the group.
	 * Idempotent; call it in teardown, after killing the target or not.
	 */
	remove(): Promise<void>;
}

let counter = 0;
const groupName = () => `leaktop-test-${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;

let probed: string | null | undefined;

/** Why memory cannot be limited here, or null when it can (probed once: a group made and removed). */
export function cannotLimitMemoryReason(): string | null {
	if (probed !== undefined) return probed;
	if (process.platform !== 'linux') return (probed = `memory cgroups need Linux (this is ${process.platform})`);
	const path = join(root, `${groupName()}-probe`);
	try {
		mkdirSync(path);
	} catch (error) {
		return (probed = `cannot create a memory cgroup under ${root} (cgroup v1 memory controller, as root): ${(error as Error).message}`);
	}
	try {
		writeFileSync(join(path, 'memory.limit_in_bytes'), String(256 * 1024 * 1024));
		probed = null;
	} catch (error) {
		probed = `cannot set memory.limit_in_bytes in ${path}: ${(error as Error).message}`;
	} finally {
		try {
			rmdirSync(path);
		} catch {}
	}
	return probed;
}

export function canLimitMemory(): boolean {
	return cannotLimitMemoryReason() === null;
}

/** The pids in a group (`cgroup.procs`); none once the group is gone. */
function procsOf(path: string): number[] {
	try {
		return readFileSync(join(path, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
	} catch {
		return [];
	}
}

/** The memory cgroup `pid` is in, as /proc/<pid>/cgroup says (`/leaktop-test-...`). */
export function memoryCgroupOf(pid: number): string | null {
	try {
		const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
			.split('\n')
			.find(l => /^\d+:([^:]*,)?memory(,[^:]*)?:/.test(l));
		return line ? line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1) : null;
	} catch {
		return null;
	}
}

/**
 * Puts `pid` in a new memory cgroup limited to `bytes`. Memory the process already uses stays
 * charged where it was (cgroup v1 does not move charges by default): the group counts what
 * the process allocates from now on, and `process.constrainedMemory()` reports `bytes`.
 */
export async function limitMemory(pid: number, bytes: number): Promise<MemoryLimit> {
	const reason = cannotLimitMemoryReason();
	if (reason !== null) throw new Error(reason);
	const name = groupName();
	const path = join(root, name);
	mkdirSync(path);
	let removed = false;
	const remove = async () => {
		if (removed) return;
		// Whatever still runs in it goes back to the root group; a process that exited is gone.
		for (const member of procsOf(path)) {
			try {
				writeFileSync(join(root, 'cgroup.procs'), String(member));
			} catch {}
		}
		// rmdir fails with EBUSY for a moment after the last task left.
		await waitFor(
			() => {
				try {
					rmdirSync(path);
					return true;
				} catch (error) {
					if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
					for (const member of procsOf(path)) {
						try {
							writeFileSync(join(root, 'cgroup.procs'), String(member));
						} catch {}
					}
					throw error;
				}
			},
			{timeoutMs: 10_000, what: `the removal of the cgroup ${path}`},
		);
		removed = true;
	};
	try {
		writeFileSync(join(path, 'memory.limit_in_bytes'), String(bytes));
		writeFileSync(join(path, 'cgroup.procs'), String(pid));
		const now = memoryCgroupOf(pid);
		if (now !== `/${name}`) throw new Error(`pid ${pid} is in memory cgroup ${now}, not /${name}`);
	} catch (error) {
		await remove();
		throw error;
	}
	return {path, remove};
}
