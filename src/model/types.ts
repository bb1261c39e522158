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
	/** The event loop's cumulative busy time in ms (`performance.eventLoopUtilization().active`), when the target reports it. */
	loopActiveMs?: number;
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
	/** `process.cwd()`: allocation sites are shown relative to it. */
	cwd: string | null;
	/** `os.hostname()` in the target (the pod name in Kubernetes): heap snapshot files carry it. */
	hostname: string | null;
	/** `v8.getHeapStatistics().heap_size_limit`. */
	heapSizeLimit: number | null;
	/** `process.constrainedMemory()` when the process runs under a real limit (cgroup), else null. */
	constrainedMemory: number | null;
	/** When the process started (its clock, epoch ms): with the pid, what tells a restart from a reconnect. */
	startedAt?: number;
}

export type ConnectionState = 'connecting' | 'connected' | 'lagging' | 'reconnecting' | 'detaching' | 'closed';

export type LogLevel = 'info' | 'warn' | 'error';

export interface LogEntry {
	t: number;
	level: LogLevel;
	text: string;
}

/** Listeners for one event name, summed over every emitter of one constructor. */
export interface ListenerRow {
	/** Constructor name of the emitters: EventEmitter, Socket, AbortSignal... */
	emitter: string;
	event: string;
	count: number;
	/** Emitters of this constructor with at least one listener for the event. */
	emitters: number;
	maxPerEmitter: number;
	/** Emitters over their max listeners for this event. */
	overLimit: number;
	/** Emitters whose limit was disabled with setMaxListeners(0) or Infinity. */
	limitDisabled: number;
}

/** Where a function is defined: a listener, a stream's `_read`. `url` is empty when its script is not known. */
export interface FunctionSite {
	url: string;
	/** 1-based. */
	line: number;
	column: number;
	functionName: string;
}

export interface StreamRow {
	/** Its class: Readable, Socket, a subclass. */
	name: string;
	/** Bytes (objects, in object mode) queued in its readable or writable buffer. */
	buffered: number;
	highWaterMark: number;
	/** Its `_read` (or `_write`, `_transform`): the code the stream was made with. */
	site: FunctionSite | null;
}

/** One walk of the target's heap for EventEmitters and EventTargets. */
export interface ListenerCensus {
	/** Local epoch ms when it finished. */
	t: number;
	durationMs: number;
	emitterCount: number;
	rows: ListenerRow[];
	/** Where the newest listener of the biggest rows is defined (a few rows, not all). */
	listenerSites?: Array<{emitter: string; event: string; site: FunctionSite}>;
	/** Streams buffering more than their high-water mark, most first: where a stream leak's Buffers wait. */
	streams?: StreamRow[];
	/**
	 * Live Promise objects after the census's full GC: settled ones nobody holds are gone, so a
	 * rising count is promises left pending. Undefined in recordings made before it was counted.
	 */
	promises?: number | null;
}
