/**
 * The snapshot diff benchmark (issue 7): time and peak RSS of leaktop's parse and diff of heap
 * snapshots, side by side with Chrome DevTools' own heap snapshot code (the test oracle,
 * test/helpers/devtools-snapshot.ts) and memlab's loader (`@memlab/core`) on the same files.
 *
 * Goals from the issue: leaktop's diff of two ~200 MB snapshots at least 3x faster than the
 * faster of DevTools and memlab, with at most half of the lower peak memory; one 500 MB snapshot
 * parsed within 2 GB of RAM.
 *
 * The files come from one process (bench/diff-target.ts): a snapshot, then +20 % records and
 * -5 % of the old ones, then a second snapshot; and, from another run of it, one large file.
 * Each contender runs in a fresh process (bench/diff-contender.ts), so its peak RSS is its own;
 * the order of the contenders changes every round. The files live in a temporary directory
 * removed at the end.
 *
 *   node dist/bench/diff.js [--sizes 200,500] [--runs 3] [--dir /tmp]
 *
 * `--sizes PAIR[,BIG]`: MB of each file of the pair and of the large file (BIG defaults to
 * 2.5 x PAIR). On its own it prints the section; `node dist/bench/run.js --only diff` also
 * writes it to bench/RESULTS.md. Only reports; asserts nothing. Every process it starts is
 * ended by pid.
 */
import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, statfsSync} from 'node:fs';
import os from 'node:os';
import {join, relative} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {parseArgs} from 'node:util';
import {readSnapshotHeader} from '../src/snapshot-reader.js';
import {type ContenderKind, type ContenderResult, type DiffRowByName, memlabPrefix, resultPrefix} from './diff-contender.js';
import {installCleanup, mb, median, now, repoRoot, start, table} from './lib.js';

const contenderPath = fileURLToPath(new URL('./diff-contender.js', import.meta.url));
const targetPath = fileURLToPath(new URL('./diff-target.js', import.meta.url));

/** The memlab the benchmark installs into its own prefix: not a dependency of the project (it pulls in puppeteer). */
export const memlabVersion = '2.0.5';
export const memlabInstallCommand = `PUPPETEER_SKIP_DOWNLOAD=1 npm install --no-save --no-audit --no-fund --ignore-scripts --prefix bench/.memlab @memlab/core@${memlabVersion}`;

/**
 * Every contender gets the same old-space limit, high enough that none fails for want of it on a
 * 500 MB file (Node's default would stop DevTools' and memlab's loads): memory is measured, not capped.
 */
const maxOldSpaceMB = 16_384;

export interface DiffOptions {
	/** MB of each file of the pair (the second is about 15 % larger). */
	pairMB: number;
	/** MB of the large file leaktop alone parses. */
	bigMB: number;
	runs: number;
	/** Where the temporary directory with the files goes. */
	parentDir: string;
}

export const defaultDiffOptions: DiffOptions = {pairMB: 200, bigMB: 500, runs: 3, parentDir: os.tmpdir()};

/** `200` or `200,500`. */
export function parseSizes(text: string | undefined): Pick<DiffOptions, 'pairMB' | 'bigMB'> {
	if (text === undefined) return {pairMB: defaultDiffOptions.pairMB, bigMB: defaultDiffOptions.bigMB};
	const values = text.split(',').map(s => Number(s.trim()));
	if (values.length < 1 || values.length > 2 || values.some(v => !Number.isFinite(v) || v <= 0)) throw new Error(`--sizes must be PAIR[,BIG] in MB, like 200,500, not ${text}`);
	return {pairMB: values[0]!, bigMB: values[1] ?? 2.5 * values[0]!};
}

// Measured on this 2-core box: DevTools ~50 ms and memlab ~25 ms per MB parsed, leaktop ~5; a
// snapshot write ~60 ms per MB of file. Budgets are generous multiples.
const processedMB = ({pairMB, bigMB}: Pick<DiffOptions, 'pairMB' | 'bigMB'>) => 7.3 * pairMB + bigMB;
export const diffExpectedMs = (options: Pick<DiffOptions, 'pairMB' | 'bigMB' | 'runs'>) =>
	(3 * options.pairMB + options.bigMB) * 100 + options.runs * (processedMB(options) * 30 + 7 * 1500);
