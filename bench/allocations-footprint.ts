/**
 * Benchmark 5: leaktop's own CPU and RSS while it polls a large sampling heap profile.
 *
 * The target is bench/profile-target.ts. It allocates from about 14k distinct call paths and
 * keeps about 67 MB of them alive, so its profile at 4 KiB has on the order of 10k nodes.
 * It runs pinned to CPU 0, and leaktop runs on CPU 1. Start it with `--inspect=127.0.0.1:0`.
 *
 * First the benchmark measures the profile itself, with its own CDP client and no leaktop
 * attached. For each interval it calls HeapProfiler.startSampling, waits `probeSeconds` (long
 * enough for the target's ring of retained chunks to turn over), and times one
 * HeapProfiler.getSamplingProfile. It counts the nodes and the live samples, and measures the
 * JSON size. Then it calls stopSampling and closes. V8 has one sampling profiler per isolate,
 * so this never overlaps a leaktop run.
 *
 * Then leaktop attaches headless once per row (`--sampling off`, the default, 32KiB, 4KiB), one
 * row after the other. For `--seconds` from `attached to pid`, the benchmark reads leaktop's
 * /proc/<pid>/stat and /proc/<pid>/status once a second, as benchmark 2 does, and reads the
 * target's CPU at both ends of the window.
 * Only reports; asserts nothing.
 */
import CDP from 'chrome-remote-interface';
import type {Protocol} from 'devtools-protocol';
import {type FootprintResult, sampleWindow, summarise} from './footprint.js';
import {leaktopExitMs} from './overhead.js';
import {
	benchFile,
	canPin,
	cliPath,
	cpuBetween,
	mb,
	ms,
	now,
	pct,
	pinnedCommand,
	readProc,
	readSamplingSummary,
	type SamplingSummary,
	samplingText,
	unusualStderr,
	sleep,
	start,
	table,
	type Target,
} from './lib.js';

export interface AllocationsRow {
	key: string;
	label: string;
	leaktopArgs: string[];
	/** The sampling interval this row runs at, in bytes; null when sampling is off. */
	intervalBytes: number | null;
}

export const allocationsRows: readonly AllocationsRow[] = [
	{key: 'off', label: 'leaktop `--sampling off`', leaktopArgs: ['--sampling', 'off'], intervalBytes: null},
	{key: 'default', label: 'leaktop, default sampling (512 KiB)', leaktopArgs: [], intervalBytes: 512 * 1024},
	{key: '32KiB', label: 'leaktop `--sampling 32KiB`', leaktopArgs: ['--sampling', '32KiB'], intervalBytes: 32 * 1024},
	{key: '4KiB', label: 'leaktop `--sampling 4KiB`', leaktopArgs: ['--sampling', '4KiB'], intervalBytes: 4 * 1024},
];

/** The target alone on CPU 0, leaktop on CPU 1. */
export const profileTargetCpus = [0];
const leaktopCpus = [1];
/** Sampling time before each probe's getSamplingProfile: the ring turns over in about 4 s. */
export const probeSeconds = 10;

export interface ProfileProbe {
	intervalBytes: number;
	nodes: number;
	/** Live samples: allocations still retained when the profile was taken. */
	samples: number;
	jsonBytes: number;
	/** The getSamplingProfile round trip, from the benchmark's CDP client. */
	fetchMs: number;
}

export interface AllocationsRun {
	row: AllocationsRow;
	footprint: FootprintResult;
	/** The target's CPU over the window, % of one core. */
	targetCpuPercent: number;
	/** What leaktop printed on stderr besides its attach, verdict and report lines. */
	leaktopUnusual: string[];
	/** SIGTERM to exit: the safe detach, stopping the profiler and writing the report. */
	detachMs: number;
	/** What leaktop's report says about its polls. */
	sampling: SamplingSummary | undefined;
}

export interface AllocationsResult {
	seconds: number;
	/** Whether taskset pinned the target and leaktop as described. */
	pinned: boolean;
	/** What the target allocated into its ring over the whole benchmark, bytes per second. */
	targetAllocationRate: number;
	retainedBytes: number;
	probes: ProfileProbe[];
	runs: AllocationsRun[];
}

