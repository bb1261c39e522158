/**
 * The heap snapshot benchmark (issue 6): what a snapshot costs when `leaktop snapshot` takes it
 * over the inspector, side by side with `v8.writeHeapSnapshot` run in the target itself on the
 * same heap, and how close leaktop's pre-flight estimate (src/model/snapshot-risk.ts) comes.
 *
 * Goals from the issue: the pause over CDP at most 1.1x the in-process one; leaktop's own peak
 * RSS under 150 MB whatever the snapshot size; the estimate within 2x of the measured pause and
 * extra peak memory.
 *
 * Every capture gets a fresh target (bench/heap-target.ts, built the same way every time, so the
 * heap is the same to within a few KB): a process that has taken one snapshot keeps most of the
 * memory the snapshot needed (measured: RSS 128 MB before the first, 564 MB after it), so a second
 * capture in the same process would start from a different footprint and show a much smaller
 * extra. A fresh process is also what the estimate is for: the first snapshot of a process.
 * Within a round the two kinds run back to back, and which goes first alternates by round, so
 * other jobs on the machine load both alike.
 *
 *   node dist/bench/snapshot.js [--sizes 50,150,300] [--rounds 3] [--dir /tmp]
 *
 * Prints a markdown section and writes it to bench/results-snapshot.md. Only reports; asserts
 * nothing. Every target and leaktop it starts is ended by pid.
 */