export const diffBudgetMs = (options: Pick<DiffOptions, 'pairMB' | 'bigMB' | 'runs'>) => 3 * diffExpectedMs(options) + 120_000;
const writeTimeoutMs = (fileMB: number) => 120_000 + 1000 * fileMB;
const contenderTimeoutMs = (inputMB: number) => 60_000 + 1000 * inputMB;

// ---------------------------------------------------------------------------------------------
// The files

export interface SnapshotFile {
	path: string;
	bytes: number;
	nodeCount: number;
	edgeCount: number;
	/** `v8.writeHeapSnapshot` as timed in the target. */
	writeMs: number;
}

export interface Files {
	base: SnapshotFile;
	next: SnapshotFile;
	big: SnapshotFile;
}

/** Runs bench/diff-target.js to the end; the files it wrote, in order. */
async function writeSnapshots(dir: string, fileMB: number, count: 1 | 2): Promise<SnapshotFile[]> {
	const target = start(process.execPath, [targetPath, '--mb', String(fileMB), '--out', dir, '--files', String(count)]);
	try {
		const code = await withTimeout(target.exited, count * writeTimeoutMs(fileMB), 'bench/diff-target.js');
		if (code !== 0) throw new Error(`bench/diff-target.js --mb ${fileMB} exited with ${code}: ${target.stderr().slice(-600)}`);
	} finally {
		await target.stop();
	}
	const written = [...target.stdout().matchAll(/^wrote (.+) (\d+) (\d+)$/gm)];
	if (written.length !== count) throw new Error(`bench/diff-target.js wrote ${written.length} files, not ${count}: ${target.stdout()}`);
	return Promise.all(
		written.map(async ([, path, bytes, writeMs]) => {
			const header = await readSnapshotHeader(path!);
			return {path: path!, bytes: Number(bytes), nodeCount: header.nodeCount, edgeCount: header.edgeCount, writeMs: Number(writeMs)};
		}),
	);
}

/** Fails early when the disk cannot take the three files with room to spare. */
function checkDisk(dir: string, options: DiffOptions): void {
	const {bavail, bsize} = statfsSync(dir);
	const free = bavail * bsize;
	const needed = 1.5 * (2.15 * options.pairMB + options.bigMB) * 1e6;
	if (free < needed) throw new Error(`${dir} has ${mb(free)} free; the snapshots need about ${mb(needed)} (pass --dir elsewhere)`);
}

// ---------------------------------------------------------------------------------------------
// memlab

export type MemlabStatus = {available: true; version: string} | {available: false; reason: string};

function installedMemlab(): string | undefined {
	const manifest = join(memlabPrefix, 'node_modules/@memlab/core/package.json');
	if (!existsSync(manifest)) return undefined;
	return (JSON.parse(readFileSync(manifest, 'utf8')) as {version: string}).version;
}

/** memlab in bench/.memlab, installed there on first use; unavailable (with the reason) when that fails. */
function ensureMemlab(log: (line: string) => void): MemlabStatus {
	let version = installedMemlab();
	if (version === undefined) {
		log(`installing @memlab/core@${memlabVersion} into bench/.memlab (once): ${memlabInstallCommand}`);
		try {
			execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', '--prefix', memlabPrefix, `@memlab/core@${memlabVersion}`], {
				cwd: repoRoot,
				env: {...process.env, PUPPETEER_SKIP_DOWNLOAD: '1'},
				stdio: ['ignore', 'ignore', 'pipe'],
				timeout: 300_000,
			});
		} catch (error) {
			const stderr = (error as {stderr?: Buffer}).stderr?.toString().trim().split('\n').slice(-3).join(' ') ?? '';
			return {available: false, reason: `\`${memlabInstallCommand}\` failed: ${stderr || (error as Error).message}`};
		}
		version = installedMemlab();
		if (version === undefined) return {available: false, reason: `\`${memlabInstallCommand}\` left no @memlab/core in bench/.memlab`};
	}
	return {available: true, version};
}

