/**
 * A worker thread that reads the earlier heap snapshot of a diff, does the diff's passes over
 * its edges, and posts back the rest as transferable typed arrays: `leaktop diff` reads its two
 * files on two cores at once, and the edges, half a snapshot's memory, go with the thread.
 */
import {parentPort, workerData} from 'node:worker_threads';
import {prepareDiffBase} from './model/heap-snapshot/diff.js';
import type {PreparedClasses} from './model/heap-snapshot/classes.js';
import {partsWithoutEdges} from './model/heap-snapshot/parser.js';
import {readHeapSnapshot} from './snapshot-reader.js';

export type ReadWorkerMessage =
	| {type: 'progress'; bytesRead: number; totalBytes: number}
	| {type: 'diffBase'; parts: ReturnType<typeof partsWithoutEdges>['parts']; prepared: PreparedClasses}
	| {type: 'error'; name: string; message: string};

export interface ReadWorkerData {
	path: string;
}

const port = parentPort!;
const {path} = workerData as ReadWorkerData;
const post = (message: ReadWorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

try {
	const snapshot = await readHeapSnapshot(path, {onProgress: (bytesRead, totalBytes) => post({type: 'progress', bytesRead, totalBytes})});
	const {snapshot: withoutEdges, prepared} = prepareDiffBase(snapshot);
	const {parts, transfer} = partsWithoutEdges(withoutEdges);
	const {classOf, selfSizes, detached, shapes} = prepared;
	const arrays = [classOf, selfSizes, shapes.pool, shapes.starts, ...(detached ? [detached] : [])];
	post({type: 'diffBase', parts, prepared}, [...new Set([...transfer, ...arrays.map(array => array.buffer as ArrayBuffer)])]);
} catch (error) {
	post({type: 'error', name: (error as Error).name ?? 'Error', message: (error as Error).message ?? String(error)});
}