import {execFileSync} from 'node:child_process';
import {closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statfsSync, statSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import {join, relative} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {parseArgs} from 'node:util';
import {SnapshotHeaderReader} from '../src/inspector/snapshot.js';
import {defaultCostModel, estimateSnapshot, type Headroom, type SnapshotEstimate} from '../src/model/snapshot-risk.js';
import {type Child, clockTicks, cliPath, installCleanup, mb, median, ms, now, readProc, repoRoot, sleep, start, table, waitForText} from './lib.js';

export const heapTargetPath = fileURLToPath(new URL('./heap-target.js', import.meta.url));

export interface SnapshotOptions {
	/** Heap sizes in MB (the target's live heap after a full GC). */
	sizesMB: readonly number[];
	/** Rounds per size; each round is one capture of each kind. */
	rounds: number;
	/** Where the snapshot files go (a temporary directory is made inside and removed). */
	parentDir: string;
}

export const defaultSnapshotOptions: SnapshotOptions = {sizesMB: [50, 150, 300], rounds: 3, parentDir: os.tmpdir()};

/** Generous: a capture of a 300 MB heap takes about 30 s, building the heap about 4 s. */
const captureExpectedMs = (sizeMB: number) => 5000 + 150 * sizeMB;
export const snapshotExpectedMs = ({sizesMB, rounds}: Pick<SnapshotOptions, 'sizesMB' | 'rounds'>) => sizesMB.reduce((sum, size) => sum + 2 * rounds * captureExpectedMs(size), 0);
export const snapshotBudgetMs = (options: Pick<SnapshotOptions, 'sizesMB' | 'rounds'>) => 3 * snapshotExpectedMs(options) + 60_000;
/** Past this, a capture is hung: its processes are killed and the run fails. */
const captureTimeoutMs = (sizeMB: number) => 60_000 + 1000 * sizeMB;
/** Building the heap: about 1 s per 80 MB on an idle core; slack for a busy machine. */
const buildTimeoutMs = (sizeMB: number) => 30_000 + 200 * sizeMB;
const pollMs = 50;

// ---------------------------------------------------------------------------------------------
// The target

interface HeapTarget {
	proc: Child;
	inspectorPort: number;
	httpPort: number;
}

interface TargetStats {
	pid: number;
	heapUsed: number;
	rss: number;
	records: number;
	maxGapMs: number;
}

async function getJson<T>(port: number, path: string): Promise<T> {
	const response = await fetch(`http://127.0.0.1:${port}${path}`);
	if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status} ${await response.text()}`);
	return (await response.json()) as T;
}

const targetStats = (target: HeapTarget) => getJson<TargetStats>(target.httpPort, '/stats');

/** `node --inspect=127.0.0.1:0 heap-target.js --mb N`, once its heap is built. */
async function startHeapTarget(sizeMB: number): Promise<HeapTarget> {
	const proc = start(process.execPath, ['--inspect=127.0.0.1:0', heapTargetPath, '--mb', String(sizeMB)]);
	try {
		const [, inspectorPort] = await waitForText(proc.stderr, /Debugger listening on ws:\/\/127\.0\.0\.1:(\d+)\//, 'the target inspector line');
		const [, httpPort] = await waitForText(proc.stdout, /ready (\d+)/, 'the heap target ready line', buildTimeoutMs(sizeMB), 20);
		return {proc, inspectorPort: Number(inspectorPort), httpPort: Number(httpPort)};
	} catch (error) {
		await proc.stop();
		throw error;
	}
}

// ---------------------------------------------------------------------------------------------
// Memory readings

/**
 * Writing 5 to clear_refs resets VmHWM to the current RSS (Linux), so VmHWM afterwards is the
 * exact peak of what follows. False when the kernel refused or did not reset it.
 */
function resetPeak(pid: number): boolean {
	try {
		writeFileSync(`/proc/${pid}/clear_refs`, '5');
	} catch {
		return false;
	}
	const {rss, hwm} = readProc(pid);
	return hwm <= rss + 4e6;
}

interface PeakWatch {
	/** Stops polling; the largest VmHWM, VmRSS and CPU time (ms) seen (0 when the process was never read). */
	stop(): {hwm: number; rss: number; cpuMs: number};
}

/**
 * Polls VmHWM and VmRSS every 50 ms. For leaktop, a short-lived process whose peak cannot be read
 * after it exits, the last VmHWM read before exit is its peak except for the last 50 ms; for
 * the target it is the fallback when clear_refs does not work.
 */
function watchPeak(pid: number): PeakWatch {
	let hwm = 0;
	let rss = 0;
	let cpuTicks = 0;
	const read = () => {
		try {
			const sample = readProc(pid);
			// An exiting process has released its memory map and its status has no Vm lines
			// (NaN here): keep what was seen before.
			if (Number.isFinite(sample.hwm)) hwm = Math.max(hwm, sample.hwm);
			if (Number.isFinite(sample.rss)) rss = Math.max(rss, sample.rss);
			if (Number.isFinite(sample.cpuTicks)) cpuTicks = Math.max(cpuTicks, sample.cpuTicks);
		} catch {
			// Gone: keep what was seen.
		}
	};
	read();
	const timer = setInterval(read, pollMs);
	let stopped = false;
	return {
		stop() {
			if (!stopped) {
				stopped = true;
				clearInterval(timer);
				read();
			}
			return {hwm, rss, cpuMs: (cpuTicks / clockTicks) * 1000};
		},
	};
}

/**
 * CPU time (utime+stime, ms) of the main thread (its tid is the pid) and of the whole process.
 * The pause's wall time stretches with whatever else runs on the machine; the main thread's CPU
 * time is the pause as an idle machine would see it, so it compares the two kinds without the
 * noise (the whole process adds V8's GC helpers and the inspector's I/O thread).
 */
function cpuMs(pid: number): {main: number; process: number} {
	const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	const main = ((Number(fields[11]) + Number(fields[12])) / clockTicks) * 1000;
	return {main, process: (readProc(pid).cpuTicks / clockTicks) * 1000};
}

// ---------------------------------------------------------------------------------------------
// Captures

interface Before {
	heapUsed: number;
	/** From process.memoryUsage() in the target: what leaktop's pre-flight reads. */
	rssReported: number;
	/** VmRSS just before the capture: the base the extra peak is measured from. */
	rss: number;
	records: number;
	peakReset: boolean;
	cpu: {main: number; process: number};
}

export interface Capture {
	kind: 'cdp' | 'inprocess';
	/** Whether this kind went first in its round. */
	first: boolean;
	before: Before;
	/** Longest stall of the target's 10 ms interval during the capture: the pause it felt. */
	stallMs: number;
	/** CPU time the target's main thread and the whole target used during the capture. */
	mainCpuMs: number;
	processCpuMs: number;
	/** Target peak RSS during the capture (VmHWM after a reset, else the polled maximum). */
	targetPeak: number;
	fileBytes: number;
	nodeCount: number | null;
	edgeCount: number | null;
	/** Target VmRSS a second after the capture: what the process keeps of the memory the snapshot took. */
	rssAfter: number;
	/** cdp: `leaktop snapshot` spawn to exit. inprocess: `v8.writeHeapSnapshot` as timed in the target. */
	ms: number;
	/** cdp only: leaktop's peak RSS (polled VmHWM). */
	leaktopPeak: number;
	/** cdp only: leaktop's CPU time, spawn to the last poll before it exited. */
	leaktopCpuMs: number;
	/** cdp only: leaktop's stderr lines other than the expected ones. */
	unusual: string[];
}

/** Reads the target's footprint, resets its peak and its longest-stall record. */
async function prepare(target: HeapTarget): Promise<Before> {
	const stats = await targetStats(target);
	const peakReset = resetPeak(target.proc.pid);
	await getJson(target.httpPort, '/reset');
	return {heapUsed: stats.heapUsed, rssReported: stats.rss, rss: readProc(target.proc.pid).rss, records: stats.records, peakReset, cpu: cpuMs(target.proc.pid)};
}

/** The capture that just ended: the stall, the peak, the CPU it took, and what RSS stays a second later. */
async function conclude(target: HeapTarget, before: Before, watch: PeakWatch): Promise<{stallMs: number; targetPeak: number; mainCpuMs: number; processCpuMs: number; rssAfter: number}> {
	// Let the interval tick once after the stall (the /stats answer counts a stall in progress anyway).
	await sleep(pollMs);
	const {maxGapMs} = await targetStats(target);
	const polled = watch.stop();
	const {hwm} = readProc(target.proc.pid);
	const cpu = cpuMs(target.proc.pid);
	// V8 and malloc give memory back lazily if at all: a second is long enough for what comes back soon.
	await sleep(1000);
	return {
		rssAfter: readProc(target.proc.pid).rss,
		stallMs: maxGapMs,
		targetPeak: before.peakReset ? Math.max(hwm, polled.rss) : polled.rss,
		mainCpuMs: cpu.main - before.cpu.main,
		processCpuMs: cpu.process - before.cpu.process,
	};
}

/** Size, node_count and edge_count of a snapshot file (the counts are in its first bytes). */
function fileFacts(path: string): {fileBytes: number; nodeCount: number | null; edgeCount: number | null} {
	const fd = openSync(path, 'r');
	try {
		const buffer = Buffer.alloc(64 * 1024);
		const read = readSync(fd, buffer, 0, buffer.length, 0);
		const header = new SnapshotHeaderReader();
		header.add(buffer.subarray(0, read).toString('utf8'));
		return {fileBytes: statSync(path).size, nodeCount: header.nodeCount, edgeCount: header.edgeCount};
	} finally {
		closeSync(fd);
	}
}

/** Snapshots are hundreds of MB: none outlives its measurement. */
function emptyDir(dir: string): void {
	for (const name of readdirSync(dir)) rmSync(join(dir, name), {force: true, recursive: true});
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`${what} did not finish within ${timeoutMs / 1000} s`)), timeoutMs);
	});
	return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const expectedStderr = /^leaktop: (attached to pid|heap snapshot estimate:|snapshot \d+%:|heap snapshot written:)/;

/** `leaktop snapshot --port P --out DIR --yes`, timed from spawn to exit. */
async function captureOverCdp(target: HeapTarget, dir: string, sizeMB: number, first: boolean): Promise<Capture> {
	const before = await prepare(target);
	const targetWatch = watchPeak(target.proc.pid);
	const started = now();
	const leaktop = start(process.execPath, [cliPath, 'snapshot', '--port', String(target.inspectorPort), '--out', dir, '--yes']);
	const leaktopWatch = watchPeak(leaktop.pid);
	try {
		const code = await withTimeout(leaktop.exited, captureTimeoutMs(sizeMB), '`leaktop snapshot`');
		const wallMs = now() - started;
		const {hwm: leaktopPeak, cpuMs: leaktopCpuMs} = leaktopWatch.stop();
		if (code !== 0) throw new Error(`leaktop snapshot exited with ${code}: ${leaktop.stderr().slice(-600)}`);
		const measured = await conclude(target, before, targetWatch);
		// The file is the only .heapsnapshot in the directory (it is emptied after every capture).
		const file = readdirSync(dir).find(name => name.endsWith('.heapsnapshot'));
		if (!file) throw new Error(`leaktop snapshot wrote no file to ${dir}; stdout: ${leaktop.stdout()}`);
		const unusual = leaktop
			.stderr()
			.split('\n')
			.map(line => line.trim())
			.filter(line => line && !expectedStderr.test(line));
		return {kind: 'cdp', first, before, ...measured, ...fileFacts(join(dir, file)), ms: wallMs, leaktopPeak, leaktopCpuMs, unusual};
	} finally {
		leaktopWatch.stop();
		targetWatch.stop();
		await leaktop.stop();
		emptyDir(dir);
	}
}

/** `v8.writeHeapSnapshot(path)` in the target, through its /write endpoint. */
async function captureInProcess(target: HeapTarget, dir: string, sizeMB: number, first: boolean): Promise<Capture> {
	const before = await prepare(target);
	const watch = watchPeak(target.proc.pid);
	const path = join(dir, 'inprocess.heapsnapshot');
	try {
		const answer = await withTimeout(getJson<{ms: number}>(target.httpPort, `/write?path=${encodeURIComponent(path)}`), captureTimeoutMs(sizeMB), 'v8.writeHeapSnapshot');
		const measured = await conclude(target, before, watch);
		return {kind: 'inprocess', first, before, ...measured, ...fileFacts(path), ms: answer.ms, leaktopPeak: Number.NaN, leaktopCpuMs: Number.NaN, unusual: []};
	} finally {
		watch.stop();
		emptyDir(dir);
	}
}

/** One capture on a target of its own, built for it and ended by pid afterwards. */
async function captureOnFreshTarget(kind: Capture['kind'], sizeMB: number, dir: string, first: boolean): Promise<Capture> {
	const target = await startHeapTarget(sizeMB);
	try {
		return kind === 'cdp' ? await captureOverCdp(target, dir, sizeMB, first) : await captureInProcess(target, dir, sizeMB, first);
	} finally {
		await target.proc.stop();
	}
}

// ---------------------------------------------------------------------------------------------
// The benchmark

export interface Round {
	cdp: Capture;
	inprocess: Capture;
}

export interface SizeResult {
	sizeMB: number;
	rounds: Round[];
}

export interface SnapshotResult {
	options: SnapshotOptions;
	sizes: SizeResult[];
	/** os.freemem() at the start: the pre-flight's free memory. */
	freeMemory: number;
	cliPath: string;
}

/** Fails early when the disk could not take the largest snapshot a few times over. */
function checkDisk(dir: string, sizesMB: readonly number[]): void {
	const {bavail, bsize} = statfsSync(dir);
	const free = bavail * bsize;
	const needed = 3 * defaultCostModel.fileBytesPerHeapByte * Math.max(...sizesMB) * 1e6;
	if (free < needed) throw new Error(`${dir} has ${mb(free)} free; the snapshots need about ${mb(needed)} (pass --dir elsewhere)`);
}

export async function snapshotBench(options: SnapshotOptions, log: (line: string) => void): Promise<SnapshotResult> {
	checkDisk(options.parentDir, options.sizesMB);
	const dir = mkdtempSync(join(options.parentDir, 'leaktop-bench-snapshots-'));
	const result: SnapshotResult = {options, sizes: [], freeMemory: os.freemem(), cliPath};
	try {
		for (const sizeMB of options.sizesMB) {
			const size: SizeResult = {sizeMB, rounds: []};
			result.sizes.push(size);
			for (let round = 0; round < options.rounds; round++) {
				// Alternate which kind goes first, so a trend in the machine's load hits both.
				const cdpFirst = round % 2 === 0;
				const kinds: Capture['kind'][] = cdpFirst ? ['cdp', 'inprocess'] : ['inprocess', 'cdp'];
				const done: Partial<Record<Capture['kind'], Capture>> = {};
				for (const [i, kind] of kinds.entries()) {
					log(`snapshot: ${sizeMB} MB heap, round ${round + 1}/${options.rounds}, ${kind === 'cdp' ? 'leaktop snapshot over CDP' : 'in-process v8.writeHeapSnapshot'}`);
					const capture = await captureOnFreshTarget(kind, sizeMB, dir, i === 0);
					log(`  stall ${ms(capture.stallMs)} (main thread CPU ${ms(capture.mainCpuMs)}), target ${mb(capture.before.rss)} -> peak ${mb(capture.targetPeak)}, file ${mb(capture.fileBytes)}${kind === 'cdp' ? `, leaktop peak ${mb(capture.leaktopPeak)}, spawn to exit ${ms(capture.ms)}` : ''}`);
					done[kind] = capture;
				}
				size.rounds.push({cdp: done.cdp!, inprocess: done.inprocess!});
			}
		}
		return result;
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
}

// ---------------------------------------------------------------------------------------------
// Numbers

const extra = (c: Capture) => c.targetPeak - c.before.rss;
const seconds = (x: number) => `${(x / 1000).toFixed(1)} s`;
const gb = (bytes: number) => `${(bytes / 1e9).toFixed(2)} GB`;
const times = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}x` : '-');
const millions = (n: number) => `${(n / 1e6).toFixed(2)} M`;