// ---------------------------------------------------------------------------------------------
// Contenders

export type JobKey = ContenderKind | 'leaktop-parse-big';

interface Job {
	key: JobKey;
	kind: ContenderKind;
	label: string;
	input: 'base' | 'both' | 'big';
	/** The leaktop job its ratios are taken against. */
	vs?: JobKey;
}

const jobs: readonly Job[] = [
	{key: 'leaktop-parse', kind: 'leaktop-parse', label: 'leaktop: parse one file (`readHeapSnapshot`)', input: 'base'},
	{key: 'leaktop-diff', kind: 'leaktop-diff', label: 'leaktop diff: both read at once (one on a worker thread) + `diffSnapshots`', input: 'both'},
	{key: 'devtools-parse', kind: 'devtools-parse', label: 'DevTools: load one file (`HeapSnapshotLoader` + `buildSnapshot`)', input: 'base', vs: 'leaktop-parse'},
	{key: 'devtools-diff', kind: 'devtools-diff', label: 'DevTools: load both + Comparison (`calculateSnapshotDiff`)', input: 'both', vs: 'leaktop-diff'},
	{key: 'memlab-parse', kind: 'memlab-parse', label: 'memlab: parse one file (`utils.getSnapshotFromFile`)', input: 'base', vs: 'leaktop-parse'},
	{key: 'memlab-parse-both', kind: 'memlab-parse-both', label: 'memlab: parse both (it has no two-snapshot diff; a lower bound for one)', input: 'both', vs: 'leaktop-diff'},
	{key: 'leaktop-parse-big', kind: 'leaktop-parse', label: 'leaktop: parse the large file', input: 'big'},
];

export interface Run {
	ok: true;
	result: ContenderResult;
	/** Spawn to exit, as the parent saw it: adds Node's start-up and the contender's module loading. */
	wallMs: number;
	round: number;
	/** Position in its round, 0 first. */
	position: number;
}

export interface Failure {
	ok: false;
	reason: string;
	round: number;
}

function filesOf(job: Job, files: Files): SnapshotFile[] {
	return job.input === 'both' ? [files.base, files.next] : [job.input === 'big' ? files.big : files.base];
}

async function runContender(job: Job, files: Files, round: number, position: number): Promise<Run | Failure> {
	const inputs = filesOf(job, files);
	const inputMB = inputs.reduce((sum, f) => sum + f.bytes, 0) / 1e6;
	const started = now();
	const child = start(process.execPath, [`--max-old-space-size=${maxOldSpaceMB}`, contenderPath, job.kind, ...inputs.map(f => f.path)]);
	try {
		const code = await withTimeout(child.exited, contenderTimeoutMs(inputMB), job.key);
		const wallMs = now() - started;
		const line = child
			.stdout()
			.split('\n')
			.find(l => l.startsWith(resultPrefix));
		if (code !== 0 || line === undefined) {
			const signal = child.child.signalCode;
			return {ok: false, round, reason: `exited with ${signal ?? code}${signal === 'SIGKILL' ? ' (killed: out of memory?)' : ''}: ${child.stderr().trim().split('\n').slice(-2).join(' ').slice(-300)}`};
		}
		return {ok: true, result: JSON.parse(line.slice(resultPrefix.length)) as ContenderResult, wallMs, round, position};
	} catch (error) {
		return {ok: false, round, reason: (error as Error).message};
	} finally {
		await child.stop();
	}
}

/** Round r runs the jobs rotated by r, every other round backwards, so no contender always goes first or follows the same one. */
function order<T>(items: readonly T[], round: number): T[] {
	const shift = round % items.length;
	const rotated = [...items.slice(shift), ...items.slice(0, shift)];
	return round % 2 ? rotated.reverse() : rotated;
}

export interface JobResult {
	job: Job;
	runs: Run[];
	failures: Failure[];
}

export interface DiffResult {
	options: DiffOptions;
	files: Files;
	memlab: MemlabStatus;
	jobs: JobResult[];
	wallMs: number;
}

