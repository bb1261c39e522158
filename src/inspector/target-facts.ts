import {LeaktopError} from '../errors.js';
import type {MemorySample, TargetInfo} from '../model/types.js';

/**
 * `process.constrainedMemory()` answers 2^64 (or 0, or undefined, by Node version) when the
 * process has no limit; only a real cgroup limit is worth showing.
 */
export function normalizeLimit(value: unknown): number | null {
	if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value >= 2 ** 53) return null;
	return value;
}

export function parseFacts(value: unknown, address: string, webSocketUrl: string): TargetInfo {
	if (typeof value !== 'object' || value === null) throw new LeaktopError('the target did not describe itself');
	const v = value as Record<string, unknown>;
	return {
		pid: typeof v.pid === 'number' ? v.pid : -1,
		nodeVersion: typeof v.nodeVersion === 'string' ? v.nodeVersion : 'unknown',
		title: typeof v.title === 'string' ? v.title : '',
		argv: Array.isArray(v.argv) ? v.argv.filter((a): a is string => typeof a === 'string') : [],
		address,
		webSocketUrl,
		cwd: typeof v.cwd === 'string' ? v.cwd : null,
		hostname: typeof v.hostname === 'string' && v.hostname !== '' ? v.hostname : null,
		heapSizeLimit: normalizeLimit(v.heapSizeLimit),
		constrainedMemory: normalizeLimit(v.constrainedMemory),
		...(typeof v.startedAt === 'number' && Number.isFinite(v.startedAt) ? {startedAt: Math.round(v.startedAt)} : {}),
	};
}

function parseCounts(value: unknown): Record<string, number> {
	const counts: Record<string, number> = {};
	if (typeof value !== 'object' || value === null) return counts;
	for (const [type, count] of Object.entries(value)) if (typeof count === 'number') counts[type] = count;
	return counts;
}

export function parseSample(value: unknown): MemorySample {
	if (!Array.isArray(value) || value.length < 8 || !value.slice(0, 7).every(n => typeof n === 'number')) {
		throw new LeaktopError('the target returned a malformed memory sample');
	}
	const [t, heapUsed, heapTotal, rss, external, arrayBuffers, uptime] = value as number[];
	const sample: MemorySample = {t: t!, heapUsed: heapUsed!, heapTotal: heapTotal!, rss: rss!, external: external!, arrayBuffers: arrayBuffers!, uptime: uptime!, resources: parseCounts(value[7])};
	const loopActive: unknown = value[8];
	if (typeof loopActive === 'number' && Number.isFinite(loopActive) && loopActive >= 0) sample.loopActiveMs = loopActive;
	return sample;
}