/** "4.1 s (3.9-4.3)": the median, then the range without repeating the unit. */
function spread(values: readonly number[], format: (x: number) => string): string {
	if (values.length === 1) return format(values[0]!);
	const bare = (x: number) => format(x).replace(/\s*[A-Za-z]+$/, '');
	return `${format(median(values))} (${bare(Math.min(...values))}-${bare(Math.max(...values))})`;
}

/** Same, with ratios: "1.31x (1.20-1.40x)". */
function ratioSpread(values: readonly number[]): string {
	const fixed = (x: number) => x.toFixed(2);
	if (values.length === 1) return times(values[0]!);
	return `${fixed(median(values))}x (${fixed(Math.min(...values))}-${fixed(Math.max(...values))}x)`;
}

const cdps = (size: SizeResult) => size.rounds.map(r => r.cdp);
const inprocs = (size: SizeResult) => size.rounds.map(r => r.inprocess);
const all = (size: SizeResult) => size.rounds.flatMap(r => [r.cdp, r.inprocess]);

/** Objects in the heap: node_count of the first snapshot over CDP (what leaktop would remember). */
const objectCount = (size: SizeResult) => size.rounds[0]?.cdp.nodeCount ?? null;

/** The pre-flight for one capture, from the footprint leaktop reads just before it. */
function estimateFor(capture: Capture, objects: number | null, freeMemory: number): SnapshotEstimate {
	const headroom: Headroom = {heapUsed: capture.before.heapUsed, rss: capture.before.rssReported, containerLimit: null, freeMemory};
	return estimateSnapshot(headroom, objects);
}

