import meow from 'meow';
import {describeError, LeaktopError, UsageError} from './errors.js';
import {censusModes, isCensusMode} from './model/cadence.js';
import {parseDuration, parseInterval} from './model/duration.js';
import {parseRate} from './model/rate.js';
import {parseSampling} from './model/size.js';
import {defaultVerdictOptions} from './model/verdict.js';
import {exitCodes, type Outcome} from './outcome.js';
import type {WatchContext, WatchTarget} from './commands/watch.js';
import type {KubeTarget} from './kube/kubectl.js';
import {isWorkload} from './kube/pods.js';
import type {FleetTargets, NamedTarget} from './commands/fleet.js';
import {type ListenAddress, parseListenAddress} from './metrics/address.js';

/** `--threshold` unless given; `leaktop report` then uses the recorded session's own. */
const defaultThreshold = '1MB/h';

const defaultPort = 9229;

const help = `
	Usage
	  $ leaktop [options]                  attach to a Node process started with --inspect
	  $ leaktop targets [--host H] [--port N] [--json]
	                                       list what the inspector endpoint offers
	  $ leaktop demo [--scenario NAME]     start a bundled leaky app and attach to it
	  $ leaktop snapshot [--out DIR] [--yes]
	                                       take one heap snapshot after a risk check
	  $ leaktop diff A.heapsnapshot B.heapsnapshot [--top N] [--retainers CLASS] [--json]
	                                       compare two snapshots as DevTools' Comparison view does
	  $ leaktop report FILE.ndjson [--report OUT] [--fail-on-growth [RATE]]
	                                       the headless report of a recorded session (--record)
	  $ leaktop replay FILE.ndjson         the TUI on a recorded session: left/right move 10 s,
	                                       space plays it at 10x

	Target (pick one kind; default 127.0.0.1:9229)
	  --host HOST        inspector host (default 127.0.0.1)
	  --port N           inspector port (default 9229); repeat it for several targets
	  --url ws://...     inspector WebSocket URL, as printed by "Debugger listening on";
	                     repeatable, and it mixes with --port
	  --pid N            open the inspector of a running local Node process (SIGUSR1), then attach
	  --kube pod/NAME    run kubectl port-forward to the pod's inspector (its --remote-port,
	                     default 9229) on a free local port, attach through it, and stop it on
	                     exit; restarted if it dies. -n/--namespace NS and --context CTX pass
	                     to kubectl. --open-inspector: if nothing listens in the pod, open the
	                     inspector with kubectl exec ... -- kill -USR1 1 (logged)
	  --kube deployment/NAME
	                     every ready pod of the deployment (or statefulset/, daemonset/,
	                     replicaset/), one port-forward each
	  Several targets open on an overview, a row each (heap, floor slope, resources, verdict,
	  restarts; enter opens one, esc comes back); the report has a section per target and the
	  fleet's verdict ("3 of 3 pods grow 11-13 MB/h"); exit 2 if a target went away, else
	  --fail-on-growth exits 1 if any leaks. --record, --heap-profile and snapshot take one target.

	Sampling and output
	  --interval D       time between samples (default 1s, at least 100ms); D is 500ms, 30s, 15m, 2h
	  --headless         no screen; automatic when stdout is not a terminal
	  --duration D       time box: detach safely after D (the TUI counts down, warns a minute
	                     before, and + adds 5 minutes); without it, until interrupted
	  --report FILE      write a JSON report when the session ends
	  --json             stream one JSON object per sample to stdout (NDJSON); implies --headless
	  --sampling SIZE    allocation sampling: one sample per SIZE allocated on average
	                     (default 512KiB, as node --heap-prof; 64KiB, 1MiB...; off disables it).
	                     Smaller is finer and costs the target more (bench: see README)
	  --census MODE      automatic listener censuses: on (default) runs them while the target's
	                     event loop is under 7 % busy, always runs them whatever the load, off
	                     never; l still takes one. A census leaves a busy process ~15 % slower
	                     for minutes (it clears V8's inline caches). leaktop demo: always
	  --watch EXPR       read EXPR with every sample, side-effect free (V8 refuses anything that
	                     could change the process); repeatable; numbers and Map/Set/array sizes
	                     get a trend, and the report lists them. In the TUI, : opens the command
	                     line (:watch, :eval, :count, :interval...; :help lists them)
	  --metrics ADDR     serve Prometheus metrics of the session at http://ADDR/metrics (:9464
	                     listens on every interface, 127.0.0.1:9464 on loopback only): the
	                     agent's metrics (README), a target label per target
	  --record FILE      write every sample, event and verdict to FILE as NDJSON as they come
	                     (a killed leaktop loses at most the last line); leaktop report reads it
	  --heap-profile FILE
	                     at the end, write the allocation profile as a .heapprofile file
	                     (Chrome DevTools > Memory > Load opens it)
	  --threshold RATE   floor growth that counts as a leak (default 1MB/h); RATE is 500KB/h, 5MB/min...
	  --fail-on-growth [RATE]
	                     exit 1 when the verdict is a leak, 0 when not (RATE sets --threshold)

	Connection
	  --no-reconnect     exit when the connection drops; by default leaktop keeps the history and
	                     tries again (backoff up to 15 s) for 5 minutes, and tells a restarted
	                     target (new pid or start time) from a dropped port-forward

	Heap snapshots (s in the TUI, or leaktop snapshot)
	  --out DIR          where snapshots are written (default: the current directory)
	  --yes              take a snapshot even when the risk check says it may stall the
	                     target or get it OOM-killed (snapshot command only)

	Snapshot diff (leaktop diff; A is the earlier snapshot)
	  --top N            classes shown, largest size delta first (default 20)
	  --retainers CLASS  the new objects of CLASS that retain the most, with the shortest path
	                     from a GC root (and for Function, what the closure keeps)
	  --json             the comparison as JSON on stdout

	Demo
	  --scenario NAME    listeners, closure, cache, stream or all (default all)

	Other
	  --help             show this help
	  --version          show the version

	Keys: g force GC, b baseline, l listener census, s heap snapshot, d diff the baseline snapshot
	(or two picked with enter in the snapshots panel) with the latest, n arm near-limit snapshot,
	tab next panel, up/down select a row, enter open it (a site's stack, a class's instances),
	i show internals, e export heap profile, esc back or abandon a snapshot or diff, p pause
	view, : command line (:watch EXPR, :eval EXPR, :count EXPR, :interval D...; :help lists
	them), ? help, q or ctrl+c detach and quit.

	Exit codes: 0 done (with --fail-on-growth: no leak), 1 leak (only with --fail-on-growth),
	2 error (bad flags, cannot attach, target went away).
	Warning: an open inspector port lets anyone who reaches it run code in the process.
	Without one: node --import leaktop/agent app.js runs leaktop inside the app and serves
	Prometheus metrics on :9464 (LEAKTOP_METRICS_PORT, LEAKTOP_INTERVAL...; README: the agent).

	Examples
	  $ kubectl port-forward pod/api-7d9 9229:9229 & leaktop --port 9229
	  $ leaktop --headless --duration 2m --report report.json
	  $ leaktop --headless --duration 10m --watch 'sessions.size' --report report.json
	  $ leaktop --headless --duration 5m --sampling 64KiB --heap-profile app.heapprofile
	  $ leaktop --pid 4242
	  $ leaktop demo --scenario cache
	  $ leaktop diff before.heapsnapshot after.heapsnapshot --retainers Map
`;

