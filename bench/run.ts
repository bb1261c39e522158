/**
 * `npm run bench`: starts one busy target, runs the start-up and footprint benchmarks against it,
 * prints the results as markdown and writes them to bench/RESULTS.md. Only reports; asserts
 * nothing. Every process and tmux session it starts is ended by pid or by name before it exits.
 *
 *   node dist/bench/run.js [--runs 10] [--seconds 30] [--only startup|footprint]
 */
import {execFileSync} from 'node:child_process';
import {readFileSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import {parseArgs} from 'node:util';
import {footprintBench, type FootprintResult, referenceSeconds} from './footprint.js';
import {
	cleanupSync,
	installCleanup,
	mb,
	median,
	ms,
	pct,
	percentile,
	repoRoot,
	resultsPath,
	sessionName,
	startTarget,
	table,
	tmuxKill,
	tmuxStart,
	waitGone,
} from './lib.js';
import {startupBench, type StartupKind, type StartupRun} from './startup.js';

const {values: args} = parseArgs({
	options: {
		runs: {type: 'string', default: '10'},
		seconds: {type: 'string', default: '30'},
		only: {type: 'string'},
	},
});
const runs = Number(args.runs);
const seconds = Number(args.seconds);
const only = args.only;
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, not ${args.runs}`);
if (!Number.isInteger(seconds) || seconds < 2) throw new Error(`--seconds must be an integer of at least 2, not ${args.seconds}`);
if (only !== undefined && only !== 'startup' && only !== 'footprint') throw new Error(`--only must be startup or footprint, not ${only}`);

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

async function main(): Promise<void> {
	// A watchdog well past the expected time (start-up ~20 s, 2 footprint windows, 2 references).
	installCleanup(30_000 + runs * 4000 + 2 * (seconds + 10) * 1000 + 2 * (referenceSeconds + 5) * 1000);
	const startedAt = new Date();
	const load0 = os.loadavg();
	try {
		execFileSync('tmux', ['-V'], {stdio: 'ignore'});
	} catch {
		throw new Error('tmux is required for the TUI measurements (apt-get install tmux)');
	}
	const pkg = JSON.parse(readFileSync(`${repoRoot}/package.json`, 'utf8')) as {version: string};
	const sections: string[] = [];
	const notes: string[] = [];

	// A quiet session keeps this run's private tmux server up, so no measured run pays for
	// starting the server.
	const holder = sessionName('hold');
	const holderPid = await tmuxStart(holder, 'exec sleep 300');
	log(`starting the target (bench/target-app.ts)`);
	const target = await startTarget();
	try {
		if (only !== 'footprint') {
			log(`start-up: 1 warm-up + ${runs} runs`);
			const results = await startupBench(target, runs, log);
			sections.push(
				`## 1. Start to first live data (${runs} runs after one warm-up, interleaved)\n\n` +
					'Times from spawning the command (or `tmux new-session`) to the event. The TUI is polled with `tmux capture-pane` ' +
					'every ~10 ms (each capture takes a few ms), so TUI times are upper bounds by one poll.\n\n' +
					startupTable(results),
			);
			notes.push(...startupNotes(results));
		}
		if (only !== 'startup') {
			const results = await footprintBench(target, seconds, log);
			sections.push(
				`## 2. leaktop's own footprint while attached (default 1 s interval, ${seconds} s window from the first live sample)\n\n` +
					'CPU from utime+stime in /proc/<pid>/stat over wall time (100 ticks/s, so "busiest 1 s" has 1 % steps); ' +
					'RSS from VmRSS / VmHWM in /proc/<pid>/status (MB = 10^6 bytes). "CPU time before window" is what the process used from exec to its first live sample. ' +
					`The two reference rows are not leaktop: they are sampled for ${referenceSeconds} s to show what Node alone and Node with Ink merely imported cost.\n\n` +
					footprintTable(results),
			);
			for (const r of results) if (!r.reference) notes.push(`Footprint, ${r.label}: ${r.liveCheck}; the target served ${Math.round(r.targetRps)} req/s during the window.`);
		}
	} finally {
		await target.proc.stop();
		await tmuxKill(holder);
		await waitGone(holderPid, {signalFirst: 'SIGTERM'});
	}

	const header = [
		'# leaktop benchmark results',
		'',
		`Written by \`npm run bench\` (\`node dist/bench/run.js --runs ${runs} --seconds ${seconds}${only ? ` --only ${only}` : ''}\`); overwritten on every run. See bench/README.md.`,
		'',
		`- Date: ${startedAt.toISOString()}`,
		`- Machine: shared 2-core box (other jobs may run at the same time, so treat small differences as noise); ` +
			`\`nproc\` ${run('nproc', [])}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM; ` +
			`load average ${load0.map(x => x.toFixed(2)).join(' ')} at start, ${os.loadavg().map(x => x.toFixed(2)).join(' ')} at end`,
		`- Node ${process.version} (NODE_ENV ${process.env.NODE_ENV ?? 'unset'}, so React runs its development build unless it is \`production\`), ${run('tmux', ['-V'])}, leaktop ${pkg.version} at \`${run('git', ['describe', '--always', '--dirty'])}\``,
		`- Target: \`node --inspect=127.0.0.1:0 dist/bench/target-app.js\` (HTTP service driving itself at ~200 req/s); leaktop attaches with \`--port\``,
	].join('\n');
	const text = `${header}\n\n${sections.join('\n\n')}\n\n## Notes\n\n${notes.map(n => `- ${n}`).join('\n')}\n`;
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