/** For the watchdog: well past the expected time (a window and a probe per row, a few seconds each to attach and detach). */
export const allocationsBudgetMs = (rows: readonly AllocationsRow[], seconds: number) => 2 * rows.length * (seconds + probeSeconds + 10) * 1000 + 60_000;

function countNodes(head: Protocol.HeapProfiler.SamplingHeapProfileNode): number {
	let nodes = 0;
	const stack = [head];
	for (let node = stack.pop(); node; node = stack.pop()) {
		nodes++;
		stack.push(...node.children);
	}
	return nodes;
}

interface ProfileTargetStats {
	calls: number;
	chunkBytes: number;
	retainedBytes: number;
	uptimeMs: number;
}

async function profileTargetStats(target: Target): Promise<ProfileTargetStats> {
	const response = await fetch(`http://127.0.0.1:${target.httpPort}/stats`);
	return (await response.json()) as ProfileTargetStats;
}

async function probeProfile(target: Target, intervalBytes: number): Promise<ProfileProbe> {
	const client = await CDP({host: '127.0.0.1', port: target.inspectorPort, local: true});
	try {
		await client.HeapProfiler.startSampling({samplingInterval: intervalBytes});
		await sleep(probeSeconds * 1000);
		const t0 = now();
		const {profile} = await client.HeapProfiler.getSamplingProfile();
		const fetchMs = now() - t0;
		await client.HeapProfiler.stopSampling();
		return {intervalBytes, nodes: countNodes(profile.head), samples: profile.samples.length, jsonBytes: Buffer.byteLength(JSON.stringify(profile)), fetchMs};
	} finally {
		await client.close();
	}
}

async function measureRow(target: Target, row: AllocationsRow, seconds: number): Promise<AllocationsRun> {
	const reportPath = benchFile(`allocations-${row.key}.json`);
	const args = [cliPath, '--headless', '--port', String(target.inspectorPort), '--report', reportPath, ...row.leaktopArgs];
	const leaktop = start(...pinnedCommand(leaktopCpus, process.execPath, args));
	try {
		await leaktop.when('stderr', /attached to pid/, 15_000);
		const targetBefore = readProc(target.proc.pid);
		const samples = await sampleWindow(leaktop.pid, seconds);
		const targetAfter = readProc(target.proc.pid);
		const detachMs = await leaktop.stop(leaktopExitMs);
		const code = await leaktop.exited;
		const leaktopUnusual = unusualStderr(leaktop.stderr());
		if (code !== 0) throw new Error(`leaktop ${row.leaktopArgs.join(' ')} exited with ${code}: ${leaktop.stderr().slice(-400)}`);
		return {
			row,
			footprint: summarise(row.label, false, samples, '', Number.NaN),
			targetCpuPercent: cpuBetween(targetBefore, targetAfter),
			leaktopUnusual,
			detachMs,
			sampling: readSamplingSummary(reportPath),
		};
	} finally {
		await leaktop.stop();
	}
}

/** `target` must be bench/profile-target.js, started with `--inspect=127.0.0.1:0` on `profileTargetCpus`. */
export async function allocationsBench(target: Target, rows: readonly AllocationsRow[], seconds: number, log: (line: string) => void): Promise<AllocationsResult> {
	const before = await profileTargetStats(target);
	const probes: ProfileProbe[] = [];
	for (const row of rows) {
		if (row.intervalBytes === null) continue;
		log(`allocations: profile at ${row.intervalBytes / 1024} KiB, own CDP client (${probeSeconds} s)`);
		const probe = await probeProfile(target, row.intervalBytes);
		log(`allocations: ${probe.nodes} nodes, ${probe.samples} samples, ${(probe.jsonBytes / 1e6).toFixed(2)} MB JSON, fetched in ${Math.round(probe.fetchMs)} ms`);
		probes.push(probe);
	}
	const runs: AllocationsRun[] = [];
	for (const row of rows) {
		log(`allocations: ${row.key}, ${seconds} s`);
		const run = await measureRow(target, row, seconds);
		log(`allocations ${row.key}: ${run.footprint.cpuPercent.toFixed(2)} % CPU, RSS ${(run.footprint.steadyRss / 1e6).toFixed(1)} MB (peak ${(run.footprint.peakRss / 1e6).toFixed(1)} MB)`);
		runs.push(run);
	}
	const after = await profileTargetStats(target);
	const targetAllocationRate = ((after.calls - before.calls) * after.chunkBytes) / ((after.uptimeMs - before.uptimeMs) / 1000);
	return {seconds, pinned: canPin([...profileTargetCpus, ...leaktopCpus]), targetAllocationRate, retainedBytes: after.retainedBytes, probes, runs};
}

