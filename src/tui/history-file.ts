/**
 * The command line's history on disk: `$XDG_CONFIG_HOME/leaktop/history` (else
 * `~/.config/leaktop/history`), one line per entry, readable by the user alone since
 * expressions can name secrets. A history that cannot be read or written costs the session
 * nothing but the history.
 */
import {mkdir, readFile, rename, writeFile} from 'node:fs/promises';
import {homedir} from 'node:os';
import {dirname, join} from 'node:path';
import {describeError} from '../errors.js';
import {historyLimit} from '../model/command-history.js';

export function historyPath(env: NodeJS.ProcessEnv = process.env): string {
	const config = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
	return join(config, 'leaktop', 'history');
}

/** The saved lines, oldest first; none when there is no file yet or it cannot be read. */
export async function loadHistory(path: string): Promise<string[]> {
	try {
		return (await readFile(path, 'utf8')).split('\n').filter(line => line.trim() !== '').slice(-historyLimit);
	} catch {
		return [];
	}
}

/** Writes the whole history (a temporary file renamed over it); the error's text when it cannot. */
export async function saveHistory(path: string, entries: readonly string[]): Promise<string | null> {
	const temporary = `${path}.${process.pid}.tmp`;
	try {
		await mkdir(dirname(path), {recursive: true, mode: 0o700});
		await writeFile(temporary, entries.map(line => `${line}\n`).join(''), {mode: 0o600});
		await rename(temporary, path);
		return null;
	} catch (error) {
		return `command history not saved to ${path}: ${describeError(error)}`;
	}
}
