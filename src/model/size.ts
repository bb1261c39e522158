import {UsageError} from '../errors.js';

const units: Record<string, number> = {'': 1, b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1024 ** 2};

/** Below this, sampling costs the target more than users expect of a watch (DESIGN.md: 4 KiB cost ~22 %). */
const minSamplingBytes = 1024;

/**
 * `--sampling`: `512KiB`, `64KiB`, `1MiB`, `32768`, or `off` (null). Node's own `--heap-prof`
 * default is 512 KiB.
 */
export function parseSampling(text: string, name = '--sampling'): number | null {
	if (/^\s*off\s*$/i.test(text)) return null;
	const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib)?\s*$/i.exec(text);
	if (!match) throw new UsageError(`invalid ${name} "${text}": use a size such as 512KiB, 64KiB, 1MiB, or off`);
	const bytes = Math.round(Number(match[1]) * units[(match[2] ?? '').toLowerCase()]!);
	if (bytes < minSamplingBytes) throw new UsageError(`invalid ${name} "${text}": must be at least 1KiB (smaller intervals slow the target down a lot)`);
	if (bytes > 2 ** 31 - 1) throw new UsageError(`invalid ${name} "${text}": must be below 2GiB`);
	return bytes;
}