interface EstimateRatios {
	pause: number[];
	/** Against the main thread's CPU time: the pause an idle machine would have seen. */
	pauseCpu: number[];
	extra: number[];
	file: number[];
}

/** Estimate / measured for each capture over CDP, on one basis. */
function estimateRatios(size: SizeResult, basis: 'heap' | 'objects', freeMemory: number): EstimateRatios {
	const objects = basis === 'objects' ? objectCount(size) : null;
	const ratios: EstimateRatios = {pause: [], pauseCpu: [], extra: [], file: []};
	if (basis === 'objects' && objects === null) return ratios;
	for (const capture of cdps(size)) {
		const estimate = estimateFor(capture, objects, freeMemory);
		ratios.pause.push(estimate.pauseMs / capture.stallMs);
		ratios.pauseCpu.push(estimate.pauseMs / capture.mainCpuMs);
		ratios.extra.push(estimate.extraBytes / extra(capture));
		ratios.file.push(estimate.fileBytes / capture.fileBytes);
	}
	return ratios;
}

const within2x = (values: readonly number[]) => values.length > 0 && values.every(x => x >= 0.5 && x <= 2);

function heapLabel(size: SizeResult): string {
	const objects = objectCount(size);
	return `${size.sizeMB} MB: heapUsed ${spread(all(size).map(c => c.before.heapUsed), mb)}, ${objects === null ? '?' : millions(objects)} objects`;
}

