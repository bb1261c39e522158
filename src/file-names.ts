import type {TargetInfo} from './model/types.js';

/** `20261125T193000`: UTC, sorts by time, safe in any file system. */
function stamp(now: Date): string {
	return now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
}

/** `leaktop-4242-20261125T193000.heapprofile`: sorts by time, names the process it came from. */
export function heapProfileName(pid: number | undefined, now: Date): string {
	return `leaktop-${pid ?? 'target'}-${stamp(now)}.heapprofile`;
}

/** `api-7d9-4242-20261125T193000.heapsnapshot`: which pod and process, sorted by time. */
export function snapshotFileName(target: Pick<TargetInfo, 'hostname' | 'pid'> | null, now: Date): string {
	const host = (target?.hostname ?? 'target').replace(/[^A-Za-z0-9._-]/g, '_');
	return `${host}-${target?.pid ?? 0}-${stamp(now)}.heapsnapshot`;
}

/** The host and pid in a name snapshotFileName() made; null for any other name. */
export function snapshotOrigin(fileName: string): {host: string; pid: number} | null {
	const match = /^(.+)-(\d+)-\d{8}T\d{6}\.heapsnapshot$/.exec(fileName);
	return match ? {host: match[1]!, pid: Number(match[2])} : null;
}
