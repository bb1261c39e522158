/**
 * `npm run bench`: starts one busy target, runs the start-up and footprint benchmarks against it,
 * then the detection-time benchmark against the leak fixtures, then the overhead benchmark
 * (an HTTP server's throughput under load, with and without leaktop), the allocations
 * benchmark (leaktop's footprint while polling a large sampling profile), the snapshot benchmark
 * and the snapshot diff benchmark (leaktop vs DevTools vs memlab), then the in-process agent's cost (throughput,
 * memory, scrape time), prints the results as markdown
 * and writes them to bench/RESULTS.md (a full run rewrites it; `--only` replaces its own
 * section and keeps the others). Only reports; asserts nothing. Every process and tmux session
 * it starts is ended by pid or by name before it exits.
 *
 *   node dist/bench/run.js [--runs N] [--seconds S] [--only startup|footprint|detection|overhead|allocations|snapshot|diff|soak|fleet|agent]
 *                          [--fixtures listeners,lru] [--series FILE] [--connections 16] [--rows none,default]
 *                          [--sizes 200,500] [--dir /tmp] [--minutes 30] [--soak-interval 250]
 *
 * The soak (`leaktop demo` in the TUI for --minutes, default 30, sampling every --soak-interval
 * ms, default 250) runs only with `--only soak`.
 *
 * --runs: start-up runs (default 10), overhead and agent rounds (default 5) and diff rounds (default 3).
 * --sizes and --dir: the diff benchmark's file sizes in MB and where its files go. --seconds: the footprint
 * window (default 30), the overhead load window (default 10), the allocations window
 * (default 60), the agent's load window (default 30) and memory window (default 60). Given
 * explicitly, each sets all of its sections.
 */
import {execFileSync} from 'node:child_process';
import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import {join} from 'node:path';
import {parseArgs} from 'node:util';
import {allocationsBench, allocationsBudgetMs, allocationsNotes, allocationsRows, allocationsTable, profileTable, profileTargetCpus} from './allocations-footprint.js';
import {controlTable, detectionBench, detectionBudgetMs, detectionCases, detectionNotes, leakTable} from './detection.js';
import {footprintBench, type FootprintResult, referenceSeconds} from './footprint.js';
import {
	buildRoot,
	cleanupSync,
	installCleanup,
	mb,
	median,
	ms,
	now,
	pct,
	percentile,
	profileTargetPath,
	repoRoot,
	resultsPath,
	sessionName,
	startTarget,
	table,
	tmuxKill,
	tmuxStart,
	waitGone,
} from './lib.js';
import {soakBench, soakNotes, soakTable} from './soak.js';
import {agentBench, agentBudgetMs, agentExpectedMs, agentMemoryTable, agentNotes, type AgentOptions, agentRenderTable, agentRows, agentThroughputTable} from './agent.js';
import {fleetBench, fleetBudgetMs, fleetNotes, fleetSize, fleetTable} from './fleet.js';
import {overheadBench, overheadBudgetMs, overheadExpectedMs, type OverheadOptions, overheadNotes, overheadRows, overheadTable, overheadTargetEnv, targetCpus} from './overhead.js';
import {startupBench, type StartupKind, type StartupRun} from './startup.js';
import {defaultDiffOptions, type DiffOptions, diffBench, diffBody, diffBudgetMs, diffNotes, diffTitle, parseSizes} from './diff.js';
import {defaultSnapshotOptions, snapshotBench, snapshotBody, snapshotBudgetMs, snapshotNotes, snapshotTitle} from './snapshot.js';