/** Pause and memory, side by side; the first two goals. */
export function snapshotCostTable(result: SnapshotResult): string {
	const rows = result.sizes.map(size => {
		const paired = size.rounds.map(r => r.cdp.stallMs / r.inprocess.stallMs);
		const ratio = median(paired);
		const leaktopPeaks = cdps(size).map(c => c.leaktopPeak);
		const leaktopPeak = Math.max(...leaktopPeaks);
		return [
			heapLabel(size),
			spread(cdps(size).map(c => c.fileBytes), mb),
			spread(cdps(size).map(c => c.stallMs), seconds),
			spread(inprocs(size).map(c => c.stallMs), seconds),
			`${ratioSpread(paired)}: ${ratio <= 1.1 ? 'met' : 'NOT met'}`,
			`${spread(cdps(size).map(c => c.mainCpuMs), seconds)} / ${spread(inprocs(size).map(c => c.mainCpuMs), seconds)}: ${ratioSpread(size.rounds.map(r => r.cdp.mainCpuMs / r.inprocess.mainCpuMs))}`,
			spread(cdps(size).map(c => c.ms), seconds),
			`${spread(leaktopPeaks, mb)}: ${leaktopPeak < 150e6 ? 'met' : 'NOT met'}`,
			`${spread(cdps(size).map(extra), gb)} / ${spread(inprocs(size).map(extra), gb)}`,
			`${spread(cdps(size).map(c => c.targetPeak), gb)} / ${spread(inprocs(size).map(c => c.targetPeak), gb)}`,
		];
	});
	return table(
		[
			'heap (target `--mb`, then measured)',
			'file',
			'pause over CDP (`leaktop snapshot`)',
			'pause in-process (`v8.writeHeapSnapshot`)',
			'CDP / in-process, paired per round; goal <= 1.1x',
			'target main-thread CPU during the capture, CDP / in-process: paired ratio',
			'`leaktop snapshot` spawn to exit',
			'leaktop peak RSS; goal (every capture) < 150 MB',
			'target extra peak RSS, CDP / in-process',
			'target peak RSS, CDP / in-process',
		],
		rows,
	);
}

