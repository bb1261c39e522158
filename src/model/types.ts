/** One reading of the target's `process.memoryUsage()`, taken in one CDP round trip. */
export interface MemorySample {
	/** Target wall clock, epoch ms. */
	t: number;
	heapUsed: number;
	heapTotal: number;
	rss: number;
	external: number;
	arrayBuffers: number;
	/** Target `process.uptime()` in seconds at the time of the sample. */
	uptime: number;
	/** Active resources by type (`process.getActiveResourcesInfo()`): Timeout, TCPSocketWrap... */
	resources: Record<string, number>;
}

export type SeriesName = 'heapUsed' | 'heapTotal' | 'rss' | 'external' | 'arrayBuffers';

export const seriesNames: readonly SeriesName[] = ['heapUsed', 'heapTotal', 'rss', 'external', 'arrayBuffers'];

/** Facts about the target read once at attach. */
export interface TargetInfo {
	pid: number;
	nodeVersion: string;
	title: string;
	argv: string[];
	/** Where leaktop is connected: `host:port`. */
	address: string;
	webSocketUrl: string;
	/** `v8.getHeapStatistics().heap_size_limit`. */
	heapSizeLimit: number | null;
	/** `process.constrainedMemory()` when the process runs under a real limit (cgroup), else null. */
	constrainedMemory: number | null;
}

export type ConnectionState = 'connecting' | 'connected' | 'lagging' | 'detaching' | 'closed';

export type LogLevel = 'info' | 'warn' | 'error';

export interface LogEntry {
	t: number;
	level: LogLevel;
	text: string;
}
