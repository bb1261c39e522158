/**
 * A heap snapshot taken over CDP and streamed to disk as it arrives: every chunk goes straight
 * into a `.part` file (mode 0600: snapshots hold the target's secrets), which is renamed only
 * once the target has answered. leaktop never holds the snapshot, so its own memory stays flat
 * however large the heap. The target cannot be interrupted once it has started: abandoning,
 * a full disk or a lost connection stop the writing and remove the partial file, nothing more.
 */
import {closeSync, fchmodSync, lstatSync, openSync, renameSync, unlinkSync, writeSync} from 'node:fs';
import {describeError, LeaktopError, TimeoutError} from '../errors.js';
import {formatCost} from '../model/format.js';
import {describeWriteError} from '../output.js';
import type {InspectorSession} from './session.js';

export type SnapshotProgress =
	/** From `HeapProfiler.reportHeapSnapshotProgress`: objects walked so far while V8 builds it. */
	| {phase: 'building'; done: number; total: number}
	/** Bytes written to the `.part` file so far. */
	| {phase: 'writing'; bytes: number};

export interface CaptureOptions {
	/** Final path; chunks go to `${path}.part` (mode 0600, created exclusively) and it is renamed at the end. */
	path: string;
	onProgress?: (progress: SnapshotProgress) => void;
	/** Aborting abandons: stop writing, delete the .part file; the promise then rejects with SnapshotAbandonedError once the target has finished (it cannot be interrupted). */
	signal?: AbortSignal;
	/** Deadline for the whole capture (default generous: 30 min); on expiry the partial is removed and a SnapshotError says so. */
	timeoutMs?: number;
}

export interface CapturedSnapshot {
	path: string;
	bytes: number;
	/** From the takeHeapSnapshot request to its answer: the time the target's main thread was stopped. */
	pauseMs: number;
	/** From the snapshot header (snapshot.node_count / edge_count), parsed from the first chunks; null if not found. */
	nodeCount: number | null;
	edgeCount: number | null;
}

/** A capture that failed; the message is one line and says what became of the partial file. */
export class SnapshotError extends LeaktopError {
	override readonly name: string = 'SnapshotError';
}

/** The user abandoned the capture (or leaktop detached during it). */
export class SnapshotAbandonedError extends SnapshotError {
	override readonly name: string = 'SnapshotAbandonedError';
}

export const defaultCaptureTimeoutMs = 30 * 60_000;

/** The header (`{"snapshot":{"meta":{...},"node_count":N,"edge_count":M,...}`) is read from at most this much text. */
const headerLimitChars = 1 << 20;

export const goneMessage = 'the target went away during the heap snapshot (it likely ran out of memory: a snapshot needs several times the heap); the partial file was removed';
export const abandonedMessage = 'heap snapshot abandoned: the partial file was removed (the target still finished its pause)';

/** Sessions with a capture running: the target takes one snapshot at a time anyway. */
const capturing = new WeakSet<InspectorSession>();
/**
 * Sessions whose last capture timed out: the target may still be sending that snapshot, and
 * its chunks must not end up in the next file.
 */
const timedOut = new WeakSet<InspectorSession>();
const barrierTimeoutMs = 2000;

/** Single-flight per session: a second call while one runs rejects at once with SnapshotError('a heap snapshot is already being taken'). */
export async function captureSnapshot(session: InspectorSession, options: CaptureOptions): Promise<CapturedSnapshot> {
	if (capturing.has(session)) throw new SnapshotError('a heap snapshot is already being taken');
	capturing.add(session);
	try {
		if (timedOut.has(session) && !session.closed) await awaitPreviousSnapshot(session);
		return await capture(session, options);
	} finally {
		capturing.delete(session);
	}
}

/**
 * The target answers calls in order, on its main thread: once a cheap call comes back, the
 * snapshot that timed out is over and all its chunks have gone by.
 */
async function awaitPreviousSnapshot(session: InspectorSession): Promise<void> {
	try {
		await session.send('Runtime.getHeapUsage', undefined, barrierTimeoutMs);
		timedOut.delete(session);
	} catch (error) {
		if (error instanceof TimeoutError) throw new SnapshotError('the target is still busy with the heap snapshot that timed out; try again later');
		throw new SnapshotError(`cannot take a heap snapshot: ${describeError(error)}`);
	}
}

/**
 * Reads node_count and edge_count from the first chunks of a snapshot, in whatever pieces they
 * come, holding at most `headerLimitChars` of text and nothing once they are found.
 */
export class SnapshotHeaderReader {
	#text = '';
	#done = false;
	nodeCount: number | null = null;
	edgeCount: number | null = null;

	add(chunk: string): void {
		if (this.#done) return;
		this.#text += chunk.length > headerLimitChars - this.#text.length ? chunk.slice(0, headerLimitChars - this.#text.length) : chunk;
		// A number counts only once something follows it: it may go on in the next chunk.
		this.nodeCount ??= SnapshotHeaderReader.#count(this.#text, 'node_count');
		this.edgeCount ??= SnapshotHeaderReader.#count(this.#text, 'edge_count');
		const found = this.nodeCount !== null && this.edgeCount !== null;
		if (found || this.#text.length >= headerLimitChars || this.#text.includes('"nodes":')) {
			this.#done = true;
			this.#text = '';
		}
	}

	static #count(text: string, field: string): number | null {
		const match = new RegExp(`"${field}":(\\d+)[,}]`).exec(text);
		return match ? Number(match[1]) : null;
	}
}

