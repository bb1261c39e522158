/**
 * Several targets in one session: `--kube deployment/NAME` (each ready pod) or repeated
 * `--url`/`--port`. One monitor and one store per target, attached at once; the TUI opens on an
 * overview table, the report holds a section per target under the fleet's verdict.
 */
import {ConnectError, describeError, UsageError} from '../errors.js';
import {type SessionTarget, runHeadless, sampleLine} from '../headless.js';
import {type SessionMetrics, withSessionMetrics} from './metrics.js';
import type {KubeTarget} from '../kube/kubectl.js';
import {readyPods} from '../kube/pods.js';
import {buildFleetReport, type FleetMember, fleetRows, fleetSummary} from '../model/fleet-report.js';
import {fleetVerdict} from '../model/fleet.js';
import {computeVerdict} from '../model/verdict.js';
import {assertWritable, writeOutputFile} from '../output.js';
import {exitCodes, type Outcome} from '../outcome.js';
import {type Attached, attachTarget, type WatchTarget} from './attach.js';
import {historySize, monitorOptions, type WatchConfig, type WatchContext} from './watch.js';

export interface NamedTarget {
	name: string;
	target: WatchTarget;
}

/** The targets as named on the command line, or a Kubernetes workload whose ready pods they are. */
export type FleetTargets = {kind: 'list'; targets: NamedTarget[]} | {kind: 'workload'; kube: KubeTarget; openInspector: boolean; kubectl?: string};

export interface FleetConfig extends Omit<WatchConfig, 'target' | 'heapProfilePath' | 'recordPath'> {
	targets: FleetTargets;
}

interface Member extends Attached {
	name: string;
}

/** `deployment/api -n prod: 3 pods`, `3 targets`: the overview's title and the summary's. */
function describeTargets(targets: FleetTargets, count: number): {title: string; noun: string} {
	if (targets.kind === 'list') return {title: `${count} targets`, noun: 'targets'};
	const {resource, namespace} = targets.kube;
	return {title: `${resource}${namespace ? ` -n ${namespace}` : ''}: ${count} pod${count === 1 ? '' : 's'}`, noun: 'pods'};
}

async function resolveTargets(targets: FleetTargets, signal: AbortSignal): Promise<NamedTarget[]> {
	if (targets.kind === 'list') return targets.targets;
	const pods = await readyPods(targets.kube, {kubectl: targets.kubectl, signal});
	return pods.map(pod => ({name: pod, target: {kind: 'kube', kube: {...targets.kube, resource: pod}, openInspector: targets.openInspector, kubectl: targets.kubectl}}));
}

/** Attaches to every target at once; if any cannot be attached, ends the others and says which. */
async function attachAll(named: readonly NamedTarget[], config: FleetConfig, context: WatchContext): Promise<Member[]> {
	const settled = await Promise.allSettled(
		named.map(async ({name, target}) => {
			const attached = await attachTarget(target, {
				historySize: historySize(config),
				monitor: monitorOptions(config),
				onEvent(event) {
					const line = config.json ? sampleLine(event, name) : undefined;
					if (line) context.writeStdout(line);
				},
			});
			// A pod gone for good (a rollout deleted it) must not keep kubectl restarting till the session ends.
			void attached.monitor.done.then(() => {
				if (attached.monitor.endedByTarget) void attached.release?.();
			});
			return {name, ...attached};
		}),
	);
	const members = settled.flatMap(s => (s.status === 'fulfilled' ? [s.value] : []));
	const failures = settled.flatMap((s, i) => (s.status === 'rejected' ? [{name: named[i]!.name, error: s.reason as unknown}] : []));
	if (failures.length === 0) {
		// Pods are separate processes by construction (and each port-forward can only reach its own).
		const twice = config.targets.kind === 'list' ? sameProcess(members) : undefined;
		if (!twice) return members;
		await endAll(members, 'the same process was named twice');
		throw new UsageError(twice);
	}
	await endAll(members, 'another target could not be attached');
	const [first] = failures;
	const more = failures.length > 1 ? ` (${failures.length - 1} more could not be attached either)` : '';
	const message = `${first!.name}: ${describeError(first!.error)}${more}`;
	// The error keeps its class (a usage error stays one); its message names the target.
	if (first!.error instanceof Error) {
		first!.error.message = message;
		throw first!.error;
	}
	throw new ConnectError(message);
}

/**
 * `--port 9229 --url ws://localhost:9229/...` names one process twice: two monitors would double
 * the sampling, the censuses and the audit. Pods all run as pid 1, but each on its own host.
 */
