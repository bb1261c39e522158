import {chmod, open, stat, unlink, writeFile} from 'node:fs/promises';
import {OutputError} from './errors.js';

const reasons: Record<string, string> = {
	ENOSPC: 'no space left on device',
	EACCES: 'permission denied',
	EPERM: 'operation not permitted',
	EROFS: 'read-only file system',
	ENOENT: 'no such file or directory',
	ENOTDIR: 'a part of the path is not a directory',
	EISDIR: 'it is a directory',
	EDQUOT: 'disk quota exceeded',
	EFBIG: 'the file is too large',
	EEXIST: 'the file already exists',
};

/** One short reason for a failed write: the errno in words, or the error's own message. */
export function describeWriteError(error: unknown): string {
	const code = (error as NodeJS.ErrnoException).code ?? '';
	return reasons[code] ?? (error as Error).message;
}

/**
 * Checks, before a session starts, that `path` can be written: a two-minute CI run should not
 * find out at the end that its report has nowhere to go. Permission bits do not tell (root,
 * /proc, read-only mounts), so it opens the file for writing without truncating it, or creates
 * and removes it.
 */
export async function assertWritable(path: string, what: string): Promise<void> {
	try {
		const existing = await stat(path).catch((error: NodeJS.ErrnoException) => {
			if (error.code === 'ENOENT') return null;
			throw error;
		});
		if (existing?.isDirectory()) throw Object.assign(new Error('it is a directory'), {code: 'EISDIR'});
		if (existing) {
			await (await open(path, 'r+')).close();
		} else {
			await (await open(path, 'wx', 0o600)).close();
			await unlink(path);
		}
	} catch (error) {
		throw new OutputError(`cannot write ${what} to ${path}: ${describeWriteError(error)}`);
	}
}

/**
 * Writes a whole file readable by its owner only (reports and snapshots describe the target's
 * memory), turning the usual failures (full disk, no permission) into one line.
 */
export async function writeOutputFile(path: string, text: string, what: string): Promise<void> {
	try {
		await writeFile(path, text, {mode: 0o600});
		// `mode` applies only when the file is created; an older report keeps its mode otherwise.
		// Only regular files: `--report /dev/stdout` must not change the terminal's mode.
		if ((await stat(path)).isFile()) await chmod(path, 0o600);
	} catch (error) {
		throw new OutputError(`cannot write ${what} to ${path}: ${describeWriteError(error)}`);
	}
}
