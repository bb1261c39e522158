import {mkdtemp, rm, stat} from 'node:fs/promises';
import {join} from 'node:path';
import {OutputError} from '../errors.js';
import {describeWriteError} from '../output.js';
import {formatBytes, formatCost} from '../model/format.js';
import type {Event} from '../model/state.js';
import {progressFraction} from '../model/snapshots-state.js';
import {describeEstimate} from '../model/snapshot-risk.js';
import {exitCodes, type Outcome} from '../outcome.js';
import {takeSnapshot} from '../snapshot-flow.js';
import {attachTarget, type WatchTarget} from './attach.js';
import type {WatchContext} from './watch.js';

export interface SnapshotConfig {
	target: WatchTarget;
	/** Directory the snapshot is written to. */
	dir: string;
	/** Take it even when the pre-flight says it is risky. */
	yes: boolean;
}

/** A directory that cannot take the file is found out before the target is stopped for it. */
async function assertDirWritable(dir: string): Promise<void> {
	try {
		if (!(await stat(dir)).isDirectory()) throw Object.assign(new Error('not a directory'), {code: 'ENOTDIR'});
		await rm(await mkdtemp(join(dir, '.leaktop-check-')), {recursive: true});
	} catch (error) {
		throw new OutputError(`cannot write heap snapshots to ${dir}: ${describeWriteError(error)}`);
	}
}

/** Progress on stderr: a line at each tenth, so a log shows it moving without flooding. */
function progressReporter(status: (line: string) => void): (event: Event) => void {
	let lastTenth = -1;
	let expectedFileBytes: number | null = null;
	return event => {
		if (event.type === 'snapshot-estimate') expectedFileBytes = event.estimate.fileBytes;
		if (event.type !== 'snapshot-progress') return;
		const {progress} = event;
		const tenth = Math.floor(progressFraction(progress, expectedFileBytes) * 10);
		if (tenth <= lastTenth) return;
		lastTenth = tenth;
		status(`snapshot ${tenth * 10}%: ${progress.phase === 'building' ? `building (${progress.done}/${progress.total})` : `writing (${formatBytes(progress.bytes)})`}`);
	};
}

/**
 * `leaktop snapshot`: one heap snapshot, headless. The estimate goes to stderr; a risky one is
 * refused unless `--yes`; the file's path goes to stdout. A signal abandons it.
 */
export async function snapshotCommand(config: SnapshotConfig, context: WatchContext): Promise<Outcome> {
	await assertDirWritable(config.dir);
	const report = progressReporter(context.status);
	const {monitor, store, release} = await attachTarget(config.target, {historySize: 10, monitor: {intervalMs: 1000}});
	const target = store.getState().target;
	if (target) context.status(`attached to pid ${target.pid} (node ${target.nodeVersion}) at ${target.address}`);
	const abandon = new AbortController();
	const onAbort = () => abandon.abort();
	context.signal.addEventListener('abort', onAbort, {once: true});
	try {
		const outcome = await takeSnapshot({
			monitor,
			dispatch(event) {
				store.dispatch(event);
				report(event);
				if (event.type === 'snapshot-estimate') context.status(`heap snapshot estimate: ${describeEstimate(event.estimate)}`);
			},
			target,
			dir: config.dir,
			objectCount: null,
			confirm: async () => config.yes,
			signal: abandon.signal,
		});
		switch (outcome.kind) {
			case 'written': {
				const {snapshot} = outcome;
				context.writeStdout(`${snapshot.path}\n`);
				context.status(`heap snapshot written: ${snapshot.path} (${formatBytes(snapshot.bytes)}); the target paused ${formatCost(snapshot.pauseMs)}`);
				return {exitCode: exitCodes.ok};
			}
			case 'declined':
				return {exitCode: exitCodes.error, message: `refusing a risky heap snapshot: ${outcome.estimate?.reasons.join('; ')}; pass --yes to take it anyway`};
			case 'abandoned':
				return {exitCode: exitCodes.error, message: outcome.reason};
			case 'failed':
				return {exitCode: exitCodes.error, message: outcome.message};
		}
		return outcome satisfies never;
	} finally {
		context.signal.removeEventListener('abort', onAbort);
		await monitor.stop('snapshot done');
		await release?.();
	}
}