const {values: args} = parseArgs({
	options: {
		runs: {type: 'string'},
		seconds: {type: 'string'},
		only: {type: 'string'},
		fixtures: {type: 'string'},
		series: {type: 'string'},
		connections: {type: 'string'},
		rows: {type: 'string'},
		sizes: {type: 'string'},
		dir: {type: 'string'},
		minutes: {type: 'string'},
		'soak-interval': {type: 'string'},
	},
});
/** A positive integer flag (at least `min`), or the section's own default when it was not given. */
function count(name: string, text: string | undefined, fallback: number, min = 1): number {
	if (text === undefined) return fallback;
	const value = Number(text);
	if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer of at least ${min}, not ${text}`);
	return value;
}
const runs = count('runs', args.runs, 10);
const seconds = count('seconds', args.seconds, 30, 2);
/** `--rows a,b`: the rows of the overhead and allocations benchmarks to run (each keeps the ones it has). */
const rowFilter = args.rows?.split(',').map(r => r.trim()).filter(Boolean);
function chosenRows<Row extends {key: string}>(rows: readonly Row[]): readonly Row[] {
	if (!rowFilter) return rows;
	const known = new Set([...overheadRows, ...allocationsRows, ...agentRows].map(r => r.key));
	const unknown = rowFilter.filter(key => !known.has(key));
	if (unknown.length) throw new Error(`unknown row(s) ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
	return rows.filter(r => rowFilter.includes(r.key));
}
const overheadOptions: OverheadOptions = {rows: chosenRows(overheadRows), rounds: count('runs', args.runs, 5), seconds: count('seconds', args.seconds, 10, 2), connections: count('connections', args.connections, 16)};
const allocationsSeconds = count('seconds', args.seconds, 60, 2);
const agentOptions: AgentOptions = {
	rows: chosenRows(agentRows),
	rounds: count('runs', args.runs, 5),
	seconds: count('seconds', args.seconds, 30, 2),
	connections: count('connections', args.connections, 16),
	memoryRounds: 3,
	memorySeconds: count('seconds', args.seconds, 60, 2),
	scrapes: 30,
};
const diffOptions: DiffOptions = {...parseSizes(args.sizes), runs: count('runs', args.runs, defaultDiffOptions.runs), parentDir: args.dir ?? defaultDiffOptions.parentDir};
const sectionNames = ['startup', 'footprint', 'detection', 'overhead', 'allocations', 'snapshot', 'diff', 'soak', 'fleet', 'agent'] as const;
type SectionName = (typeof sectionNames)[number];
const only = args.only;
if (only !== undefined && !(sectionNames as readonly string[]).includes(only)) throw new Error(`--only must be one of ${sectionNames.join(', ')}, not ${only}`);
/** The soak takes half an hour by itself: only `--only soak` runs it. */
const want = (name: SectionName) => (only === undefined && name !== 'soak') || only === name;
const soakMinutes = count('minutes', args.minutes, 30);
/** 4 samples a second: the TUI's 3600-sample history is full after 15 minutes, half the soak. */
const soakIntervalMs = count('soak-interval', args['soak-interval'], 250, 100);
const cases = want('detection') ? detectionCases(args.fixtures?.split(',').map(f => f.trim()).filter(Boolean)) : [];
/** Fixtures at once in the detection benchmark: 2 cores, and each fixture drives its own load. */
const detectionConcurrency = 3;

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

function run(command: string, commandArgs: string[]): string {
	try {
		return execFileSync(command, commandArgs, {encoding: 'utf8', cwd: repoRoot, stdio: ['ignore', 'pipe', 'ignore']}).trim();
	} catch {
		return '?';
	}
}

const startupRows: {kind: StartupKind; label: string; goal?: number}[] = [
	{kind: 'nodeBare', label: '`node -e 0`, spawn to exit (Node\'s own start-up)'},
	{kind: 'nodeTmux', label: '`node -e` in tmux, first line visible (Node + tmux + polling floor)'},
	{kind: 'version', label: '`leaktop --version`, spawn to exit (Node + CLI module load)'},
	{kind: 'headlessAttached', label: 'headless `--json`: `attached to pid` on stderr'},
	{kind: 'headlessSample', label: 'headless `--json`: first NDJSON sample on stdout', goal: 1000},
	{kind: 'tuiFrame', label: 'TUI in tmux: memory panel first on screen'},
	{kind: 'tuiLive', label: 'TUI in tmux: heapUsed shows a number (first live data)', goal: 1000},
	{kind: 'headlessDetach', label: 'headless: SIGTERM to exit (safe detach)'},
	{kind: 'tuiQuit', label: 'TUI: `q` to exit (safe detach, terminal restored)'},
];

function startupTable(results: StartupRun[]): string {
	const col = (kind: StartupKind) => results.map(r => r[kind]);
	const nodeMedian = median(col('nodeBare'));
	const rows = startupRows.map(({kind, label, goal}) => {
		const values = col(kind);
		const m = median(values);
		const p90 = percentile(values, 90);
		return [
			label,
			ms(m),
			ms(p90),
			ms(Math.min(...values)),
			ms(Math.max(...values)),
			`${(m / nodeMedian).toFixed(1)}x`,
			goal === undefined ? '' : `< ${goal / 1000} s: ${p90 < goal ? 'met (p90)' : m < goal ? 'met (median only)' : 'NOT met'}`,
		];
	});
	return table(['measurement', 'median', 'p90', 'min', 'max', 'median / `node -e 0`', 'goal'], rows);
}