function sameProcess(members: readonly Member[]): string | undefined {
	const seen = new Map<string, string>();
	for (const {name, store} of members) {
		const target = store.getState().target;
		if (!target) continue;
		const key = `${target.hostname} ${target.pid}`;
		const first = seen.get(key);
		if (first !== undefined) return `${first} and ${name} are the same process (pid ${target.pid} on ${target.hostname}): name it once`;
		seen.set(key, name);
	}
	return undefined;
}

async function endAll(members: readonly Member[], reason: string): Promise<void> {
	await Promise.all(members.map(m => m.monitor.stop(reason)));
	await Promise.all(members.map(m => m.release?.()));
}

export async function watchFleet(config: FleetConfig, context: WatchContext): Promise<Outcome> {
	const startedAt = Date.now();
	if (config.reportPath) await assertWritable(config.reportPath, 'the report');
	const tui = config.headless ? undefined : import('../tui/fleet.js');
	tui?.catch(() => undefined);
	return withSessionMetrics(config.metrics, config.verdictOptions, context.status, metrics => attachAndWatch(config, context, startedAt, tui, metrics));
}

async function attachAndWatch(config: FleetConfig, context: WatchContext, startedAt: number, tui: Promise<typeof import('../tui/fleet.js')> | undefined, metrics: SessionMetrics | undefined): Promise<Outcome> {
	const named = await resolveTargets(config.targets, context.signal);
	const {title, noun} = describeTargets(config.targets, named.length);
	const members = await attachAll(named, config, context);
	metrics?.serve(members.map(({name, store, monitor}) => ({name, store, monitor})));
	try {
		for (const expression of config.watches) {
			await Promise.all(members.map(m => m.monitor.addWatch(expression))).catch((error: unknown) => {
				throw new UsageError(`--watch ${JSON.stringify(expression)}: ${describeError(error)}`);
			});
		}
		return await session(config, context, members, {title, noun, startedAt}, tui);
	} catch (error) {
		await Promise.all(members.map(m => m.monitor.stop('error')));
		throw error;
	} finally {
		await Promise.all(members.map(m => m.release?.()));
	}
}

async function session(config: FleetConfig, context: WatchContext, members: readonly Member[], meta: {title: string; noun: string; startedAt: number}, tui: Promise<typeof import('../tui/fleet.js')> | undefined): Promise<Outcome> {
	const targets: SessionTarget[] = members.map(m => ({name: m.name, monitor: m.monitor}));
	let outcome: Outcome;
	if (config.headless) {
		context.status(`attached to ${meta.title}: ${members.map(m => `${m.name} (pid ${m.store.getState().target?.pid ?? '?'})`).join(', ')}; sampling every ${config.intervalMs} ms${config.durationMs === undefined ? ' until interrupted' : ` for ${config.durationMs / 1000}s`}`);
		outcome = await runHeadless({targets, signal: context.signal, durationMs: config.durationMs, finalCensus: config.census !== 'off'});
	} else {
		const {runFleetTui} = await tui!;
		outcome = await runFleetTui({title: meta.title, noun: meta.noun, members, signal: context.signal, onForceQuit: context.onForceQuit, verdictOptions: config.verdictOptions, snapshotDir: config.snapshotDir, durationMs: config.durationMs});
	}
	const endedAt = Date.now();
	const final: FleetMember[] = members.map(m => ({name: m.name, state: m.store.getState(), verdict: computeVerdict(m.store.getState(), config.verdictOptions)}));
	const files: string[] = [];
	if (config.reportPath) {
		const report = buildFleetReport(final, {leaktopVersion: config.leaktopVersion, startedAt: meta.startedAt, endedAt, intervalMs: config.intervalMs, verdictOptions: config.verdictOptions, title: meta.title, noun: meta.noun});
		await writeOutputFile(config.reportPath, `${JSON.stringify(report, null, 2)}\n`, 'the report');
		context.status(`report written to ${config.reportPath} (${report.targets.length} targets)`);
		files.push(config.reportPath);
	}
	for (const line of fleetSummary(final, {startedAt: meta.startedAt, endedAt, title: meta.title, noun: meta.noun, files})) context.status(line);
	const fleet = fleetVerdict(fleetRows(final), meta.noun);
	if (config.failOnGrowth && outcome.exitCode === exitCodes.ok && fleet.leak) return {exitCode: exitCodes.leak};
	return outcome;
}
