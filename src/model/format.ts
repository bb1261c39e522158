const byteUnits = ['B', 'KB', 'MB', 'GB', 'TB'];

/** Decimal units, as `top` and Chrome DevTools' Memory panel show them. */
export function formatBytes(bytes: number, digits = 1): string {
	if (!Number.isFinite(bytes)) return '-';
	const sign = bytes < 0 ? '-' : '';
	let value = Math.abs(bytes);
	let unit = 0;
	while (value >= 1000 && unit < byteUnits.length - 1) {
		value /= 1000;
		unit++;
	}
	return `${sign}${unit === 0 ? value.toFixed(0) : value.toFixed(digits)} ${byteUnits[unit]}`;
}

/** A count change: `+60`, `-3`, `0`. */
export function formatSignedCount(n: number): string {
	return n > 0 ? `+${n}` : String(n);
}

export function formatSignedBytes(bytes: number): string {
	return bytes > 0 ? `+${formatBytes(bytes)}` : formatBytes(bytes);
}

/** Compact elapsed time: `45s`, `12m 05s`, `3h 20m`, `2d 4h`. */
export function formatDuration(ms: number): string {
	const s = Math.max(0, Math.floor(ms / 1000));
	if (s < 60) return `${s}s`;
	const m = Math.floor(s / 60);
	if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
	const h = Math.floor(m / 60);
	if (h < 48) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
	return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** A cost: `220 ms` below a second, `3s` and up above. */
export function formatCost(ms: number): string {
	return ms < 1000 ? `${Math.round(ms)} ms` : formatDuration(ms);
}

/** Wall-clock time of day for log lines, in local time. */
export function formatClock(epochMs: number): string {
	const d = new Date(epochMs);
	return [d.getHours(), d.getMinutes(), d.getSeconds()].map(n => String(n).padStart(2, '0')).join(':');
}
