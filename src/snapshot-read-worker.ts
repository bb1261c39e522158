/**
 * A worker thread that reads one heap snapshot file and posts it back as transferable typed
 * arrays: lets `leaktop diff` read its two files on two cores at once.
 */
import {parentPort, workerData} from 'node:worker_threads';
import {snapshotParts} from './model/heap-snapshot/parser.js';
import {readHeapSnapshot} from './snapshot-reader.js';

export type ReadWorkerMessage =
	| {type: 'progress'; bytesRead: number; totalBytes: number}
	| {type: 'done'; parts: ReturnType<typeof snapshotParts>['parts']}
	| {type: 'error'; name: string; message: string};

const port = parentPort!;
const {path} = workerData as {path: string};
const post = (message: ReadWorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

try {
	const snapshot = await readHeapSnapshot(path, {onProgress: (bytesRead, totalBytes) => post({type: 'progress', bytesRead, totalBytes})});
	const {parts, transfer} = snapshotParts(snapshot);
	post({type: 'done', parts}, transfer);
} catch (error) {
	post({type: 'error', name: (error as Error).name ?? 'Error', message: (error as Error).message ?? String(error)});
}
