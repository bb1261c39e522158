/**
 * The worker thread behind the TUI's snapshot diff: reads and compares the two files with
 * SnapshotComparison, posts progress and the class table, then answers questions about one
 * class until it is terminated. Parsing a large snapshot takes seconds of CPU; here it never
 * holds up the terminal's keys or redraws. Terminating the worker stops everything, mid-read
 * included. Started by snapshot-diff-client.ts only.
 */
import {parentPort, workerData} from 'node:worker_threads';
import {describeError} from './errors.js';
import type {SnapshotEvidence} from './model/findings.js';
import {type ClassInstances, type ComparisonProgress, type ComparisonSummary, SnapshotComparison} from './snapshot-analysis.js';

export interface WorkerInput {
	base: string;
	next: string;
	/** How many classes of the table to post. */
	top: number;
}

export type WorkerRequest = {type: 'instances'; id: number; key: string; limit: number};

export type WorkerMessage =
	| {type: 'progress'; progress: ComparisonProgress}
	| {type: 'summary'; summary: ComparisonSummary}
	/** After the summary: what holds the new objects, for the findings. */
	| {type: 'evidence'; evidence: SnapshotEvidence | null}
	| {type: 'failed'; message: string}
	| {type: 'instances'; id: number; instances: ClassInstances | null}
	| {type: 'instances-failed'; id: number; message: string};

/** Errors travel as one line: the TUI shows them in its log. */
const oneLine = (error: unknown) => describeError(error).split('\n')[0]!;

if (!parentPort) throw new Error('snapshot-worker.js runs in a worker thread (see snapshot-diff-client.ts)');
const port = parentPort;
const post = (message: WorkerMessage) => port.postMessage(message);
const {base, next, top} = workerData as WorkerInput;

// A read reports every chunk (1 MB); the terminal needs a new figure only when a file's percent moves.
const shown = {base: -1, next: -1};
const onProgress = (progress: ComparisonProgress) => {
	if (progress.stage === 'reading') {
		const percent = Math.floor((100 * progress.bytesRead) / Math.max(1, progress.totalBytes));
		if (percent === shown[progress.file]) return;
		shown[progress.file] = percent;
	}
	post({type: 'progress', progress});
};

const opened = SnapshotComparison.open(base, next, {onProgress});
// Questions may arrive while the files are still being read: each waits for the comparison.
port.on('message', async (request: WorkerRequest) => {
	try {
		const comparison = await opened;
		post({type: 'instances', id: request.id, instances: comparison.instances(request.key, request.limit)});
	} catch (error) {
		post({type: 'instances-failed', id: request.id, message: oneLine(error)});
	}
});
try {
	const comparison = await opened;
	post({type: 'summary', summary: comparison.summary(top)});
	post({type: 'evidence', evidence: comparison.holderEvidence()});
} catch (error) {
	post({type: 'failed', message: oneLine(error)});
}