const flagSpec = {
	host: {type: 'string', default: '127.0.0.1'},
	port: {type: 'string', isMultiple: true},
	url: {type: 'string', isMultiple: true},
	pid: {type: 'string'},
	kube: {type: 'string'},
	namespace: {type: 'string', shortFlag: 'n'},
	context: {type: 'string'},
	remotePort: {type: 'string', default: '9229'},
	openInspector: {type: 'boolean', default: false},
	interval: {type: 'string', default: '1s'},
	headless: {type: 'boolean', default: false},
	duration: {type: 'string'},
	report: {type: 'string'},
	json: {type: 'boolean', default: false},
	sampling: {type: 'string', default: '512KiB'},
	census: {type: 'string'},
	metrics: {type: 'string'},
	heapProfile: {type: 'string'},
	threshold: {type: 'string', default: defaultThreshold},
	failOnGrowth: {type: 'string'},
	record: {type: 'string'},
	watch: {type: 'string', isMultiple: true},
	reconnect: {type: 'boolean', default: true},
	scenario: {type: 'string', default: 'all'},
	out: {type: 'string', default: '.'},
	yes: {type: 'boolean', default: false},
	top: {type: 'string', default: '20'},
	retainers: {type: 'string'},
	help: {type: 'boolean', default: false},
	version: {type: 'boolean', default: false},
} as const;

