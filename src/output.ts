import {writeFile} from 'node:fs/promises';
import {OutputError} from './errors.js';

const reasons: Record<string, string> = {
	ENOSPC: 'no space left on device',
	EACCES: 'permission denied',
	EROFS: 'read-only file system',
	ENOENT: 'no such directory',
	EISDIR: 'it is a directory',
	EDQUOT: 'disk quota exceeded',
};

/** Writes a whole file, turning the usual failures (full disk, no permission) into one line. */
export async function writeOutputFile(path: string, text: string, what: string): Promise<void> {
	try {
		await writeFile(path, text, {mode: 0o600});
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code ?? '';
		throw new OutputError(`cannot write ${what} to ${path}: ${reasons[code] ?? (error as Error).message}`);
	}
}