function startupNotes(results: StartupRun[]): string[] {
	const m = (kind: StartupKind) => median(results.map(r => r[kind]));
	const live = m('tuiLive');
	const share = (x: number) => `${Math.round(x)} ms (${Math.round((100 * x) / live)} %)`;
	const node = m('nodeBare');
	const sameFrame = results.filter(r => r.tuiFrame === r.tuiLive).length;
	return [
		`Where the TUI's median ${Math.round(live)} ms to first live data goes (differences of medians, so approximate): ` +
			`Node's own start-up ${share(node)}; loading the CLI modules ${share(m('version') - node)}; ` +
			`resolving the target, connecting and reading its facts ${share(m('headlessAttached') - m('version'))}; ` +
			`first sample after that ${share(m('headlessSample') - m('headlessAttached'))}; ` +
			`loading Ink/React/Yoga and the first render in tmux, plus up to one poll ${share(live - m('headlessSample'))}.`,
		`The harness floor (tmux new-session + capture-pane polling) adds about ${Math.round(m('nodeTmux') - node)} ms over a plain spawn.`,
		`In ${sameFrame} of ${results.length} runs the first frame seen already showed live data (the TUI is loaded after attaching, so the first sample is usually in before the first frame).`,
	];
}

function footprintTable(results: FootprintResult[]): string {
	const rows = results.map(r => [
		r.label,
		`${(r.windowMs / 1000).toFixed(0)} s`,
		pct(r.cpuPercent),
		pct(r.cpuPercentSecondHalf),
		pct(r.maxSecondCpuPercent),
		`${r.startupCpuSeconds.toFixed(2)} s`,
		mb(r.firstRss),
		mb(r.steadyRss),
		mb(r.endRss),
		mb(r.peakRss),
		r.reference
			? ''
			: `${r.cpuPercent <= 3 ? 'CPU met' : 'CPU NOT met'}, ${r.peakRss <= 80e6 ? 'RSS met' : r.steadyRss <= 80e6 ? 'RSS met (steady; peak over)' : 'RSS NOT met'}`,
	]);
	return table(
		['process', 'window', 'CPU (% of one core)', 'CPU, 2nd half', 'busiest 1 s', 'CPU time before window', 'RSS at window start', 'RSS steady (median, 2nd half)', 'RSS at end', 'RSS peak (VmHWM)', 'goal <= 3 % / <= 80 MB'],
		rows,
	);
}

const sectionTitles = {startup: 1, footprint: 2, detection: 3, overhead: 4, allocations: 5, snapshot: 6, diff: 7, soak: 8, fleet: 9, agent: 10} as const;
const loadText = (load: number[]) => load.map(x => x.toFixed(2)).join(' ');

/** `## title`, when and where it was measured, the body, then its own notes. */
function section(title: string, provenanceLine: string, body: string, notes: readonly string[]): string {
	return [`## ${title}`, '', provenanceLine, '', body, ...(notes.length ? ['', 'Notes:', '', ...notes.map(n => `- ${n}`)] : [])].join('\n');
}

/**
 * The numbered sections of an earlier RESULTS.md, to keep those an `--only` run does not redo.
 * Files written before sections carried their own provenance and notes get both from the old
 * header and the old shared notes list.
 */
function earlierSections(path: string): Map<number, string> {
	const sections = new Map<number, string>();
	if (!existsSync(path)) return sections;
	const parts = readFileSync(path, 'utf8').split(/^(?=## )/m);
	const header = parts[0] ?? '';
	let sharedNotes: string[] = [];
	for (const part of parts.slice(1)) {
		const numbered = /^## (\d+)\./.exec(part);
		if (numbered) sections.set(Number(numbered[1]), part.trimEnd());
		else if (part.startsWith('## Notes')) sharedNotes = part.split('\n').filter(line => line.startsWith('- ')).map(line => line.slice(2));
	}
	const date = /^- Date: (\S+)/m.exec(header)?.[1] ?? 'an earlier run';
	const node = /^- Node (v\S+)/m.exec(header)?.[1] ?? '?';
	const commit = /leaktop \S+ at `([^`]+)`/.exec(header)?.[1] ?? '?';
	const load = /load average ([\d. ]+?) at start, ([\d. ]+?) at end/.exec(header);
	for (const [n, text] of sections) {
		if (/^_Measured /m.test(text)) continue;
		const [heading, ...rest] = text.split('\n');
		const own = sharedNotes.filter(note => (n === sectionTitles.footprint) === note.startsWith('Footprint'));
		const provenanceLine = `_Measured ${date}; Node ${node}; leaktop at \`${commit}\`${load ? `; load average ${load[1]} at start, ${load[2]} at end` : ''} (carried over from an earlier full run)._`;
		sections.set(n, [heading, '', provenanceLine, ...rest, ...(own.length ? ['', 'Notes:', '', ...own.map(note => `- ${note}`)] : [])].join('\n'));
	}
	return sections;
}