/** The pre-flight against what the captures over CDP measured; the third goal. */
export function snapshotEstimateTable(result: SnapshotResult): string {
	const rows = result.sizes.flatMap(size =>
		(['heap', 'objects'] as const).map(basis => {
			const ratios = estimateRatios(size, basis, result.freeMemory);
			const sample = cdps(size)[0]!;
			const estimate = estimateFor(sample, basis === 'objects' ? objectCount(size) : null, result.freeMemory);
			const met = within2x(ratios.pause) && within2x(ratios.extra);
			return [
				`${size.sizeMB} MB`,
				basis === 'heap' ? 'heap size' : 'object count',
				`${seconds(estimate.pauseMs)} / ${seconds(median(cdps(size).map(c => c.stallMs)))}: ${ratioSpread(ratios.pause)}`,
				`${seconds(median(cdps(size).map(c => c.mainCpuMs)))}: ${ratioSpread(ratios.pauseCpu)}`,
				`${gb(estimate.extraBytes)} / ${gb(median(cdps(size).map(extra)))}: ${ratioSpread(ratios.extra)}`,
				`${mb(estimate.fileBytes)} / ${mb(median(cdps(size).map(c => c.fileBytes)))}: ${ratioSpread(ratios.file)}`,
				ratios.pause.length === 0 ? '-' : met ? 'met' : 'NOT met',
			];
		}),
	);
	return table(['heap', 'basis', 'pause: estimate / measured: ratio', 'main-thread CPU: estimate / it', 'extra peak memory: estimate / measured: ratio', 'file: estimate / measured: ratio', 'goal: pause and memory within 2x'], rows);
}

/** What each constant of the cost model would have to be to match these captures exactly. */
export function snapshotConstantsTable(result: SnapshotResult): string {
	const m = defaultCostModel;
	const rows = result.sizes.map(size => {
		const c = cdps(size);
		const objects = objectCount(size);
		const perObject = (f: (x: Capture) => number) => (objects === null ? Number.NaN : median(c.map(f)) / objects);
		return [
			`${size.sizeMB} MB`,
			`${median(c.map(x => x.stallMs / (x.before.heapUsed / 1e6))).toFixed(0)} / ${median(c.map(x => x.mainCpuMs / (x.before.heapUsed / 1e6))).toFixed(0)}`,
			`${(perObject(x => x.stallMs) * 1e6).toFixed(0)} / ${(perObject(x => x.mainCpuMs) * 1e6).toFixed(0)}`,
			median(c.map(x => extra(x) / x.before.heapUsed)).toFixed(1),
			perObject(extra).toFixed(0),
			median(c.map(x => x.fileBytes / x.before.heapUsed)).toFixed(2),
			median(c.map(x => x.before.heapUsed / (objects ?? Number.NaN))).toFixed(0),
		];
	});
	return table(
		[
			'heap',
			`pause / main-thread CPU, ms per heap MB (model ${m.pauseMsPerHeapMB})`,
			`pause / main-thread CPU, ms per million objects (model ${m.pauseMsPerMillionObjects})`,
			`extra bytes per heap byte (model ${m.extraBytesPerHeapByte})`,
			`extra bytes per object (model ${m.extraBytesPerObject})`,
			`file bytes per heap byte (model ${m.fileBytesPerHeapByte})`,
			'heap bytes per object',
		],
		rows,
	);
}

