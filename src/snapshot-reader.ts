/**
 * Reads a `.heapsnapshot` file into a HeapSnapshot: fixed-size chunks into one reused buffer,
 * straight into the streaming parser, so leaktop's memory is the parsed arrays and one chunk,
 * never the file's text. Every failure is one line that names the file.
 */
import {type FileHandle, open} from 'node:fs/promises';
import {Worker} from 'node:worker_threads';
import {LeaktopError} from './errors.js';
import type {DiffBase} from './model/heap-snapshot/diff.js';
import {createSnapshotParser, type SnapshotHeader, type SnapshotParser, snapshotWithoutEdgesFromParts} from './model/heap-snapshot/parser.js';
import type {ReadWorkerData, ReadWorkerMessage} from './snapshot-read-worker.js';
import {type HeapSnapshot, SnapshotFormatError} from './model/heap-snapshot/snapshot.js';

export interface ReadOptions {
	/** After each chunk: bytes read so far and the file's size when it was opened. */
	onProgress?: (bytesRead: number, totalBytes: number) => void;
	/** Aborting closes the file and rejects with SnapshotReadAbortedError. */
	signal?: AbortSignal;
	chunkBytes?: number;
}

/** The file cannot be opened or read (missing, a directory, no permission, empty). */
export class SnapshotFileError extends LeaktopError {
	override readonly name: string = 'SnapshotFileError';
}

/** The caller aborted the read. */
export class SnapshotReadAbortedError extends SnapshotFileError {
	override readonly name: string = 'SnapshotReadAbortedError';
}

const defaultChunkBytes = 1 << 20;

const reasons: Record<string, string> = {
	ENOENT: 'no such file',
	EACCES: 'permission denied',
	EPERM: 'operation not permitted',
	ENOTDIR: 'a part of the path is not a directory',
	ELOOP: 'too many symbolic links',
	EMFILE: 'too many open files',
	EIO: 'an input/output error',
};

function fileError(path: string, error: unknown): SnapshotFileError {
	const code = (error as NodeJS.ErrnoException).code ?? '';
	if (code === 'EISDIR') return new SnapshotFileError(`${path} is a directory, not a heap snapshot`);
	const reason = reasons[code] ?? (error as Error).message.split('\n')[0];
	return new SnapshotFileError(`cannot read ${path}: ${reason}`);
}

export async function readHeapSnapshot(path: string, options: ReadOptions = {}): Promise<HeapSnapshot> {
	let snapshot: HeapSnapshot | null = null;
	await readInto(path, options, parser => {
		snapshot = parser.finish();
	});
	return snapshot!;
}

/** Errors a worker can only send as name and message, made again as what they were. */
const errorClasses: Record<string, new (message: string) => Error> = {
	SnapshotFormatError,
	SnapshotFileError,
	SnapshotReadAbortedError,
	LeaktopError,
};

/**
 * readHeapSnapshot on a worker thread, then prepareDiffBase there: what a diff needs of the
 * earlier snapshot, without its edges, which never leave the thread and go when it ends. The
 * other arrays are moved back, not copied; errors are those of readHeapSnapshot. Aborting
 * terminates the thread.
 */
export function readDiffBaseInWorker(path: string, {onProgress, signal}: Omit<ReadOptions, 'chunkBytes'> = {}): Promise<DiffBase> {
	if (signal?.aborted) return Promise.reject(new SnapshotReadAbortedError(`reading ${path} was cancelled`));
	return new Promise((resolve, reject) => {
		const workerData: ReadWorkerData = {path};
		const worker = new Worker(new URL('snapshot-read-worker.js', import.meta.url), {workerData});
		// Settles once the thread is gone, so nothing of it (its file, its memory) outlives the call.
		let settled = false;
		const settle = (finish: () => void) => {
			if (settled) return;
			settled = true;
			signal?.removeEventListener('abort', onAbort);
			void worker.terminate().then(finish, finish);
		};
		const onAbort = () => settle(() => reject(new SnapshotReadAbortedError(`reading ${path} was cancelled`)));
		signal?.addEventListener('abort', onAbort, {once: true});
		worker.on('message', (message: ReadWorkerMessage) => {
			if (message.type === 'progress') onProgress?.(message.bytesRead, message.totalBytes);
			else if (message.type === 'error') settle(() => reject(new (errorClasses[message.name] ?? Error)(message.message)));
			else settle(() => resolve({snapshot: snapshotWithoutEdgesFromParts(message.parts), prepared: message.prepared}));
		});
		worker.on('error', error => settle(() => reject(error)));
		worker.on('exit', code => settle(() => reject(new Error(`the snapshot reader thread exited (code ${code}) before it finished ${path}`))));
	});
}

/**
 * Reads only as far as the header (`snapshot.meta`, node and edge counts): enough to tell a
 * heap snapshot from anything else, or to size the work, without reading the rest.
 */
export async function readSnapshotHeader(path: string, options: Omit<ReadOptions, 'onProgress'> = {}): Promise<SnapshotHeader> {
	let header: SnapshotHeader | null = null;
	await readInto(path, {chunkBytes: 64 << 10, ...options, stopWhen: parser => parser.header !== null}, parser => {
		header = parser.header;
		// The file ended before its header did: finish() says how.
		if (header === null) parser.finish();
	});
	return header!;
}

interface ReadIntoOptions extends ReadOptions {
	/** Checked after each chunk: true stops reading early. */
	stopWhen?: (parser: SnapshotParser) => boolean;
}

async function readInto(path: string, {onProgress, signal, chunkBytes = defaultChunkBytes, stopWhen}: ReadIntoOptions, done: (parser: SnapshotParser) => void): Promise<void> {
	if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1) throw new RangeError(`chunkBytes must be a positive integer, not ${chunkBytes}`);
	const aborted = () => new SnapshotReadAbortedError(`reading ${path} was cancelled`);
	if (signal?.aborted) throw aborted();
	let file: FileHandle;
	try {
		file = await open(path, 'r');
	} catch (error) {
		throw fileError(path, error);
	}
	try {
		let totalBytes: number;
		try {
			const stats = await file.stat();
			// Opening a directory for reading succeeds on Linux; only reading it fails.
			if (stats.isDirectory()) throw Object.assign(new Error('directory'), {code: 'EISDIR'});
			totalBytes = stats.size;
		} catch (error) {
			throw fileError(path, error);
		}
		// Some files report a size of 0 and still have content (/proc, pipes): the size is only a hint.
		const parser = createSnapshotParser(totalBytes > 0 ? {totalBytes} : {});
		const buffer = new Uint8Array(chunkBytes);
		let bytesRead = 0;
		for (;;) {
			if (signal?.aborted) throw aborted();
			let count: number;
			try {
				({bytesRead: count} = await file.read(buffer, 0, buffer.length, null));
			} catch (error) {
				throw fileError(path, error);
			}
			if (signal?.aborted) throw aborted();
			if (count === 0) break;
			bytesRead += count;
			parser.feed(buffer.subarray(0, count));
			onProgress?.(bytesRead, totalBytes);
			if (stopWhen?.(parser)) break;
		}
		if (bytesRead === 0) throw new SnapshotFileError(`${path} is empty, not a heap snapshot`);
		done(parser);
	} catch (error) {
		if (error instanceof SnapshotFormatError) throw new SnapshotFormatError(`${path}: ${error.message}`);
		throw error;
	} finally {
		await file.close();
	}
}
