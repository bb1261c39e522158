/**
 * Writes a recording as the session goes: one synchronous write per line, so a crash or a kill
 * loses at most the line being written (and so at most one sampling interval). The first failed
 * write (a full disk) stops the recording and is kept for the end of the session to report.
 */
import {closeSync, fchmodSync, fstatSync, openSync, writeSync} from 'node:fs';
import {OutputError} from './errors.js';
import {describeWriteError} from './output.js';
import {isRecorded, type RecordedVerdict, type RecordingEnd, type RecordingHeader, type RecordingLine} from './model/recording.js';
import type {Event} from './model/state.js';

export class Recorder {
	readonly path: string;
	#fd: number | undefined;
	#error: OutputError | undefined;
	#lastVerdict = '';

	private constructor(path: string, fd: number) {
		this.path = path;
		this.#fd = fd;
	}

	/** Creates (or empties) the file, mode 0600 (it holds the target's memory figures and paths), and writes the header. */
	static open(path: string, header: RecordingHeader): Recorder {
		let fd: number;
		try {
			fd = openSync(path, 'w', 0o600);
			// `mode` applies only to a new file; /dev/stdout and pipes keep theirs.
			if (fstatSync(fd).isFile()) fchmodSync(fd, 0o600);
		} catch (error) {
			throw new OutputError(`cannot write the recording to ${path}: ${describeWriteError(error)}`);
		}
		const recorder = new Recorder(path, fd);
		recorder.#write({header});
		if (recorder.#error) {
			recorder.close();
			throw recorder.#error;
		}
		return recorder;
	}

	/** Why recording stopped early, if it did. */
	get error(): OutputError | undefined {
		return this.#error;
	}

	event(event: Event): void {
		if (isRecorded(event)) this.#write({event});
	}

	/** A verdict line, only when it says something new. */
	verdict(verdict: RecordedVerdict): void {
		const key = `${verdict.leak} ${verdict.headline}`;
		if (key === this.#lastVerdict) return;
		this.#lastVerdict = key;
		this.#write({verdict});
	}

	/** Writes the end line and closes the file. */
	end(end: RecordingEnd): void {
		this.#write({end});
		this.close();
	}

	close(): void {
		if (this.#fd === undefined) return;
		try {
			closeSync(this.#fd);
		} catch {
			// Every line was already written with writeSync; a failing close loses nothing more.
		}
		this.#fd = undefined;
	}

	#write(line: RecordingLine): void {
		if (this.#fd === undefined || this.#error) return;
		try {
			const bytes = Buffer.from(`${JSON.stringify(line)}\n`);
			let written = 0;
			while (written < bytes.length) written += writeSync(this.#fd, bytes, written);
		} catch (error) {
			this.#error = new OutputError(`the recording stopped: cannot write to ${this.path}: ${describeWriteError(error)}`);
			this.close();
		}
	}
}