async function main(): Promise<void> {
	// A watchdog well past the expected time (start-up ~20 s, 2 footprint windows, 2 references,
	// the detection suite's worst case).
	installCleanup(
		(want('startup') || want('footprint') ? 30_000 + runs * 4000 + 2 * (seconds + 10) * 1000 + 2 * (referenceSeconds + 5) * 1000 : 0) +
			(want('detection') ? detectionBudgetMs(cases, detectionConcurrency) : 0) +
			(want('overhead') ? overheadBudgetMs(overheadOptions) : 0) +
			(want('allocations') ? allocationsBudgetMs(chosenRows(allocationsRows), allocationsSeconds) : 0) +
			(want('snapshot') ? snapshotBudgetMs(defaultSnapshotOptions) : 0) +
			(want('diff') ? diffBudgetMs(diffOptions) : 0) +
			(want('soak') ? (soakMinutes + 5) * 60_000 : 0) +
			(want('fleet') ? fleetBudgetMs(seconds) : 0) +
			(want('agent') ? agentBudgetMs(agentOptions) : 0),
	);
	const startedAt = new Date();
	// A private build records what it was built from (bench/README.md); the repository may have moved on since.
	const commit = existsSync(join(buildRoot, 'COMMIT')) ? readFileSync(join(buildRoot, 'COMMIT'), 'utf8').trim() : run('git', ['describe', '--always', '--dirty']);
	const argvText = process.argv.slice(2).join(' ');
	const command = `node dist/bench/run.js${argvText ? ` ${argvText}` : ''}`;
	const pkg = JSON.parse(readFileSync(`${repoRoot}/package.json`, 'utf8')) as {version: string};
	const sections = new Map<number, string>();
	const provenance = (from: Date, load: number[]) =>
		`_Measured ${from.toISOString()} to ${new Date().toISOString()} with \`${command}\`; Node ${process.version}; leaktop at \`${commit}\`; load average ${loadText(load)} at start, ${loadText(os.loadavg())} at end._`;

	if (want('startup') || want('footprint')) {
		try {
			execFileSync('tmux', ['-V'], {stdio: 'ignore'});
		} catch {
			throw new Error('tmux is required for the TUI measurements (apt-get install tmux)');
		}
		// A quiet session keeps this run's private tmux server up, so no measured run pays for
		// starting the server.
		const holder = sessionName('hold');
		const holderPid = await tmuxStart(holder, 'exec sleep 300');
		log(`starting the target (bench/target-app.ts)`);
		const target = await startTarget();
		try {
			if (want('startup')) {
				const from = new Date();
				const load = os.loadavg();
				log(`start-up: 1 warm-up + ${runs} runs`);
				const results = await startupBench(target, runs, log);
				sections.set(
					sectionTitles.startup,
					section(
						`${sectionTitles.startup}. Start to first live data (${runs} runs after one warm-up, interleaved)`,
						provenance(from, load),
						'Times from spawning the command (or `tmux new-session`) to the event. The TUI is polled with `tmux capture-pane` ' +
							'every ~10 ms (each capture takes a few ms), so TUI times are upper bounds by one poll.\n\n' +
							startupTable(results),
						startupNotes(results),
					),
				);
			}
			if (want('footprint')) {
				const from = new Date();
				const load = os.loadavg();
				const results = await footprintBench(target, seconds, log);
				sections.set(
					sectionTitles.footprint,
					section(
						`${sectionTitles.footprint}. leaktop's own footprint while attached (default 1 s interval, ${seconds} s window from the first live sample)`,
						provenance(from, load),
						'CPU from utime+stime in /proc/<pid>/stat over wall time (100 ticks/s, so "busiest 1 s" has 1 % steps); ' +
							'RSS from VmRSS / VmHWM in /proc/<pid>/status (MB = 10^6 bytes). "CPU time before window" is what the process used from exec to its first live sample. ' +
							`The two reference rows are not leaktop: they are sampled for ${referenceSeconds} s to show what Node alone and Node with Ink merely imported cost.\n\n` +
							footprintTable(results),
						results.filter(r => !r.reference).map(r => `Footprint, ${r.label}: ${r.liveCheck}; the target served ${Math.round(r.targetRps)} req/s during the window.`),
					),
				);
			}
		} finally {
			await target.proc.stop();
			await tmuxKill(holder);
			await waitGone(holderPid, {signalFirst: 'SIGTERM'});
		}
	}

	if (want('detection')) {
		const from = new Date();
		const load = os.loadavg();
		const t0 = now();
		log(`detection: ${cases.length} fixtures, ${detectionConcurrency} at a time (about 9 minutes for the whole suite, at most 16)`);
		const results = await detectionBench(cases, detectionConcurrency, log);
		const wallMs = now() - t0;
		if (args.series) {
			writeFileSync(args.series, `${JSON.stringify(results, null, 1)}\n`);
			log(`wrote the recorded series to ${args.series}`);
		}
		const leaks = results.some(r => !r.case.control);
		const controls = results.some(r => r.case.control);
		sections.set(
			sectionTitles.detection,
			section(
				`${sectionTitles.detection}. Time to a leak verdict (headless code path, verdict checked once a second)`,
				provenance(from, load),
				'Each fixture runs as `node --inspect=127.0.0.1:0 dist/test/fixtures/leaks/<fixture>.js [--rate R]`; the benchmark attaches ' +
					'in-process the way `leaktop --headless` does without `--duration` (Monitor + store + computeVerdict, 1 s samples, a census at attach ' +
					'then as often as keeps it under 1 % of wall time and at most every 10 s, threshold 1 MB/h) and computes the verdict once a second from the moment the attach resolved. ' +
					`Up to ${detectionConcurrency} fixtures run at once on the 2 cores, so each also competes with the others' load loops.` +
					(leaks
						? '\n\nLeaks: the first check whose verdict is `leak`, and the signals growing at that check (confidence, floor points and the time they span). ' +
							'Goals from the issue: about 1 MB/min within 3 minutes (cap 4), 5 MB/min within 60 s (cap 2 minutes).\n\n' +
							leakTable(results)
						: '') +
					(controls
						? '\n\nControls (must never read as a leak), watched for the whole window: whether any check said `leak`, and the steepest heap floor ' +
							'slope the statistics reported once past warming up (the threshold is +1 MB/h; the verdict also needs confidence and a real rise).\n\n' +
							controlTable(results)
						: ''),
				detectionNotes(results, wallMs, detectionConcurrency),
			),
		);
	}

	if (want('overhead')) {
		const from = new Date();
		const load = os.loadavg();
		log(`overhead: ${overheadOptions.rounds} rounds of ${overheadOptions.rows.length} rows, ${overheadOptions.seconds} s each (about ${Math.round(overheadExpectedMs(overheadOptions) / 60_000)} minutes)`);
		const startPair = async () => {
			const first = await startTarget({env: overheadTargetEnv, cpus: targetCpus});
			try {
				return [first, await startTarget({env: overheadTargetEnv, cpus: targetCpus})] as const;
			} catch (error) {
				await first.proc.stop();
				throw error;
			}
		};
		const result = await overheadBench(startPair, overheadOptions, log);
		sections.set(
			sectionTitles.overhead,
			section(
				`${sectionTitles.overhead}. Overhead on a busy HTTP server (throughput under load with leaktop attached vs a twin target without, at the same time; ${overheadOptions.rounds} rounds x ${overheadOptions.seconds} s)`,
				provenance(from, load),
				'Two identical targets, `node --inspect=127.0.0.1:0 dist/bench/target-app.js` with `BENCH_TARGET_RPS=0` (no self-load), share one core; each is driven by its own ' +
					`\`dist/bench/load.js\` (a process of its own, ${overheadOptions.connections} keep-alive connections, closed loop). In each run leaktop (\`--headless --port P [--sampling X]\`) ` +
					'is attached to one of them once the load has started and stopped with SIGTERM after it; the other target, loaded at the same time, is the reference. ' +
					'Every run starts a fresh pair. Rows alternate within each round, and so does the target leaktop attaches to. Goal from the issue: at most 3 % loss at default settings.\n\n' +
					overheadTable(result),
				overheadNotes(result),
			),
		);
	}

	if (want('allocations')) {
		const from = new Date();
		const load = os.loadavg();
		log(`allocations: starting bench/profile-target.ts`);
		const target = await startTarget({script: profileTargetPath, cpus: profileTargetCpus});
		try {
			const result = await allocationsBench(target, chosenRows(allocationsRows), allocationsSeconds, log);
			sections.set(
				sectionTitles.allocations,
				section(
					`${sectionTitles.allocations}. leaktop's own footprint while polling a large sampling profile (${allocationsSeconds} s window from attach)`,
					provenance(from, load),
					'Target: `node --inspect=127.0.0.1:0 dist/bench/profile-target.js`, which allocates from about 14k distinct call paths and keeps about 67 MB of them alive. ' +
						'The profile it yields at each interval (measured by the benchmark\'s own CDP client, no leaktop attached):\n\n' +
						profileTable(result) +
						'\n\nleaktop attached headless at each setting in turn. CPU and RSS as in section 2.\n\n' +
						allocationsTable(result),
					allocationsNotes(result),
				),
			);
		} finally {
			await target.proc.stop();
		}
	}

	if (want('snapshot')) {
		const from = new Date();
		const load = os.loadavg();
		log(`snapshot: heaps of ${defaultSnapshotOptions.sizesMB.join(', ')} MB, ${defaultSnapshotOptions.rounds} rounds`);
		const result = await snapshotBench(defaultSnapshotOptions, log);
		sections.set(sectionTitles.snapshot, section(`${sectionTitles.snapshot}. ${snapshotTitle(defaultSnapshotOptions)}`, provenance(from, load), snapshotBody(result), snapshotNotes(result)));
	}

	if (want('fleet')) {
		const from = new Date();
		const load = os.loadavg();
		log(`fleet: leaktop attached to 1 and to ${fleetSize} local targets, ${seconds} s windows`);
		const result = await fleetBench(seconds, log);
		sections.set(
			sectionTitles.fleet,
			section(
				`${sectionTitles.fleet}. Several targets: leaktop's own CPU and RSS attached to ${fleetSize} local targets, beside 1 (${seconds} s windows)`,
				provenance(from, load),
				`${fleetSize} \`dist/bench/target-app.js\` targets at 20 req/s each; leaktop with \`--port\` repeated (the path \`--kube deployment/NAME\` takes after its port-forwards), at the default 1 s interval, 512 KiB sampling and census cadence.\n\n` + fleetTable(result),
				fleetNotes(result, seconds),
			),
		);
	}

	if (want('agent')) {
		const from = new Date();
		const load = os.loadavg();
		log(
			`agent: ${agentOptions.rounds} rounds of ${agentOptions.rows.length} rows, ${agentOptions.seconds} s each, then ${agentOptions.memoryRounds} memory rounds of ${agentOptions.memorySeconds} s ` +
				`(about ${Math.round(agentExpectedMs(agentOptions) / 60_000)} minutes)`,
		);
		const result = await agentBench(agentOptions, log);
		sections.set(
			sectionTitles.agent,
			section(
				`${sectionTitles.agent}. The in-process agent: an HTTP server's throughput, memory and scrape cost with \`--import leaktop/agent\` vs its twin without (${agentOptions.rounds} rounds x ${agentOptions.seconds} s; memory after ${agentOptions.memorySeconds} s)`,
				provenance(from, load),
				'Throughput: two identical apps, `node dist/bench/target-app.js` with `BENCH_TARGET_RPS=0` and no `--inspect`, share one core; each is driven by its own ' +
					`\`dist/bench/load.js\` (${agentOptions.connections} keep-alive connections, closed loop). In each run one of them is started with \`--import dist/src/agent/register.js\` ` +
					'(`LEAKTOP_METRICS_PORT=127.0.0.1:0` and the row\'s settings), the other without; both are loaded at the same time. Every run starts a fresh pair; rows rotate within each round, and so does the twin that carries the agent. ' +
					'/metrics is scraped when the counted window opens and after it closes. Goal: at most 1 % loss at the defaults.\n\n' +
					agentThroughputTable(result) +
					`\n\nMemory and scrape time: one app per row, all at once, each at its own 200 req/s self-load, for ${agentOptions.memorySeconds} s (${agentOptions.memoryRounds} rounds); then ${agentOptions.scrapes} timed scrapes of each agent over HTTP.\n\n` +
					agentMemoryTable(result) +
					'\n\nRendering /metrics with the full 6 h history the agent keeps (synthetic samples, in-process, no HTTP):\n\n' +
					agentRenderTable(result),
				agentNotes(result),
			),
		);
	}

	if (want('diff')) {
		const from = new Date();
		const load = os.loadavg();
		log(`diff: files of ${diffOptions.pairMB} and ${diffOptions.bigMB} MB, ${diffOptions.runs} rounds`);
		const result = await diffBench(diffOptions, log);
		sections.set(sectionTitles.diff, section(`${sectionTitles.diff}. ${diffTitle(diffOptions)}`, provenance(from, load), diffBody(result), diffNotes(result)));
	}

	// A full run rewrites the file; --only keeps the sections it did not redo.
	if (only !== undefined) {
		for (const [n, text] of earlierSections(resultsPath)) if (!sections.has(n)) sections.set(n, text);
	}
	const header = [
		'# leaktop benchmark results',
		'',
		`Written by \`npm run bench\` (this time \`${command}\`). A full run rewrites this file; \`--only ${sectionNames.join('|')}\` ` +
			'rewrites only its own section and keeps the others, so each section says when and at which commit it was measured. See bench/README.md.',
		'',
		`- Date: ${startedAt.toISOString()}`,
		`- Machine: shared 2-core box (other jobs may run at the same time, so treat small differences as noise); ` +
			`\`nproc\` ${run('nproc', [])}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
		`- Node ${process.version} (NODE_ENV ${process.env.NODE_ENV ?? 'unset'}, so React runs its development build unless it is \`production\`), ${run('tmux', ['-V'])}, leaktop ${pkg.version} at \`${commit}\``,
		`- Sections 1 and 2 target: \`node --inspect=127.0.0.1:0 dist/bench/target-app.js\` (HTTP service driving itself at ~200 req/s); leaktop attaches with \`--port\``,
		'- Section 3 targets: the leak fixtures and controls in test/fixtures/leaks/, each driving itself with HTTP requests',
		'- Section 4 targets: two `dist/bench/target-app.js` without self-load sharing one core, each driven by `dist/bench/load.js`; section 5 target: `dist/bench/profile-target.js`; section 6 targets: `dist/bench/heap-target.js`, one per capture; section 7: snapshots written by `dist/bench/diff-target.js`',
		'- Section 10 targets: `dist/bench/target-app.js` without `--inspect`, with and without `--import dist/src/agent/register.js` (the in-process agent)',
	].join('\n');
	if (want('soak')) {
		const from = new Date();
		const load = os.loadavg();
		log(`soak: leaktop demo --interval ${soakIntervalMs}ms in the TUI for ${soakMinutes} minutes`);
		const result = await soakBench(soakMinutes, soakIntervalMs, log);
		sections.set(
			sectionTitles.soak,
			section(
				`${sectionTitles.soak}. Soak: \`leaktop demo --interval ${soakIntervalMs}ms\` in the TUI for ${soakMinutes} minutes`,
				provenance(from, load),
				'`leaktop demo` (every leak scenario at once, so the app grows all the while) in tmux at 80x24. leaktop\'s RSS and CPU from /proc every 10 s; every minute `?` is pressed and the time until the help is on screen is measured, then `esc` until it is gone. Goals from the issue: leaktop\'s RSS stays flat, the UI stays responsive. ' +
					`It samples every ${soakIntervalMs} ms, so its 3600-sample history (an hour at the default 1 s) is full after ${Math.round((3600 * soakIntervalMs) / 60_000)} minutes: the slope after that is the one that must be flat.\n\n` +
					soakTable(result),
				soakNotes(result),
			),
		);
	}

	const ordered = [...sections.entries()].sort(([a], [b]) => a - b).map(([, text]) => text);
	const text = `${header}\n\n${ordered.join('\n\n')}\n`;
	process.stdout.write(`\n${text}`);
	writeFileSync(resultsPath, text);
	log(`wrote ${resultsPath}`);
}

try {
	await main();
} catch (error) {
	process.stderr.write(`bench: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exitCode = 1;
} finally {
	cleanupSync();
}
