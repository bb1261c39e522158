/**
 * A worker thread that reads one heap snapshot file and posts it back as transferable typed
 * arrays: lets `leaktop diff` read its two files on two cores at once. With `diffBase`, it also
 * does the diff's passes over the (earlier) snapshot's edges and posts back the rest without
 * them: the edges, half a snapshot's memory, go with the thread.
 */
import {parentPort, workerData} from 'node:worker_threads';
import {prepareDiffBase} from './model/heap-snapshot/diff.js';
import type {PreparedClasses} from './model/heap-snapshot/classes.js';
import {partsWithoutEdges, snapshotParts} from './model/heap-snapshot/parser.js';
import {readHeapSnapshot} from './snapshot-reader.js';

export type ReadWorkerMessage =
	| {type: 'progress'; bytesRead: number; totalBytes: number}
	| {type: 'done'; parts: ReturnType<typeof snapshotParts>['parts']}
	| {type: 'diffBase'; parts: ReturnType<typeof partsWithoutEdges>['parts']; prepared: PreparedClasses}
	| {type: 'error'; name: string; message: string};

export interface ReadWorkerData {
	path: string;
	diffBase: boolean;
}

const port = parentPort!;
const {path, diffBase} = workerData as ReadWorkerData;
const post = (message: ReadWorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

try {
	const snapshot = await readHeapSnapshot(path, {onProgress: (bytesRead, totalBytes) => post({type: 'progress', bytesRead, totalBytes})});
	if (diffBase) {
		const {snapshot: withoutEdges, prepared} = prepareDiffBase(snapshot);
		const {parts, transfer} = partsWithoutEdges(withoutEdges);
		const {classOf, selfSizes, detached, shapes} = prepared;
		const arrays = [classOf, selfSizes, shapes.pool, shapes.starts, ...(detached ? [detached] : [])];
		post({type: 'diffBase', parts, prepared}, [...new Set([...transfer, ...arrays.map(array => array.buffer as ArrayBuffer)])]);
	} else {
		const {parts, transfer} = snapshotParts(snapshot);
		post({type: 'done', parts}, transfer);
	}
} catch (error) {
	post({type: 'error', name: (error as Error).name ?? 'Error', message: (error as Error).message ?? String(error)});
}