/** Writes all of `buffer` (a regular file may take fewer bytes per call, then throw ENOSPC). */
function writeAll(fd: number, buffer: Buffer): void {
	let offset = 0;
	while (offset < buffer.length) offset += writeSync(fd, buffer, offset, buffer.length - offset);
}

function exists(path: string): boolean {
	try {
		lstatSync(path);
		return true;
	} catch {
		return false;
	}
}

async function capture(session: InspectorSession, {path, onProgress, signal, timeoutMs = defaultCaptureTimeoutMs}: CaptureOptions): Promise<CapturedSnapshot> {
	const partPath = `${path}.part`;
	if (signal?.aborted) throw new SnapshotAbandonedError('heap snapshot abandoned before it started');
	if (session.closed) throw new SnapshotError('cannot take a heap snapshot: the connection to the target is closed');
	if (exists(path)) throw new SnapshotError(`cannot write the heap snapshot to ${path}: the file already exists`);

	// The file first: when it cannot be created, the target is never stopped.
	let fd: number;
	try {
		fd = openSync(partPath, 'wx', 0o600);
	} catch (error) {
		const reason = (error as NodeJS.ErrnoException).code === 'EEXIST' ? `${partPath} already exists (left by an earlier capture?)` : describeWriteError(error);
		throw new SnapshotError(`cannot write the heap snapshot to ${path}: ${reason}`);
	}
	let open = true;
	/** Stops writing for good and removes the partial file; safe to call more than once. */
	const discard = () => {
		if (open) {
			open = false;
			try {
				closeSync(fd);
			} catch {}
		}
		try {
			unlinkSync(partPath);
		} catch {}
	};

	const report = (progress: SnapshotProgress) => {
		// A consumer's bug must not break the stream (this runs inside the WebSocket's handler).
		try {
			onProgress?.(progress);
		} catch {}
	};

	let bytes = 0;
	let writeError: unknown = null;
	let abandoned = false;
	const header = new SnapshotHeaderReader();
	const unsubscribe: Array<() => void> = [];
	let onAbort: (() => void) | undefined;
	try {
		try {
			// Umask can only take bits away; this makes 0600 certain whatever it is.
			fchmodSync(fd, 0o600);
		} catch {}
		unsubscribe.push(
			session.on('HeapProfiler.addHeapSnapshotChunk', params => {
				// After a failure or an abandon the chunks still come until the target is done: drain them.
				if (!open) return;
				const chunk = (params as {chunk?: unknown}).chunk;
				if (typeof chunk !== 'string') return;
				header.add(chunk);
				const buffer = Buffer.from(chunk, 'utf8');
				try {
					writeAll(fd, buffer);
				} catch (error) {
					writeError = error;
					// Free the disk at once; the target finishes anyway.
					discard();
					return;
				}
				bytes += buffer.length;
				report({phase: 'writing', bytes});
			}),
			session.on('HeapProfiler.reportHeapSnapshotProgress', params => {
				const {done, total} = params as {done?: unknown; total?: unknown};
				if (open && typeof done === 'number' && typeof total === 'number') report({phase: 'building', done, total});
			}),
		);
		onAbort = () => {
			abandoned = true;
			discard();
		};
		signal?.addEventListener('abort', onAbort, {once: true});

		// Leaktop's own `session.close()` does not settle pending calls, so the close is raced too.
		let closeReason: string | undefined;
		let stopWaiting!: () => void;
		const closed = new Promise<'closed'>(resolve => {
			stopWaiting = () => resolve('closed');
		});
		unsubscribe.push(
			session.onClose(reason => {
				closeReason = reason;
				stopWaiting();
			}),
		);

		const started = performance.now();
		let failure: unknown = null;
		try {
			const answer = await Promise.race([session.send('HeapProfiler.takeHeapSnapshot', {reportProgress: true}, timeoutMs), closed]);
			if (answer === 'closed') failure = 'closed';
		} catch (error) {
			failure = session.closed ? 'closed' : error;
		}
		const pauseMs = performance.now() - started;
		if (failure instanceof TimeoutError) timedOut.add(session);

		if (failure === 'closed') {
			discard();
			if (closeReason === 'detached') throw new SnapshotAbandonedError('heap snapshot abandoned: leaktop detached; the partial file was removed');
			throw new SnapshotError(goneMessage);
		}
		if (abandoned) throw new SnapshotAbandonedError(abandonedMessage);
		if (writeError !== null) throw new SnapshotError(`cannot write the heap snapshot to ${path}: ${describeWriteError(writeError)}; the partial file was removed`);
		if (failure instanceof TimeoutError) {
			discard();
			throw new SnapshotError(`the heap snapshot did not finish within ${formatCost(timeoutMs)}; the partial file was removed (the target may still be busy with it)`);
		}
		if (failure !== null) {
			discard();
			throw new SnapshotError(`the heap snapshot failed: ${describeError(failure)}; the partial file was removed`);
		}

		try {
			open = false;
			closeSync(fd);
			renameSync(partPath, path);
		} catch (error) {
			discard();
			throw new SnapshotError(`cannot write the heap snapshot to ${path}: ${describeWriteError(error)}; the partial file was removed`);
		}
		return {path, bytes, pauseMs: Math.round(pauseMs), nodeCount: header.nodeCount, edgeCount: header.edgeCount};
	} catch (error) {
		discard();
		throw error;
	} finally {
		if (onAbort) signal?.removeEventListener('abort', onAbort);
		for (const off of unsubscribe) off();
	}
}