const commands = ['targets', 'demo', 'snapshot', 'diff', 'report', 'replay'] as const;
type CommandName = (typeof commands)[number] | 'watch';

/** String flags whose value may be left out (`--fail-on-growth` alone uses --threshold). */
const optionalValueFlags = new Set(['fail-on-growth']);

/**
 * Meow reports unknown flags over several lines; leaktop says it in one. A string flag with no
 * value (`--report` last, `--port --json`) is refused too: meow would quietly use the default
 * or an empty string, and `--report` would then write no report at all.
 */
function checkUnknownFlags(argv: readonly string[]): void {
	const kebab = (name: string) => name.replace(/[A-Z]/g, c => `-${c.toLowerCase()}`);
	const specs: Array<[string, {type: string; shortFlag?: string}]> = Object.entries(flagSpec);
	// A short flag (`-n`) is known and needs a value as its long name does.
	const names = specs.flatMap(([name, spec]) => [[kebab(name), spec] as const, ...(spec.shortFlag ? [[spec.shortFlag, spec] as const] : [])]);
	const known = new Set(names.map(([name]) => name));
	const needsValue = new Set(names.filter(([name, spec]) => spec.type === 'string' && !optionalValueFlags.has(name)).map(([name]) => name));
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i]!;
		if (arg === '--') break;
		if (!arg.startsWith('-') || arg === '-') continue;
		const [flag = arg, ...inline] = arg.split('=');
		const name = flag.replace(/^--?/, '').replace(/^no-/, '');
		if (!known.has(name)) throw new UsageError(`unknown flag ${flag} (see leaktop --help)`);
		if (!needsValue.has(name) || flag.startsWith('--no-')) continue;
		const value = inline.length > 0 ? inline.join('=') : argv[i + 1];
		if (value === undefined || value === '' || (inline.length === 0 && value.startsWith('-') && value !== '-')) {
			throw new UsageError(`${flag} needs a value (see leaktop --help)`);
		}
		if (inline.length === 0) i++;
	}
}

function parsePort(text: string): number {
	const port = Number(text);
	if (!/^\d+$/.test(text) || port < 1 || port > 65_535) throw new UsageError(`invalid --port "${text}": must be a number from 1 to 65535`);
	return port;
}

