/**
 * Runs a snapshot diff in a worker thread (snapshot-worker.ts) for the TUI: progress as it
 * reads, the class table, then the instances of one class on demand. Every start has a stop:
 * it terminates the thread, which frees the parsed snapshot and leaves nothing to keep the
 * process alive. Failures of any kind reach the caller as one-line SnapshotDiffErrors.
 */
import {Worker} from 'node:worker_threads';
import {LeaktopError} from './errors.js';
import type {SnapshotEvidence} from './model/findings.js';
import type {ClassInstances, ComparisonProgress, ComparisonSummary} from './snapshot-analysis.js';
import type {WorkerInput, WorkerMessage, WorkerRequest} from './snapshot-worker.js';

/** The diff could not be made (a file unreadable or not a snapshot, the worker died); the message is one line. */
export class SnapshotDiffError extends LeaktopError {
	override readonly name: string = 'SnapshotDiffError';
}

/** stop() was called before the answer came. */
export class SnapshotDiffStoppedError extends SnapshotDiffError {
	override readonly name: string = 'SnapshotDiffStoppedError';
}

export interface DiffOptions {
	onProgress?: (progress: ComparisonProgress) => void;
	/** How many classes the summary holds, largest size delta first; default all. */
	top?: number;
	/** After the summary: what holds the new objects of the class that grew most (the findings' evidence). */
	onEvidence?: (evidence: SnapshotEvidence | null) => void;
}

export interface DiffRun {
	/** The class table; rejects with a SnapshotDiffError. */
	readonly summary: Promise<ComparisonSummary>;
	/** The new instances of a class (by its row key, or its name) with their retainer paths; null when it has none. */
	instances(key: string, limit?: number): Promise<ClassInstances | null>;
	/** Terminates the worker; pending answers reject with SnapshotDiffStoppedError. Safe to call more than once. */
	stop(): Promise<void>;
}

const workerUrl = new URL('./snapshot-worker.js', import.meta.url);

export function startDiff(base: string, next: string, {onProgress, onEvidence, top = Number.POSITIVE_INFINITY}: DiffOptions = {}): DiffRun {
	const worker = new Worker(workerUrl, {workerData: {base, next, top} satisfies WorkerInput});
	let resolveSummary!: (summary: ComparisonSummary) => void;
	let rejectSummary!: (error: SnapshotDiffError) => void;
	const summary = new Promise<ComparisonSummary>((resolve, reject) => {
		resolveSummary = resolve;
		rejectSummary = reject;
	});
	// A caller that only stops, never awaiting the summary, must not meet an unhandled rejection.
	summary.catch(() => undefined);
	const pending = new Map<number, {resolve: (instances: ClassInstances | null) => void; reject: (error: SnapshotDiffError) => void}>();
	let nextId = 0;
	let ended: SnapshotDiffError | null = null;

	/** Settles everything still waiting: the worker is gone or useless. */
	const end = (error: SnapshotDiffError) => {
		if (ended) return;
		ended = error;
		rejectSummary(error);
		for (const {reject} of pending.values()) reject(error);
		pending.clear();
	};

	worker.on('message', (message: WorkerMessage) => {
		switch (message.type) {
			case 'progress':
				return onProgress?.(message.progress);
			case 'summary':
				return resolveSummary(message.summary);
			case 'evidence':
				return onEvidence?.(message.evidence);
			case 'failed':
				end(new SnapshotDiffError(message.message));
				// Nothing more to ask a worker that could not read the files.
				return void worker.terminate();
			case 'instances':
			case 'instances-failed': {
				const request = pending.get(message.id);
				pending.delete(message.id);
				if (message.type === 'instances') request?.resolve(message.instances);
				else request?.reject(new SnapshotDiffError(message.message));
			}
		}
	});
	// An uncaught error in the worker (out of memory included), then its exit.
	worker.on('error', error => end(new SnapshotDiffError(`the snapshot diff worker failed: ${error.message.split('\n')[0]}`)));
	worker.on('exit', code => end(new SnapshotDiffError(`the snapshot diff worker exited (code ${code})`)));

	return {
		summary,
		instances(key, limit = 10) {
			if (ended) return Promise.reject(ended);
			const id = nextId++;
			return new Promise((resolve, reject) => {
				pending.set(id, {resolve, reject});
				worker.postMessage({type: 'instances', id, key, limit} satisfies WorkerRequest);
			});
		},
		async stop() {
			end(new SnapshotDiffStoppedError('the snapshot diff was stopped'));
			await worker.terminate();
		},
	};
}