export async function diffBench(options: DiffOptions, log: (line: string) => void): Promise<DiffResult> {
	const t0 = now();
	const memlab = ensureMemlab(log);
	if (!memlab.available) log(`memlab unavailable: ${memlab.reason}`);
	// DevTools' code is transpiled on first use on a machine: do it here, not inside a measured run.
	await (await import('../test/helpers/devtools-snapshot.js')).loadDevtools();
	const dir = mkdtempSync(join(options.parentDir, 'leaktop-bench-diff-'));
	const removeDir = () => rmSync(dir, {recursive: true, force: true});
	// Also on a signal or the watchdog: lib's cleanup ends with process.exit, which runs this.
	process.on('exit', removeDir);
	try {
		checkDisk(dir, options);
		log(`diff: writing two snapshots of ~${options.pairMB} MB from one process, then one of ~${options.bigMB} MB`);
		const [base, next] = await writeSnapshots(dir, options.pairMB, 2);
		const [big] = await writeSnapshots(dir, options.bigMB, 1);
		const files: Files = {base: base!, next: next!, big: big!};
		log(`diff: files ${[files.base, files.next, files.big].map(f => mb(f.bytes)).join(', ')}`);
		const chosen = jobs.filter(job => memlab.available || !job.kind.startsWith('memlab'));
		const results = new Map<JobKey, JobResult>(chosen.map(job => [job.key, {job, runs: [], failures: []}]));
		for (let round = 0; round < options.runs; round++) {
			const sequence = order(chosen, round);
			log(`diff: round ${round + 1} of ${options.runs}: ${sequence.map(j => j.key).join(', ')}`);
			for (const [position, job] of sequence.entries()) {
				const outcome = await runContender(job, files, round, position);
				const entry = results.get(job.key)!;
				if (outcome.ok) entry.runs.push(outcome);
				else {
					entry.failures.push(outcome);
					log(`diff: ${job.key} failed: ${outcome.reason}`);
				}
			}
		}
		return {options, files, memlab, jobs: [...results.values()], wallMs: now() - t0};
	} finally {
		removeDir();
		process.off('exit', removeDir);
	}
}

// ---------------------------------------------------------------------------------------------
// Report

const seconds = (x: number) => (Number.isFinite(x) ? `${(x / 1000).toFixed(x < 10_000 ? 2 : 1)} s` : '-');
const gb = (bytes: number) => (Number.isFinite(bytes) ? `${(bytes / 1e9).toFixed(2)} GB` : '-');
const fixed = (x: number) => (x >= 10 ? x.toFixed(0) : x.toFixed(1));

function spread(values: readonly number[], format: (x: number) => string): string {
	if (values.length === 0) return '-';
	if (values.length === 1) return format(values[0]!);
	return `${format(median(values))} (${format(Math.min(...values))} - ${format(Math.max(...values))})`;
}

const times = (r: JobResult) => r.runs.map(run => run.result.ms);
const peaks = (r: JobResult) => r.runs.map(run => run.result.maxRss);
const find = (result: DiffResult, key: JobKey) => result.jobs.find(r => r.job.key === key);
const medianOf = (r: JobResult | undefined, f: (r: JobResult) => number[]) => (r && r.runs.length ? median(f(r)) : Number.NaN);

function inputText(job: Job, files: Files): string {
	const inputs = filesOf(job, files);
	return inputs.length === 2 ? `${mb(inputs[0]!.bytes)} + ${mb(inputs[1]!.bytes)}` : mb(inputs[0]!.bytes);
}

export function diffTable(result: DiffResult): string {
	const rows = result.jobs.map(r => {
		const vs = r.job.vs ? find(result, r.job.vs) : undefined;
		const ratio = (f: (r: JobResult) => number[]) => (vs ? `${fixed(medianOf(r, f) / medianOf(vs, f))}x` : '');
		const failed = r.failures.length ? ` (${r.failures.length} of ${r.runs.length + r.failures.length} failed)` : '';
		return [r.job.label + failed, inputText(r.job, result.files), spread(times(r), seconds), spread(peaks(r), mb), ratio(times), ratio(peaks)];
	});
	if (!result.memlab.available) rows.push(['memlab: unavailable (see the notes)', '', '', '', '', '']);
	return table(['contender', 'file(s)', 'time: median (min - max)', 'peak RSS: median (min - max)', 'time / leaktop', 'peak RSS / leaktop'], rows);
}