/** `--kube pod/NAME` (a bare NAME is a pod, as kubectl reads it), with its namespace, context and port. */
function parseKube(flags: {kube?: string; namespace?: string; context?: string; remotePort: string}): KubeTarget {
	const resource = flags.kube!.trim();
	if (!/^([a-z]+\/)?[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(resource)) throw new UsageError(`invalid --kube "${flags.kube}": expected pod/NAME, deployment/NAME (each ready pod) or svc/NAME (kubectl picks one pod)`);
	const remotePort = Number(flags.remotePort);
	if (!/^\d+$/.test(flags.remotePort) || remotePort < 1 || remotePort > 65_535) throw new UsageError(`invalid --remote-port "${flags.remotePort}": must be a number from 1 to 65535`);
	return {resource: resource.includes('/') ? resource : `pod/${resource}`, namespace: flags.namespace, context: flags.context, remotePort};
}

/**
 * Several targets (repeated --url/--port, or a Kubernetes workload) make a fleet session; one
 * target is undefined here. Two flags naming the same inspector are a mistake.
 */
function fleetTargets(flags: {kube?: string; namespace?: string; context?: string; remotePort: string; openInspector: boolean}, argv: readonly string[], urls: readonly string[], addresses: ReadonlyArray<{host: string; port: number}>): FleetTargets | undefined {
	if (flags.kube !== undefined) {
		const kube = parseKube(flags);
		return isWorkload(kube.resource) ? {kind: 'workload', kube, openInspector: flags.openInspector} : undefined;
	}
	if (urls.length + addresses.length < 2) return undefined;
	// In the order given: the overview, the report and --json list them so.
	const byPort: NamedTarget[] = addresses.map(address => ({name: `${address.host}:${address.port}`, target: {kind: 'address' as const, address}}));
	const byUrl: NamedTarget[] = urls.map(url => ({name: new URL(url).host, target: {kind: 'url' as const, url}}));
	const targets = argv.flatMap((arg): NamedTarget[] => (/^--port(=|$)/.test(arg) ? [byPort.shift()!] : /^--url(=|$)/.test(arg) ? [byUrl.shift()!] : []));
	const names = targets.map(t => t.name);
	const twice = names.find((name, i) => names.indexOf(name) !== i);
	if (twice !== undefined) throw new UsageError(`${twice} is named twice: each --url and --port is one target`);
	return {kind: 'list', targets};
}

function parseMetrics(text: string): ListenAddress {
	const address = parseListenAddress(text);
	if (!address) throw new UsageError(`invalid --metrics "${text}": use :PORT (every interface) or HOST:PORT, e.g. :9464 or 127.0.0.1:9464`);
	return address;
}

function parsePid(text: string): number {
	const pid = Number(text);
	if (!/^\d+$/.test(text) || pid < 1) throw new UsageError(`invalid --pid "${text}": must be a positive integer`);
	return pid;
}

function isLoopback(host: string): boolean {
	return host === 'localhost' || /^127\./.test(host) || host === '::1' || host === '[::1]';
}

function warn(line: string): void {
	process.stderr.write(`leaktop: ${line}\n`);
}

async function main(argv: string[]): Promise<Outcome> {
	checkUnknownFlags(argv);
	let cli;
	try {
		cli = meow(help, {importMeta: import.meta, argv, flags: flagSpec, autoHelp: false, autoVersion: false, allowUnknownFlags: true});
	} catch (error) {
		// Meow's own validation, e.g. "The flag --port can only be set once."
		const text = (error as Error).message.replace(/\.$/, '');
		throw new UsageError(`${text.charAt(0).toLowerCase()}${text.slice(1)} (see leaktop --help)`);
	}
	const {flags} = cli;
	if (flags.help) {
		process.stdout.write(cli.help.replace(/^\n/, '') + '\n');
		return {exitCode: exitCodes.ok};
	}
	if (flags.version) {
		process.stdout.write(`${cli.pkg.version}\n`);
		return {exitCode: exitCodes.ok};
	}
	const [first, ...rest] = cli.input;
	if (first !== undefined && !(commands as readonly string[]).includes(first)) throw new UsageError(`unknown command "${first}" (commands: ${commands.join(', ')}; see leaktop --help)`);
	const command = (first ?? 'watch') as CommandName;
	if (command === 'diff') return diff(rest, flags);
	if (command === 'report') return report(rest, flags);
	if (command === 'replay') return replay(rest);
	if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}" (see leaktop --help)`);

	const intervalMs = parseInterval(flags.interval);
	const durationMs = flags.duration === undefined ? undefined : parseDuration(flags.duration, 'duration');
	const ports = (flags.port ?? []).map(parsePort);
	const host = flags.host;
	const address = {host, port: ports[0] ?? defaultPort};

	if (command === 'targets') {
		if (ports.length > 1) throw new UsageError('leaktop targets takes one --port');
		const {targets} = await import('./commands/targets.js');
		process.stdout.write(await targets(address, flags.json));
		return {exitCode: exitCodes.ok};
	}

	const headless = flags.headless || flags.json || !process.stdout.isTTY || !process.stdin.isTTY;
	// React's development build costs the TUI about a third more CPU (bench/RESULTS.md).
	if (!headless) process.env.NODE_ENV ??= 'production';
	const samplingIntervalBytes = parseSampling(flags.sampling);
	if (flags.census !== undefined && !isCensusMode(flags.census)) throw new UsageError(`invalid --census "${flags.census}": use ${censusModes.join(', ')}`);
	if (flags.heapProfile !== undefined && samplingIntervalBytes === null) throw new UsageError('--heap-profile needs allocation sampling: drop --sampling off');
	const failOnGrowth = flags.failOnGrowth !== undefined;
	const thresholdBytesPerHour = parseRate(failOnGrowth && flags.failOnGrowth !== '' ? flags.failOnGrowth : flags.threshold, failOnGrowth && flags.failOnGrowth !== '' ? 'fail-on-growth' : 'threshold');
	const base = {
		intervalMs,
		headless,
		json: flags.json,
		durationMs,
		reportPath: flags.report,
		snapshotDir: flags.out,
		census: flags.census ?? 'on',
		heapProfilePath: flags.heapProfile,
		recordPath: flags.record,
		reconnect: flags.reconnect,
		samplingIntervalBytes,
		leaktopVersion: cli.pkg.version ?? '0.0.0',
		verdictOptions: {...defaultVerdictOptions, thresholdBytesPerHour},
		failOnGrowth,
		watches: flags.watch ?? [],
		metrics: flags.metrics === undefined ? undefined : parseMetrics(flags.metrics),
	};

	if (command === 'demo') {
		const {startDemoApp} = await import('./commands/demo.js');
		const app = await startDemoApp(flags.scenario);
		if (headless) warn(`demo app started (pid ${app.pid}, scenario ${flags.scenario})`);
		try {
			// The demo app is leaktop's own: a census cannot hurt it, so its counts stay live whatever its load.
			const census = flags.census ?? 'always';
			return await runSession(async context => (await import('./commands/watch.js')).watch({...base, census, target: {kind: 'url', url: app.webSocketUrl}}, context));
		} finally {
			await app.stop();
		}
	}

	const urls = flags.url ?? [];
	const picked = [...(urls.length > 0 || ports.length > 0 ? [urls.length > 0 ? 'url' : 'port'] : []), ...(['pid', 'kube'] as const).filter(name => flags[name] !== undefined)];
	if (picked.length > 1) throw new UsageError(`--${picked[0]} and --${picked[1]} both name the target: pick one`);
	if (flags.kube === undefined) {
		const kubeOnly = [flags.namespace !== undefined && '--namespace', flags.context !== undefined && '--context', flags.openInspector && '--open-inspector', argv.some(a => a.startsWith('--remote-port')) && '--remote-port'].filter(Boolean);
		if (kubeOnly.length > 0) throw new UsageError(`${kubeOnly[0]} goes with --kube pod/NAME`);
	}
	for (const url of urls) {
		const urlHost = /^wss?:\/\//.test(url) && URL.canParse(url) ? new URL(url).hostname : undefined;
		if (urlHost === undefined) throw new UsageError(`invalid --url "${url}": expected ws://host:port/<id>`);
		if (!isLoopback(urlHost)) warn(`warning: ${urlHost} is not loopback; an open inspector port lets anyone who reaches it run code in the process`);
	}
	const byAddress = ports.length > 0 || (urls.length === 0 && flags.pid === undefined && flags.kube === undefined);
	if (byAddress && !isLoopback(host)) warn(`warning: ${host} is not loopback; an open inspector port lets anyone who reaches it run code in the process`);
	const fleet = fleetTargets(flags, argv, urls, ports.map(port => ({host, port})));
	if (fleet) {
		const oneTarget = [flags.record !== undefined && '--record', flags.heapProfile !== undefined && '--heap-profile', command === 'snapshot' && 'leaktop snapshot'].filter(Boolean);
		if (oneTarget.length > 0) throw new UsageError(`${oneTarget[0]} takes one target: name one pod, --url or --port`);
		return runSession(async context => (await import('./commands/fleet.js')).watchFleet({...base, targets: fleet}, context));
	}
	let target: WatchTarget;
	if (urls.length > 0) target = {kind: 'url', url: urls[0]!};
	else if (flags.pid !== undefined) target = {kind: 'pid', pid: parsePid(flags.pid)};
	else if (flags.kube !== undefined) target = {kind: 'kube', kube: parseKube(flags), openInspector: flags.openInspector};
	else target = {kind: 'address', address};
	if (command === 'snapshot') {
		const {snapshotCommand} = await import('./commands/snapshot.js');
		return runSession(context => snapshotCommand({target, dir: flags.out, yes: flags.yes}, context));
	}
	return runSession(async context => (await import('./commands/watch.js')).watch({...base, target}, context));
}