export function snapshotTitle(options: Pick<SnapshotOptions, 'rounds'>): string {
	return `Heap snapshots: \`leaktop snapshot\` over CDP vs in-process \`v8.writeHeapSnapshot\` on the same heap (${options.rounds} round${options.rounds === 1 ? '' : 's'} per heap, a fresh target per capture)`;
}

export const snapshotIntro =
	'Each capture runs on a fresh `node --inspect=127.0.0.1:0 bench/heap-target.js --mb N`, a cache of small JSON records (9 fields, 2 of them a tags array; ' +
	'strings flat and distinct) filled until the live heap after a full GC reaches N MB, built identically every time. ' +
	'Within a round the two kinds run back to back, first one then the other, alternating which goes first. ' +
	"The pause is what the target felt: the longest gap between ticks of its own 10 ms interval (so up to 10 ms over the stop itself), measured the same way for both kinds. " +
	"Wall time stretches with the machine's load; the target main thread's CPU time during the capture (utime+stime of /proc/PID/task/PID/stat, 10 ms ticks) is the pause an idle machine would see, and compares the two kinds without that noise. " +
	'Extra peak RSS is the target\'s VmHWM during the capture (reset just before it by writing 5 to /proc/PID/clear_refs) minus its VmRSS just before. ' +
	"leaktop's peak RSS is the largest VmHWM of the `leaktop snapshot` process, polled every 50 ms until it exits. MB and GB are 10^6 and 10^9 bytes.";

function machine(): string {
	const cpu = os.cpus()[0]?.model.trim() ?? '?';
	return `${os.cpus().length} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM`;
}

export function snapshotNotes(result: SnapshotResult): string[] {
	const notes: string[] = [];
	const deviations = result.sizes.flatMap(size =>
		[cdps(size), inprocs(size)].flatMap(captures => {
			const m = median(captures.map(c => c.stallMs));
			return captures.map(c => Math.abs(c.stallMs - m) / m);
		}),
	);
	notes.push(
		`Machine: ${machine()}; ${gb(result.freeMemory)} free at the start. Other jobs may share the cores (see the load average): each round runs both kinds back to back so they see about the same load, ` +
			`but single pauses still strayed up to ${Math.round(100 * Math.max(...deviations))} % from their median here.`,
	);
	for (const size of result.sizes) {
		const c = cdps(size);
		const i = inprocs(size);
		const writeMs = i.map(x => x.ms);
		const cdpFirst = size.rounds.filter(r => r.cdp.first);
		const inprocFirst = size.rounds.filter(r => r.inprocess.first);
		const pairedText = (rounds: Round[]) => (rounds.length ? ratioSpread(rounds.map(r => r.cdp.stallMs / r.inprocess.stallMs)) : '-');
		const addedMs = median(size.rounds.map(r => r.cdp.stallMs - r.inprocess.stallMs));
		notes.push(
			`${size.sizeMB} MB: pause over CDP minus pause in-process ${ms(addedMs)} (median of the paired differences; ${(addedMs / (median(c.map(x => x.fileBytes)) / 1e6)).toFixed(1)} ms per MB of file). ` +
				`\`v8.writeHeapSnapshot\` itself took ${spread(writeMs, seconds)} as timed in the target (the pause column adds what the HTTP request around it cost). ` +
				`Target RSS before a capture ${spread(all(size).map(x => x.before.rss), mb)}. ` +
				`CPU time of the whole target (GC helpers, inspector I/O thread) during the capture: CDP ${spread(c.map(x => x.processCpuMs), seconds)}, in-process ${spread(i.map(x => x.processCpuMs), seconds)}; ` +
				`\`leaktop snapshot\` used ${spread(c.map(x => x.leaktopCpuMs), seconds)} of CPU from spawn to exit. ` +
				`CDP / in-process when CDP went first ${pairedText(cdpFirst)}, when in-process went first ${pairedText(inprocFirst)}. ` +
				`Files: CDP ${spread(c.map(x => x.fileBytes), mb)}, in-process ${spread(i.map(x => x.fileBytes), mb)}; node_count CDP ${spread(c.map(x => x.nodeCount ?? Number.NaN), millions)}, in-process ${spread(i.map(x => x.nodeCount ?? Number.NaN), millions)}; ` +
				`edge_count ${spread(all(size).map(x => x.edgeCount ?? Number.NaN), millions)}. ` +
				`Target RSS 1 s after the capture (it keeps most of what the snapshot took): CDP ${spread(c.map(x => x.rssAfter), mb)}, in-process ${spread(i.map(x => x.rssAfter), mb)}.`,
		);
		const unusual = [...new Set(c.flatMap(x => x.unusual))];
		if (unusual.length) notes.push(`${size.sizeMB} MB: leaktop also printed: ${unusual.map(line => `\`${line}\``).join('; ')}.`);
		if (all(size).some(x => !x.before.peakReset)) notes.push(`${size.sizeMB} MB: clear_refs did not reset VmHWM for some targets; their peak is the largest VmRSS polled every 50 ms (a lower bound).`);
	}
	notes.push(
		'The estimate rows use `estimateSnapshot` from src/model/snapshot-risk.ts with the heapUsed and rss each target reported just before its capture (what leaktop reads); ' +
			'the object-count basis uses the node_count of the first snapshot taken over CDP, as leaktop would after one. Ratios are per capture over CDP, median (min-max); above 1 the estimate is high (safe side).',
	);
	notes.push(`Every capture started a new target and ended it by pid; snapshot files were deleted right after their size and node_count were read. leaktop ran as \`node ${displayPath(result.cliPath)} snapshot --port P --out DIR --yes\`.`);
	return notes;
}

