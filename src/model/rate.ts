import {UsageError} from '../errors.js';
import {formatBytes} from './format.js';

const byteUnits: Record<string, number> = {b: 1, kb: 1e3, mb: 1e6, gb: 1e9};
const perUnitHours: Record<string, number> = {s: 1 / 3600, m: 1 / 60, min: 1 / 60, h: 1};

/** Parses a growth rate such as `1MB/h`, `500KB/h`, `2MB/min` into bytes per hour. */
export function parseRate(text: string, flag: string, prefix = '--'): number {
	const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)\s*\/\s*(s|m|min|h)\s*$/i.exec(text);
	if (!match) throw new UsageError(`invalid ${prefix}${flag} "${text}": use a size per time, e.g. 1MB/h, 500KB/h, 5MB/min`);
	return (Number(match[1]) * byteUnits[match[2]!.toLowerCase()]!) / perUnitHours[match[3]!.toLowerCase()]!;
}

export function formatRate(bytesPerHour: number): string {
	return `${bytesPerHour > 0 ? '+' : ''}${formatBytes(bytesPerHour)}/h`;
}