function parseTop(text: string): number {
	const top = Number(text);
	if (!/^\d+$/.test(text) || top < 1) throw new UsageError(`invalid --top "${text}": must be a positive integer`);
	return top;
}

async function diff(files: string[], flags: {top: string; retainers: string | undefined; json: boolean}): Promise<Outcome> {
	if (files.length !== 2) throw new UsageError(`leaktop diff takes two heap snapshot files, the earlier first (got ${files.length}; see leaktop --help)`);
	const [basePath, nextPath] = files as [string, string];
	const config = {basePath, nextPath, top: parseTop(flags.top), json: flags.json, retainers: flags.retainers, liveProgress: process.stderr.isTTY === true};
	const {diffCommand} = await import('./commands/diff.js');
	return runSession(context => diffCommand(config, context));
}

async function report(files: string[], flags: {report: string | undefined; failOnGrowth: string | undefined; threshold: string}): Promise<Outcome> {
	if (files.length !== 1) throw new UsageError(`leaktop report takes one recording, written by --record (got ${files.length}; see leaktop --help)`);
	const failOnGrowth = flags.failOnGrowth !== undefined;
	const rate = failOnGrowth && flags.failOnGrowth !== '' ? flags.failOnGrowth : flags.threshold === defaultThreshold ? undefined : flags.threshold;
	const config = {
		recordingPath: files[0]!,
		thresholdBytesPerHour: rate === undefined ? undefined : parseRate(rate, failOnGrowth && flags.failOnGrowth !== '' ? 'fail-on-growth' : 'threshold'),
		failOnGrowth,
		reportPath: flags.report,
	};
	const {reportCommand} = await import('./commands/report.js');
	return runSession(context => reportCommand(config, context));
}