/** The two goal lines. */
export function diffGoals(result: DiffResult): string[] {
	const lines: string[] = [];
	const leaktop = find(result, 'leaktop-diff');
	const others = (['devtools-diff', 'memlab-parse-both'] as const).map(key => find(result, key)).filter((r): r is JobResult => r !== undefined && r.runs.length > 0);
	if (leaktop?.runs.length && others.length) {
		const faster = others.reduce((a, b) => (medianOf(a, times) <= medianOf(b, times) ? a : b));
		const lighter = others.reduce((a, b) => (medianOf(a, peaks) <= medianOf(b, peaks) ? a : b));
		const speedup = medianOf(faster, times) / medianOf(leaktop, times);
		const share = (100 * medianOf(leaktop, peaks)) / medianOf(lighter, peaks);
		const name = (r: JobResult) => (r.job.key === 'devtools-diff' ? "DevTools' diff" : "memlab's parse of both");
		const each = others.map(r => `${name(r)} ${(medianOf(r, times) / medianOf(leaktop, times)).toFixed(1)}x the time, ${Math.round((100 * medianOf(leaktop, peaks)) / medianOf(r, peaks))} % of its peak`).join('; ');
		lines.push(
			`leaktop diff vs the faster of DevTools/memlab (${name(faster)}, ${seconds(medianOf(faster, times))}): **${speedup.toFixed(1)}x faster** (goal >= 3x: ${speedup >= 3 ? 'met' : 'NOT met'}); ` +
				`peak RSS **${Math.round(share)} %** of the lower (${name(lighter)}, ${mb(medianOf(lighter, peaks))}) (goal <= 50 %: ${share <= 50 ? 'met' : 'NOT met'}). Each: ${each}.`,
		);
	} else {
		lines.push('leaktop diff vs DevTools/memlab: not measured (see the failures in the notes).');
	}
	const big = find(result, 'leaktop-parse-big');
	if (big?.runs.length) {
		const peak = Math.max(...peaks(big));
		lines.push(
			`${mb(result.files.big.bytes)} snapshot parsed in **${seconds(medianOf(big, times))}**, peak RSS **${gb(peak)}** (the largest of ${big.runs.length} run${big.runs.length === 1 ? '' : 's'}; goal <= 2 GB: ${peak <= 2e9 ? 'met' : 'NOT met'}).`,
		);
	} else {
		lines.push(`${mb(result.files.big.bytes)} snapshot: leaktop's parse failed (see the notes).`);
	}
	return lines;
}

const topCount = 10;
const byDelta = (a: DiffRowByName, b: DiffRowByName) => b.sizeDelta - a.sizeDelta || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const rowText = (row: DiffRowByName | undefined) => (row ? `new ${row.newCount}, deleted ${row.deletedCount}, size delta ${row.sizeDelta}` : 'absent');