const displayPath = (path: string) => (path.startsWith(repoRoot) ? relative(repoRoot, path) : path);

export function snapshotBody(result: SnapshotResult): string {
	return [snapshotIntro, '', snapshotCostTable(result), '', 'The pre-flight estimate (over CDP, the kind leaktop estimates for):', '', snapshotEstimateTable(result), '', 'The cost model\'s constants as these captures measured them (medians over CDP):', '', snapshotConstantsTable(result)].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Run on its own

function parseOptions(argv: string[]): SnapshotOptions {
	const {values} = parseArgs({args: argv, options: {sizes: {type: 'string'}, rounds: {type: 'string'}, dir: {type: 'string'}}});
	const sizesMB = values.sizes === undefined ? defaultSnapshotOptions.sizesMB : values.sizes.split(',').map(s => Number(s.trim()));
	if (sizesMB.length === 0 || sizesMB.some(s => !Number.isFinite(s) || s <= 0)) throw new Error(`--sizes must be MB values like 50,150,300, not ${values.sizes}`);
	const rounds = values.rounds === undefined ? defaultSnapshotOptions.rounds : Number(values.rounds);
	if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be an integer of at least 1, not ${values.rounds}`);
	return {sizesMB, rounds, parentDir: values.dir ?? defaultSnapshotOptions.parentDir};
}

function gitDescribe(): string {
	try {
		return execFileSync('git', ['describe', '--always', '--dirty'], {encoding: 'utf8', cwd: repoRoot, stdio: ['ignore', 'pipe', 'ignore']}).trim();
	} catch {
		return '?';
	}
}

async function main(): Promise<void> {
	const argv = process.argv.slice(2);
	const options = parseOptions(argv);
	installCleanup(snapshotBudgetMs(options));
	const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
	const loadText = () => os.loadavg().map(x => x.toFixed(2)).join(' ');
	const from = new Date();
	const loadAtStart = loadText();
	log(`snapshot benchmark: heaps ${options.sizesMB.join(', ')} MB, ${options.rounds} rounds; expected about ${Math.round(snapshotExpectedMs(options) / 60_000)} min`);
	const result = await snapshotBench(options, log);
	const command = `node ${displayPath(process.argv[1]!)}${argv.length ? ` ${argv.join(' ')}` : ''}`;
	const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {version: string};
	const provenance = `_Measured ${from.toISOString()} to ${new Date().toISOString()} with \`${command}\`; Node ${process.version}; leaktop ${pkg.version} at \`${gitDescribe()}\`; load average ${loadAtStart} at start, ${loadText()} at end._`;
	const notes = snapshotNotes(result);
	const markdown = [`## 6. ${snapshotTitle(options)}`, '', provenance, '', snapshotBody(result), '', 'Notes:', '', ...notes.map(n => `- ${n}`), ''].join('\n');
	// On its own it only prints; `node dist/bench/run.js --only snapshot` puts it in RESULTS.md.
	process.stdout.write(markdown);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	main().catch(error => {
		process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
		process.exitCode = 1;
	});
}