// ---------------------------------------------------------------------------------------------
// Report

const kib = (bytes: number) => `${bytes / 1024} KiB`;
const size = (bytes: number) => (bytes < 1e6 ? `${(bytes / 1e3).toFixed(0)} kB` : mb(bytes));

export function profileTable(result: AllocationsResult): string {
	return table(
		['sampling interval', 'profile nodes', 'live samples', 'profile JSON', 'getSamplingProfile round trip'],
		result.probes.map(p => [kib(p.intervalBytes), String(p.nodes), String(p.samples), size(p.jsonBytes), ms(p.fetchMs)]),
	);
}

export function allocationsTable(result: AllocationsResult): string {
	return table(
		['leaktop', 'profile polled', 'polls (leaktop\'s report)', 'CPU (% of one core)', 'CPU, 2nd half', 'busiest 1 s', 'RSS at window start', 'RSS steady (median, 2nd half)', 'RSS peak (VmHWM)', 'target CPU', 'SIGTERM to exit', 'goal <= 3 % / <= 80 MB'],
		result.runs.map(({row, footprint: f, targetCpuPercent, sampling, detachMs}) => {
			const probe = result.probes.find(p => p.intervalBytes === row.intervalBytes);
			return [
				row.label,
				probe ? `${probe.nodes} nodes, ${size(probe.jsonBytes)}` : 'none',
				row.intervalBytes === null ? '' : samplingText(sampling),
				pct(f.cpuPercent),
				pct(f.cpuPercentSecondHalf),
				pct(f.maxSecondCpuPercent),
				mb(f.firstRss),
				mb(f.steadyRss),
				mb(f.peakRss),
				pct(targetCpuPercent),
				ms(detachMs),
				`${f.cpuPercent <= 3 ? 'CPU met' : 'CPU NOT met'}, ${f.peakRss <= 80e6 ? 'RSS met' : f.steadyRss <= 80e6 ? 'RSS met (steady; peak over)' : 'RSS NOT met'}`,
			];
		}),
	);
}

export function allocationsNotes(result: AllocationsResult): string[] {
	const unusual = result.runs.flatMap(r => r.leaktopUnusual.map(line => `${r.row.key}: ${line}`));
	return [
		`The profile sizes come from the benchmark's own CDP client with no leaktop attached (${probeSeconds} s of sampling each, then one getSamplingProfile). leaktop's rows poll a profile of about that size, which grows for the first seconds after attach while the target's retained ring turns over.`,
		"The round trip includes a full GC: V8's inspector starts sampling with kSamplingForceGC, so every getSamplingProfile first collects all garbage in the target (leaktop's polls too).",
		`The target allocated ${mb(result.targetAllocationRate)}/s into its ring of ${mb(result.retainedBytes)} (ring chunks only, not counting the driver's own garbage).`,
		result.pinned
			? 'Cores: the target was pinned to CPU 0 and leaktop to CPU 1 (taskset), so leaktop\'s CPU figures do not include time spent waiting for a core the target holds.'
			: 'Cores: taskset was unavailable or the box has one CPU, so the target and leaktop shared the cores as the scheduler chose.',
		unusual.length
			? `leaktop printed these lines besides its attach, verdict and report lines: ${unusual.map(line => `"${line}"`).join('; ')}.`
			: 'leaktop printed nothing on stderr besides its attach, verdict and report lines in any run.',
	];
}