/** leaktop's diff against DevTools' on the top classes by size delta: `agree`, or what differs. */
export function agreement(result: DiffResult): {verdict: string; detail: string} {
	const first = (key: JobKey) => find(result, key)?.runs[0]?.result;
	const ours = first('leaktop-diff');
	const theirs = first('devtools-diff');
	if (!ours?.rows || !theirs?.rows) return {verdict: 'not checked', detail: 'one of the two diffs did not run'};
	if (ours.comparable === false) return {verdict: 'MISMATCH', detail: 'leaktop judged the two files to come from different processes'};
	const mine = new Map(ours.rows.map(row => [row.name, row]));
	const devtools = new Map(theirs.rows.map(row => [row.name, row]));
	const top = (rows: DiffRowByName[]) => [...rows].sort(byDelta).slice(0, topCount);
	const ourTop = top(ours.rows);
	const theirTop = top(theirs.rows);
	const names = [...new Set([...ourTop, ...theirTop].map(row => row.name))];
	const same = (a: DiffRowByName | undefined, b: DiffRowByName | undefined) => !!a && !!b && a.newCount === b.newCount && a.deletedCount === b.deletedCount && a.sizeDelta === b.sizeDelta;
	const mismatches = names.filter(name => !same(mine.get(name), devtools.get(name))).map(name => `\`${name}\`: leaktop ${rowText(mine.get(name))}; DevTools ${rowText(devtools.get(name))}`);
	const sameOrder = ourTop.every((row, i) => row.name === theirTop[i]?.name);
	const allNames = new Set([...mine.keys(), ...devtools.keys()]);
	const allSame = [...allNames].filter(name => same(mine.get(name), devtools.get(name))).length;
	const whole = `over all ${allNames.size} classes with new or deleted objects, ${allSame} agree exactly`;
	if (mismatches.length === 0 && sameOrder) return {verdict: 'agree', detail: `the top ${topCount} classes by size delta are the same, in the same order, with the same #new, #deleted and size delta; ${whole}`};
	return {verdict: 'MISMATCH', detail: `${mismatches.join('; ') || 'same values, different order'}; ${whole}`};
}

export function diffTitle(options: Pick<DiffOptions, 'pairMB' | 'bigMB' | 'runs'>): string {
	return `Snapshot parse and diff: leaktop vs Chrome DevTools' heap snapshot code vs memlab (two ~${options.pairMB} MB snapshots of one process and one of ~${options.bigMB} MB; ${options.runs} round${options.runs === 1 ? '' : 's'}, a fresh process per contender)`;
}

export function diffBody(result: DiffResult): string {
	const {base, next} = result.files;
	const check = agreement(result);
	return [
		"The files: `dist/bench/diff-target.js` fills a Map with `Account` records (flat distinct strings, a nested object, a tags array, 1-3 event objects), " +
			`writes a snapshot with \`v8.writeHeapSnapshot\` (${mb(base.bytes)}, ${(base.nodeCount / 1e6).toFixed(2)} M nodes), adds 20 % more records and drops every 20th old one, ` +
			`and writes a second (${mb(next.bytes)}, ${(next.nodeCount / 1e6).toFixed(2)} M nodes); another run of it writes the large file (${mb(result.files.big.bytes)}, ${(result.files.big.nodeCount / 1e6).toFixed(2)} M nodes). ` +
			'Each contender is a fresh `node --max-old-space-size=16384 dist/bench/diff-contender.js KIND FILE [FILE2]`: it loads its code, then times the work (reading the files included); ' +
			'peak RSS is its own `process.resourceUsage().maxRSS` at the end, with what it parsed still alive. MB and GB are 10^6 and 10^9 bytes. Ratios are of medians, against leaktop doing the same job (parse or diff).',
		'',
		diffTable(result),
		'',
		...diffGoals(result).map(line => `- ${line}`),
		`- leaktop's diff and DevTools' Comparison on these files, top ${topCount} classes by size delta (name, #new, #deleted, size delta): **${check.verdict}** (${check.detail}).`,
	].join('\n');
}