async function replay(files: string[]): Promise<Outcome> {
	if (files.length !== 1) throw new UsageError(`leaktop replay takes one recording, written by --record (got ${files.length}; see leaktop --help)`);
	if (!process.stdout.isTTY || !process.stdin.isTTY) throw new UsageError('leaktop replay needs a terminal; leaktop report FILE gives the report of a recording without one');
	process.env.NODE_ENV ??= 'production';
	const {readRecording} = await import('./commands/report.js');
	const recording = await readRecording(files[0]!);
	const {runReplay} = await import('./tui/replay.js');
	return runSession(context => runReplay({recording, signal: context.signal}));
}

/** Signals become a safe detach; a second one during cleanup exits at once. */
async function runSession(run: (context: WatchContext) => Promise<Outcome>): Promise<Outcome> {
	const controller = new AbortController();
	const forceQuit = () => {
		process.stderr.write('leaktop: exiting without finishing cleanup\n');
		process.exit(130);
	};
	const onSignal = (signal: NodeJS.Signals) => {
		if (controller.signal.aborted) forceQuit();
		controller.abort(signal);
	};
	const onFatal = (error: unknown) => {
		process.stderr.write(`leaktop: fatal: ${describeError(error)}\n`);
		process.exitCode = exitCodes.error;
		controller.abort('fatal error');
	};
	const onStdoutError = () => controller.abort('stdout closed');
	const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
	for (const s of signals) process.on(s, onSignal);
	process.on('uncaughtException', onFatal);
	process.on('unhandledRejection', onFatal);
	process.stdout.on('error', onStdoutError);
	try {
		return await run({
			signal: controller.signal,
			onForceQuit: forceQuit,
			status: line => warn(line),
			writeStdout: text => {
				if (!process.stdout.destroyed) process.stdout.write(text);
			},
		});
	} finally {
		for (const s of signals) process.off(s, onSignal);
		process.off('uncaughtException', onFatal);
		process.off('unhandledRejection', onFatal);
		process.stdout.off('error', onStdoutError);
	}
}

try {
	const outcome = await main(process.argv.slice(2));
	if (outcome.message) process.stderr.write(`leaktop: ${outcome.message}\n`);
	process.exitCode = Math.max(outcome.exitCode, Number(process.exitCode ?? 0));
} catch (error) {
	process.stderr.write(`leaktop: ${describeError(error)}\n`);
	if (!(error instanceof LeaktopError)) process.stderr.write('leaktop: this is a bug; please report it with the command you ran\n');
	process.exitCode = exitCodes.error;
}