export function diffNotes(result: DiffResult): string[] {
	const notes: string[] = [];
	const cpu = os.cpus()[0]?.model.trim() ?? '?';
	notes.push(
		`Machine: ${os.cpus().length} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM. Other jobs may share the cores (see the load average); the order of the contenders changes every round. ` +
			`The whole section took ${seconds(result.wallMs)}, writing the snapshots included (the target's \`v8.writeHeapSnapshot\`: ${[result.files.base, result.files.next, result.files.big].map(f => seconds(f.writeMs)).join(', ')}). ` +
			'The files were written just before, so every contender reads them from the page cache.',
	);
	notes.push(
		"What each contender's time covers. leaktop's parse is the streaming parse into typed arrays; its diff adds the classification of both snapshots (DevTools' class names and object shapes) and the match by node id. " +
			"DevTools' load is what its Memory panel does with a file (10 MB text chunks into `HeapSnapshotLoader`, then `buildSnapshot`, which also computes distances, dominators and retained sizes: they cannot be turned off there); " +
			"its diff is `aggregatesForDiff` + `calculateSnapshotDiff`, the Comparison view's calls. memlab's parse is `utils.getSnapshotFromFile(file, {buildNodeIdIndex: true})` from @memlab/core, " +
			'the loader that `getFullHeapFromFile` in @memlab/heap-analysis calls before it adds shortest paths and retained sizes (not timed here, so memlab is measured at its fastest).',
	);
	notes.push(
		result.memlab.available
			? `memlab ${result.memlab.version}, installed outside the project's dependencies into bench/.memlab (\`${memlabInstallCommand}\`). memlab has no class-level comparison of two snapshots: its diff is \`findLeaks\`/\`findLeaksBySnapshotFilePaths\`, which needs three snapshots (baseline, target, final) and clusters retainer traces of leaked objects, a different job. Any memlab diff must at least parse both files, so "memlab: parse both" stands in as a lower bound of its time and memory.`
			: `memlab was unavailable, so its rows are missing: ${result.memlab.reason}`,
	);
	const loads = result.jobs
		.filter(r => r.runs.some(run => run.result.loadMs > 0))
		.map(r => `${r.job.key} ${seconds(median(r.runs.map(run => run.result.loadMs)))}`);
	const walls = result.jobs.filter(r => r.runs.length).map(r => `${r.job.key} ${seconds(median(r.runs.map(run => run.wallMs)))}`);
	notes.push(`Not in the times above: loading each contender's code before its timer starts (${loads.join(', ') || 'none'}); spawn to exit as the benchmark saw it, Node's start-up and exit included: ${walls.join(', ')}.`);
	for (const r of result.jobs) for (const f of r.failures) notes.push(`${r.job.key}, round ${f.round + 1}: ${f.reason}`);
	notes.push('The snapshots were deleted at the end; every process the benchmark started was ended by pid.');
	return notes;
}

// ---------------------------------------------------------------------------------------------
// Run on its own

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`${what} did not finish within ${timeoutMs / 1000} s`)), timeoutMs);
	});
	return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function parseDiffOptions(argv: string[]): DiffOptions {
	const {values} = parseArgs({args: argv, options: {sizes: {type: 'string'}, runs: {type: 'string'}, dir: {type: 'string'}}});
	const runs = values.runs === undefined ? defaultDiffOptions.runs : Number(values.runs);
	if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be an integer of at least 1, not ${values.runs}`);
	return {...parseSizes(values.sizes), runs, parentDir: values.dir ?? defaultDiffOptions.parentDir};
}

const displayPath = (path: string) => (path.startsWith(repoRoot) ? relative(repoRoot, path) : path);

async function main(): Promise<void> {
	const argv = process.argv.slice(2);
	const options = parseDiffOptions(argv);
	installCleanup(diffBudgetMs(options));
	const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
	const loadText = () => os.loadavg().map(x => x.toFixed(2)).join(' ');
	const from = new Date();
	const loadAtStart = loadText();
	log(`diff benchmark: files of ${options.pairMB} and ${options.bigMB} MB, ${options.runs} rounds; expected about ${Math.ceil(diffExpectedMs(options) / 60_000)} min`);
	const result = await diffBench(options, log);
	const command = `node ${displayPath(process.argv[1]!)}${argv.length ? ` ${argv.join(' ')}` : ''}`;
	const provenance = `_Measured ${from.toISOString()} to ${new Date().toISOString()} with \`${command}\`; Node ${process.version}; load average ${loadAtStart} at start, ${loadText()} at end._`;
	const notes = diffNotes(result);
	// On its own it only prints; `node dist/bench/run.js --only diff` puts it in RESULTS.md.
	process.stdout.write([`## 7. ${diffTitle(options)}`, '', provenance, '', diffBody(result), '', 'Notes:', '', ...notes.map(n => `- ${n}`), ''].join('\n'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	main().catch(error => {
		process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
		process.exitCode = 1;
	});
}
