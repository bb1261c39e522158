/**
 * A push parser for V8 heap snapshots: bytes go in, in pieces of any size, and a HeapSnapshot
 * comes out. Only the small header object is handed to JSON.parse; everything after it is read
 * byte by byte, straight into typed arrays sized from the header, so a snapshot costs about its
 * own numbers in memory (4 bytes each) plus its raw string bytes, and no object per node. Chunks
 * may split a number, a string or an escape anywhere: all state lives in fields, not in the stack.
 */
import {fieldOffsets, type HeapSnapshot, type SnapshotMeta, SnapshotFormatError, type StringTable} from './snapshot.js';

export interface SnapshotHeader {
	meta: SnapshotMeta;
	nodeCount: number;
	edgeCount: number;
}

export interface SnapshotParser {
	feed(chunk: Uint8Array): void;
	/** Checks the whole snapshot (counts, edge targets, string references) and returns it; throws SnapshotFormatError. */
	finish(): HeapSnapshot;
	/** Set as soon as the header object has been read: enough to size or refuse the rest. */
	readonly header: SnapshotHeader | null;
	readonly bytesSeen: number;
}

export interface ParserOptions {
	/** The input's total size, when known: the string store is then allocated once instead of grown, and a header promising more numbers than the input can hold allocates only what it can. */
	totalBytes?: number;
}

const enum State {
	Prefix,
	Header,
	/** After a top-level value: `,` or `}`. */
	AfterValue,
	/** After a top-level `,`: the `"` of the next key. */
	KeyStart,
	Key,
	Colon,
	/** After `"key":`: the `[` of a known section, or any value to walk over. */
	ValueStart,
	Numbers,
	Strings,
	Skip,
	End,
}

/** Where a number or string array is: what came last decides what may come next. */
const enum Item {
	/** Just after `[`: a value or `]`. */
	First,
	Inside,
	/** After a value: `,` or `]`. */
	After,
	/** After `,`: a value. */
	Next,
}

const enum Escape {
	None = 0,
	/** Just after a backslash. */
	Start = 1,
	// Values 2..5: that many hex digits of a \u escape still to come.
}

const enum Section {
	Nodes,
	Edges,
	Locations,
	Strings,
	Other,
}

const prefix = new TextEncoder().encode('{"snapshot":');
const maxHeaderBytes = 16 << 20;
const maxKeyBytes = 256;
const maxUint32 = 0xffff_ffff;
/** V8's limit on a typed array's length in Node 20. */
const maxArrayLength = 2 ** 32;
const digit0 = 0x30;
const quote = 0x22;
const backslash = 0x5c;
const comma = 0x2c;
const colon = 0x3a;
const openBracket = 0x5b;
const closeBracket = 0x5d;
const openBrace = 0x7b;
const closeBrace = 0x7d;

function isSpace(byte: number): boolean {
	return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function isHex(byte: number): boolean {
	return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66);
}

/** The bytes that may follow a backslash in JSON (`u` starts a four-digit escape). */
function isEscapeLetter(byte: number): boolean {
	return byte === quote || byte === backslash || byte === 0x2f || byte === 0x62 || byte === 0x66 || byte === 0x6e || byte === 0x72 || byte === 0x74 || byte === 0x75;
}

/** Bytes of numbers, `true`, `false`, `null`: enough to walk over values leaktop does not keep. */
function isScalarByte(byte: number): boolean {
	return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x2d || byte === 0x2b || byte === 0x2e || byte === 0x45;
}

function describeByte(byte: number): string {
	if (byte > 0x20 && byte < 0x7f) return `'${String.fromCharCode(byte)}'`;
	const names: Record<number, string> = {0x20: 'space', 0x0a: 'newline', 0x0d: 'carriage return', 0x09: 'tab'};
	return names[byte] ?? `byte 0x${byte.toString(16).padStart(2, '0')}`;
}

const sectionOf: Record<string, Section> = {nodes: Section.Nodes, edges: Section.Edges, locations: Section.Locations, strings: Section.Strings};

export function createSnapshotParser(options: ParserOptions = {}): SnapshotParser {
	return new Parser(options.totalBytes);
}

class Parser implements SnapshotParser {
	readonly #totalBytes: number | undefined;
	#state = State.Prefix;
	/** Bytes of earlier chunks: positions in messages count from the start of the input. */
	#base = 0;
	#prefixMatched = 0;

	#headerBytes = new Uint8Array(4096);
	#headerLength = 0;
	#headerDepth = 0;
	#headerInString = false;
	#headerEscaped = false;
	#header: SnapshotHeader | null = null;
	#nodeFieldCount = 0;
	#edgeFieldCount = 0;

	#keyBytes: number[] = [];
	#key = 'snapshot';
	#section = Section.Other;
	#seen = new Set<string>();

	#nodes: Uint32Array | null = null;
	#edges: Uint32Array | null = null;
	#locations: Uint32Array | null = null;
	#locationCount = 0;

	/** The array being filled and how far: shared by nodes, edges and locations. */
	#target: Uint32Array = new Uint32Array(0);
	/** How many numbers the header promises for nodes or edges; `target` may be shorter (see #allocate). */
	#expected = 0;
	#filled = 0;
	#value = 0;
	#item = Item.First;

	#strings: StringStore | null = null;
	#escape: number = Escape.None;

	/** Walking over an unknown value: the closing bracket each open one needs, and whether it is inside a string. */
	#skipStack: number[] = [];
	#skipInString = false;
	#skipStarted = false;

	constructor(totalBytes: number | undefined) {
		this.#totalBytes = totalBytes;
	}

	/** Once input has been refused, the parser stays refused: the state after the bad byte means nothing. */
	#failure: SnapshotFormatError | null = null;

	get bytesSeen(): number {
		return this.#base;
	}

	get header(): SnapshotHeader | null {
		return this.#header;
	}

	feed(chunk: Uint8Array): void {
		if (this.#failure) throw this.#failure;
		try {
			this.#feed(chunk);
		} catch (error) {
			if (error instanceof SnapshotFormatError) this.#failure = error;
			throw error;
		}
	}

	#feed(chunk: Uint8Array): void {
		const end = chunk.length;
		let i = 0;
		while (i < end) {
			switch (this.#state) {
				case State.Prefix:
					i = this.#readPrefix(chunk, i, end);
					break;
				case State.Header:
					i = this.#readHeader(chunk, i, end);
					break;
				case State.Numbers:
					i = this.#readNumbers(chunk, i, end);
					break;
				case State.Strings:
					i = this.#readStrings(chunk, i, end);
					break;
				case State.Skip:
					i = this.#skip(chunk, i, end);
					break;
				default:
					i = this.#readBetween(chunk, i, end);
			}
		}
		this.#base += end;
	}

	finish(): HeapSnapshot {
		if (this.#failure) throw this.#failure;
		if (this.#state !== State.End) throw new SnapshotFormatError(this.#truncation());
		const header = this.#header!;
		const missing = ['nodes', 'edges', 'strings'].find(name => !this.#seen.has(name));
		if (missing) throw new SnapshotFormatError(`corrupt heap snapshot: it has no ${missing} section`);
		const meta = header.meta;
		const nodes = this.#nodes!;
		const edges = this.#edges!;
		const strings = this.#strings!.finish();
		const locations = this.#locations ? this.#locations.slice(0, this.#locationCount) : new Uint32Array(0);
		const locationFieldCount = meta.locationFields.length;
		if (locationFieldCount === 0 ? locations.length > 0 : locations.length % locationFieldCount !== 0) {
			throw new SnapshotFormatError(`corrupt heap snapshot: the locations section holds ${locations.length} numbers, not a multiple of its ${locationFieldCount} location fields`);
		}
		const snapshot: HeapSnapshot = {
			meta,
			offsets: fieldOffsets(meta),
			nodeFieldCount: this.#nodeFieldCount,
			edgeFieldCount: this.#edgeFieldCount,
			locationFieldCount,
			nodeCount: header.nodeCount,
			edgeCount: header.edgeCount,
			nodes,
			edges,
			locations,
			strings,
		};
		checkReferences(snapshot);
		return snapshot;
	}

	#truncation(): string {
		if (this.#state === State.Prefix && this.#base === 0) return 'not a V8 heap snapshot: it is empty';
		return `truncated heap snapshot: the file ends ${this.#place('inside')}${this.#progress()}`;
	}

	#progress(): string {
		if (this.#state === State.Strings) return ` (${this.#strings!.count} ${this.#strings!.count === 1 ? 'string' : 'strings'} read)`;
		if (this.#state !== State.Numbers || this.#section === Section.Locations) return '';
		const read = this.#filled + (this.#item === Item.Inside ? 1 : 0);
		const percent = this.#expected === 0 ? 100 : Math.floor((100 * read) / this.#expected);
		return ` (${percent} % of the ${this.#key} read)`;
	}

	/** Where the parser is, for messages: "inside the edges section", "after the snapshot header"... */
	#place(inside: 'in' | 'inside'): string {
		const section = this.#key === 'snapshot' ? 'the snapshot header' : `the ${/^[\w -]{1,40}$/.test(this.#key) ? this.#key : 'unnamed'} section`;
		switch (this.#state) {
			case State.Prefix:
			case State.Header:
				return `${inside} the snapshot header`;
			case State.Numbers:
			case State.Strings:
			case State.Skip:
			case State.ValueStart:
				return `${inside} ${section}`;
			case State.AfterValue:
			case State.KeyStart:
				return `after ${section}`;
			case State.End:
				return 'after the end of the snapshot';
			default:
				return 'in the name of a section';
		}
	}

	#unexpected(chunk: Uint8Array, i: number): SnapshotFormatError {
		return new SnapshotFormatError(`corrupt heap snapshot: unexpected ${describeByte(chunk[i]!)} at byte ${this.#base + i} ${this.#place('in')}`);
	}

	#readPrefix(chunk: Uint8Array, i: number, end: number): number {
		for (; i < end; i++) {
			const byte = chunk[i]!;
			// Whitespace may come before `{`, `"snapshot"` and `:`, as in any JSON.
			if ((this.#prefixMatched === 0 || this.#prefixMatched === 1 || this.#prefixMatched === prefix.length - 1) && isSpace(byte)) continue;
			if (byte !== prefix[this.#prefixMatched]) throw new SnapshotFormatError('not a V8 heap snapshot: it does not start with {"snapshot":');
			if (++this.#prefixMatched === prefix.length) {
				this.#state = State.Header;
				return i + 1;
			}
		}
		return i;
	}

	/** Collects the `snapshot` object's bytes up to its closing brace, then parses them. */
	#readHeader(chunk: Uint8Array, i: number, end: number): number {
		const start = i;
		let done = false;
		for (; i < end; i++) {
			const byte = chunk[i]!;
			if (this.#headerInString) {
				if (this.#headerEscaped) this.#headerEscaped = false;
				else if (byte === backslash) this.#headerEscaped = true;
				else if (byte === quote) this.#headerInString = false;
			} else if (byte === quote) {
				this.#headerInString = true;
			} else if (byte === openBrace || byte === openBracket) {
				this.#headerDepth++;
			} else if (byte === closeBrace || byte === closeBracket) {
				if (--this.#headerDepth <= 0) {
					if (this.#headerDepth < 0) throw this.#unexpected(chunk, i);
					i++;
					done = true;
					break;
				}
			} else if (this.#headerDepth === 0 && !isSpace(byte)) {
				throw new SnapshotFormatError(`not a V8 heap snapshot: "snapshot" is not an object (unexpected ${describeByte(byte)} at byte ${this.#base + i})`);
			}
		}
		this.#appendHeader(chunk.subarray(start, i));
		if (done) {
			this.#parseHeader();
			this.#state = State.AfterValue;
		}
		return i;
	}

	#appendHeader(bytes: Uint8Array): void {
		const needed = this.#headerLength + bytes.length;
		if (needed > maxHeaderBytes) throw new SnapshotFormatError(`not a V8 heap snapshot: its "snapshot" header goes on for more than ${maxHeaderBytes >> 20} MiB`);
		if (needed > this.#headerBytes.length) {
			const grown = new Uint8Array(Math.max(needed, this.#headerBytes.length * 2));
			grown.set(this.#headerBytes.subarray(0, this.#headerLength));
			this.#headerBytes = grown;
		}
		this.#headerBytes.set(bytes, this.#headerLength);
		this.#headerLength = needed;
	}

	#parseHeader(): void {
		let parsed: unknown;
		try {
			parsed = JSON.parse(new TextDecoder().decode(this.#headerBytes.subarray(0, this.#headerLength)));
		} catch (error) {
			throw new SnapshotFormatError(`corrupt heap snapshot: its "snapshot" header is not valid JSON (${(error as Error).message.split('\n')[0]})`);
		}
		this.#headerBytes = new Uint8Array(0);
		const header = readHeader(parsed);
		this.#nodeFieldCount = header.meta.nodeFields.length;
		this.#edgeFieldCount = header.meta.edgeFields.length;
		// Checked now: a snapshot without the fields leaktop needs is refused before any allocation.
		fieldOffsets(header.meta);
		const nodeNumbers = header.nodeCount * this.#nodeFieldCount;
		const edgeNumbers = header.edgeCount * this.#edgeFieldCount;
		if (nodeNumbers > maxArrayLength || edgeNumbers > maxArrayLength) {
			throw new SnapshotFormatError(`corrupt heap snapshot: its header promises ${header.nodeCount} nodes and ${header.edgeCount} edges, more than a snapshot can hold`);
		}
		this.#header = header;
	}

	/** Punctuation between sections: `,` `"key"` `:` and the final `}`. */
	#readBetween(chunk: Uint8Array, i: number, end: number): number {
		for (; i < end; i++) {
			const byte = chunk[i]!;
			switch (this.#state) {
				case State.Key:
					if (byte === quote) {
						this.#key = String.fromCharCode(...this.#keyBytes);
						this.#state = State.Colon;
					} else if (byte < 0x20 || this.#keyBytes.length >= maxKeyBytes) {
						throw this.#unexpected(chunk, i);
					} else {
						this.#keyBytes.push(byte);
					}
					continue;
				case State.End:
					if (!isSpace(byte)) throw this.#unexpected(chunk, i);
					continue;
				default:
			}
			if (isSpace(byte)) continue;
			switch (this.#state) {
				case State.AfterValue:
					if (byte === comma) this.#state = State.KeyStart;
					else if (byte === closeBrace) this.#state = State.End;
					else throw this.#unexpected(chunk, i);
					break;
				case State.KeyStart:
					if (byte !== quote) throw this.#unexpected(chunk, i);
					this.#keyBytes = [];
					this.#state = State.Key;
					break;
				case State.Colon:
					if (byte !== colon) throw this.#unexpected(chunk, i);
					this.#startValue();
					break;
				case State.ValueStart:
					return this.#enterValue(chunk, i);
				default:
					throw new Error(`parser state ${this.#state} reached readBetween`);
			}
		}
		return i;
	}

	#startValue(): void {
		if (this.#key === 'snapshot' || this.#seen.has(this.#key)) throw new SnapshotFormatError(`corrupt heap snapshot: it has two ${this.#key} sections`);
		this.#seen.add(this.#key);
		this.#section = sectionOf[this.#key] ?? Section.Other;
		this.#state = State.ValueStart;
	}

	/** At the first byte of a section's value: known sections must be arrays, the rest are walked over. */
	#enterValue(chunk: Uint8Array, i: number): number {
		if (this.#section === Section.Other) {
			this.#skipStack = [];
			this.#skipInString = false;
			this.#skipStarted = false;
			this.#escape = Escape.None;
			this.#state = State.Skip;
			return i;
		}
		if (chunk[i] !== openBracket) throw new SnapshotFormatError(`corrupt heap snapshot: the ${this.#key} section is not an array (${describeByte(chunk[i]!)} at byte ${this.#base + i})`);
		const header = this.#header!;
		this.#item = Item.First;
		if (this.#section === Section.Strings) {
			const remaining = this.#totalBytes === undefined ? 0 : this.#totalBytes - this.#base - i;
			this.#strings = new StringStore(remaining);
			this.#escape = Escape.None;
			this.#state = State.Strings;
			return i + 1;
		}
		if (this.#section === Section.Nodes) this.#target = this.#nodes = this.#allocate(header.nodeCount * this.#nodeFieldCount);
		else if (this.#section === Section.Edges) this.#target = this.#edges = this.#allocate(header.edgeCount * this.#edgeFieldCount);
		else this.#target = this.#locations = new Uint32Array(1024);
		this.#filled = 0;
		this.#state = State.Numbers;
		return i + 1;
	}

	/**
	 * The array for `expected` numbers. Each number takes at least two bytes ("0,"), so when the
	 * input's size is known, a header promising more (corrupt, or a truncated file) gets only
	 * what the input can hold: the count check at the section's end or the truncation says which.
	 */
	#allocate(expected: number): Uint32Array {
		this.#expected = expected;
		const length = this.#totalBytes === undefined ? expected : Math.min(expected, Math.floor(this.#totalBytes / 2) + 1);
		try {
			return new Uint32Array(length);
		} catch {
			throw new SnapshotFormatError(`corrupt heap snapshot: its ${this.#key} section would need ${length} numbers, more than fit in memory`);
		}
	}

	/** The hot loop for nodes, edges and locations: digits accumulate in `value`, everything else ends a number. */
	#readNumbers(chunk: Uint8Array, i: number, end: number): number {
		const target = this.#target;
		const limit = target.length;
		let filled = this.#filled;
		let value = this.#value;
		let item = this.#item;
		let closed = false;
		// Locals only in this loop (no closures, no fields): it runs once per byte of the nodes and edges.
		while (i < end) {
			let byte = chunk[i]!;
			if ((byte - digit0) >>> 0 < 10) {
				if (item !== Item.Inside) {
					if (item === Item.After) break;
					value = 0;
				}
				// Digits run on in this inner loop: most bytes are digits, and they need no other check.
				do {
					value = value * 10 + byte - digit0;
					if (++i === end) break;
					byte = chunk[i]!;
				} while ((byte - digit0) >>> 0 < 10);
				if (i === end) {
					item = Item.Inside;
					break;
				}
				item = Item.Inside;
			}
			if (item === Item.Inside) {
				if (value > maxUint32 || filled === limit) break;
				target[filled++] = value;
				item = Item.After;
			}
			if (byte === comma) {
				if (item !== Item.After) break;
				item = Item.Next;
			} else if (byte === closeBracket) {
				if (item === Item.Next) break;
				closed = true;
				i++;
				break;
			} else if (!isSpace(byte)) {
				break;
			}
			i++;
		}
		this.#filled = filled;
		this.#value = value;
		this.#item = item;
		if (closed) this.#closeNumbers();
		else if (i < end) return this.#numberTrouble(chunk, i, end);
		return i;
	}

	/** The loop stopped early at byte `i`: a locations array to grow, or an error to name. */
	#numberTrouble(chunk: Uint8Array, i: number, end: number): number {
		if (this.#item === Item.Inside) {
			if (this.#value > maxUint32) throw new SnapshotFormatError(`corrupt heap snapshot: the number ending at byte ${this.#base + i} ${this.#place('in')} does not fit in 32 bits`);
			if (this.#section !== Section.Locations) throw this.#overfull();
			const grown = new Uint32Array(this.#target.length * 2);
			grown.set(this.#target);
			this.#target = this.#locations = grown;
			return this.#readNumbers(chunk, i, end);
		}
		throw this.#unexpected(chunk, i);
	}

	#overfull(): SnapshotFormatError {
		const [count, fields] = this.#section === Section.Nodes ? [this.#header!.nodeCount, this.#nodeFieldCount] : [this.#header!.edgeCount, this.#edgeFieldCount];
		const name = this.#section === Section.Nodes ? 'node' : 'edge';
		return new SnapshotFormatError(`corrupt heap snapshot: the ${this.#key} section holds more numbers than the header's ${name}_count ${count} x ${fields} fields`);
	}

	#closeNumbers(): void {
		if (this.#section !== Section.Locations && this.#filled !== this.#expected) {
			const [count, fields] = this.#section === Section.Nodes ? [this.#header!.nodeCount, this.#nodeFieldCount] : [this.#header!.edgeCount, this.#edgeFieldCount];
			const name = this.#section === Section.Nodes ? 'node' : 'edge';
			throw new SnapshotFormatError(`corrupt heap snapshot: the ${this.#key} section holds ${this.#filled} numbers where the header's ${name}_count ${count} x ${fields} fields needs ${this.#expected}`);
		}
		if (this.#section === Section.Locations) this.#locationCount = this.#filled;
		this.#target = new Uint32Array(0);
		this.#state = State.AfterValue;
	}

	/**
	 * The strings array: each string's raw bytes (escapes and UTF-8 as in the file) are copied
	 * into one store and decoded only when asked for. Escapes are checked here, so decoding
	 * later cannot fail.
	 */
	#readStrings(chunk: Uint8Array, i: number, end: number): number {
		const store = this.#strings!;
		store.reserve(end - i);
		const bytes = store.bytes;
		let length = store.length;
		let item = this.#item;
		let escape = this.#escape;
		let stop = false;
		while (i < end) {
			let byte = chunk[i]!;
			if (item === Item.Inside) {
				if (escape === Escape.None) {
					// Plain bytes run on in this inner loop, copied as they are.
					while (byte !== quote && byte !== backslash && byte >= 0x20) {
						bytes[length++] = byte;
						if (++i === end) break;
						byte = chunk[i]!;
					}
					if (i === end) break;
					if (byte === quote) {
						store.length = length;
						store.endString();
						item = Item.After;
						i++;
						continue;
					}
					if (byte === backslash) escape = Escape.Start;
					else break;
				} else if (escape === Escape.Start) {
					if (!isEscapeLetter(byte)) break;
					escape = byte === 0x75 ? 5 : Escape.None;
				} else {
					if (!isHex(byte)) break;
					escape = escape === 2 ? Escape.None : escape - 1;
				}
				bytes[length++] = byte;
				i++;
				continue;
			}
			if (byte === quote) {
				if (item === Item.After) break;
				store.length = length;
				store.startString();
				item = Item.Inside;
			} else if (byte === comma) {
				if (item !== Item.After) break;
				item = Item.Next;
			} else if (byte === closeBracket) {
				if (item === Item.Next) break;
				stop = true;
				i++;
				break;
			} else if (!isSpace(byte)) {
				break;
			}
			i++;
		}
		store.length = length;
		this.#item = item;
		this.#escape = escape;
		if (stop) this.#state = State.AfterValue;
		else if (i < end) throw this.#unexpected(chunk, i);
		return i;
	}

	/** Walks over a value leaktop does not keep (traces, samples, unknown sections), checking brackets and strings. */
	#skip(chunk: Uint8Array, i: number, end: number): number {
		const stack = this.#skipStack;
		for (; i < end; i++) {
			const byte = chunk[i]!;
			if (this.#skipInString) {
				if (this.#escape === Escape.None) {
					if (byte === quote) this.#skipInString = false;
					else if (byte === backslash) this.#escape = Escape.Start;
					else if (byte < 0x20) throw this.#unexpected(chunk, i);
				} else if (this.#escape === Escape.Start) {
					if (!isEscapeLetter(byte)) throw this.#unexpected(chunk, i);
					this.#escape = byte === 0x75 ? 5 : Escape.None;
				} else {
					if (!isHex(byte)) throw this.#unexpected(chunk, i);
					this.#escape = this.#escape === 2 ? Escape.None : this.#escape - 1;
				}
				if (!this.#skipInString && stack.length === 0) return this.#skipped(i + 1);
				continue;
			}
			if (stack.length === 0 && this.#skipStarted && (byte === comma || byte === closeBrace || isSpace(byte))) {
				// A bare scalar value ends at the first byte that is not part of it.
				return this.#skipped(i);
			}
			if (byte === quote) {
				this.#skipInString = true;
			} else if (byte === openBracket || byte === openBrace) {
				stack.push(byte === openBracket ? closeBracket : closeBrace);
			} else if (byte === closeBracket || byte === closeBrace) {
				if (stack.pop() !== byte) throw this.#unexpected(chunk, i);
				if (stack.length === 0) return this.#skipped(i + 1);
			} else if (!(isScalarByte(byte) || (stack.length > 0 && (byte === comma || byte === colon || isSpace(byte))))) {
				throw this.#unexpected(chunk, i);
			}
			this.#skipStarted = true;
		}
		return i;
	}

	#skipped(i: number): number {
		this.#skipStack = [];
		this.#state = State.AfterValue;
		return i;
	}
}

/** Checks the parsed header's shape and turns it into SnapshotHeader; throws SnapshotFormatError. */
function readHeader(parsed: unknown): SnapshotHeader {
	const notSnapshot = (what: string) => new SnapshotFormatError(`not a V8 heap snapshot: ${what}`);
	if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw notSnapshot('"snapshot" is not an object');
	const {meta, node_count: nodeCount, edge_count: edgeCount} = parsed as Record<string, unknown>;
	if (typeof meta !== 'object' || meta === null) throw notSnapshot('it has no snapshot.meta');
	const fields = meta as Record<string, unknown>;
	const names = (key: string, optional = false): string[] => {
		const value = fields[key];
		if (value === undefined && optional) return [];
		if (!Array.isArray(value) || !value.every(name => typeof name === 'string')) throw notSnapshot(`snapshot.meta.${key} is not a list of names`);
		return value as string[];
	};
	const enumNames = (key: string): string[] => {
		const value = fields[key];
		if (!Array.isArray(value) || !Array.isArray(value[0]) || !(value[0] as unknown[]).every(name => typeof name === 'string')) {
			throw notSnapshot(`snapshot.meta.${key} does not start with a list of names`);
		}
		return value[0] as string[];
	};
	const count = (value: unknown, key: string): number => {
		if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw notSnapshot(`snapshot.${key} is not a count`);
		return value;
	};
	const snapshotMeta: SnapshotMeta = {
		nodeFields: names('node_fields'),
		nodeTypes: enumNames('node_types'),
		edgeFields: names('edge_fields'),
		edgeTypes: enumNames('edge_types'),
		locationFields: names('location_fields', true),
	};
	return {meta: snapshotMeta, nodeCount: count(nodeCount, 'node_count'), edgeCount: count(edgeCount, 'edge_count')};
}

/**
 * The references the rest of leaktop follows without checking: edge targets are node starts,
 * each node's edges are there, node and edge names are strings that exist.
 */
function checkReferences(snapshot: HeapSnapshot): void {
	const {nodes, edges, offsets, nodeFieldCount, edgeFieldCount, strings} = snapshot;
	let edgeSum = 0;
	let maxName = -1;
	for (let i = 0; i < nodes.length; i += nodeFieldCount) {
		edgeSum += nodes[i + offsets.nodeEdgeCount]!;
		const name = nodes[i + offsets.nodeName]!;
		if (name > maxName) maxName = name;
	}
	if (edgeSum !== snapshot.edgeCount) {
		throw new SnapshotFormatError(`corrupt heap snapshot: its nodes claim ${edgeSum} edges in all, the header's edge_count says ${snapshot.edgeCount}`);
	}
	if (maxName >= strings.count) {
		throw new SnapshotFormatError(`corrupt heap snapshot: a node's name is string ${maxName}, but there are only ${strings.count} strings`);
	}
	// Element and hidden edges carry an index in name_or_index; all other types name a string.
	const indexTypes = snapshot.meta.edgeTypes.flatMap((name, type) => (name === 'element' || name === 'hidden' ? [type] : []));
	const [indexA = -1, indexB = -1] = indexTypes;
	const toNodeLimit = nodes.length;
	maxName = -1;
	for (let i = 0; i < edges.length; i += edgeFieldCount) {
		const toNode = edges[i + offsets.edgeToNode]!;
		if (toNode >= toNodeLimit || toNode % nodeFieldCount !== 0) {
			throw new SnapshotFormatError(`corrupt heap snapshot: edge ${i / edgeFieldCount} points at ${toNode}, which is not the start of a node`);
		}
		const type = edges[i + offsets.edgeType]!;
		if (type !== indexA && type !== indexB) {
			const name = edges[i + offsets.edgeNameOrIndex]!;
			if (name > maxName) maxName = name;
		}
	}
	if (maxName >= strings.count) {
		throw new SnapshotFormatError(`corrupt heap snapshot: an edge's name is string ${maxName}, but there are only ${strings.count} strings`);
	}
}

/**
 * The `strings` section as one byte store: string i is bytes [offsets[i], offsets[i + 1]),
 * still JSON-escaped. Grows by doubling unless the input's size was known up front.
 */
class StringStore {
	bytes: Uint8Array;
	length = 0;
	offsets = new Uint32Array(1 << 16);
	count = 0;

	constructor(expectedBytes: number) {
		this.bytes = new Uint8Array(Math.max(expectedBytes, 1 << 16));
	}

	/** Makes room for `more` bytes; the caller then writes into `bytes` without checks. */
	reserve(more: number): void {
		const needed = this.length + more;
		if (needed <= this.bytes.length) return;
		if (needed > maxUint32) throw new SnapshotFormatError('corrupt heap snapshot: its strings section is over 4 GiB');
		const grown = new Uint8Array(Math.min(maxUint32, Math.max(needed, this.bytes.length * 2)));
		grown.set(this.bytes.subarray(0, this.length));
		this.bytes = grown;
	}

	startString(): void {
		if (this.count + 1 >= this.offsets.length) {
			const grown = new Uint32Array(this.offsets.length * 2);
			grown.set(this.offsets);
			this.offsets = grown;
		}
		this.offsets[this.count] = this.length;
	}

	endString(): void {
		this.offsets[++this.count] = this.length;
	}

	finish(): StringTable {
		return new JsonStringTable(this.bytes.subarray(0, this.length), this.offsets.subarray(0, this.count + 1), this.count);
	}
}

const cacheSize = 1 << 13;
const utf8 = new TextDecoder();

/** Decodes on demand, keeping the last few thousand decoded strings in a direct-mapped cache: class names repeat a lot. */
class JsonStringTable implements StringTable {
	readonly count: number;
	readonly #bytes: Uint8Array;
	readonly #offsets: Uint32Array;
	readonly #cachedIndex = new Int32Array(cacheSize).fill(-1);
	readonly #cached: string[] = new Array<string>(cacheSize).fill('');

	constructor(bytes: Uint8Array, offsets: Uint32Array, count: number) {
		this.#bytes = bytes;
		this.#offsets = offsets;
		this.count = count;
	}

	/** The stored bytes and offsets, for moving the table to another thread. */
	get raw(): {bytes: Uint8Array; offsets: Uint32Array} {
		return {bytes: this.#bytes, offsets: this.#offsets};
	}

	get(index: number): string {
		if (!Number.isInteger(index) || index < 0 || index >= this.count) {
			throw new SnapshotFormatError(`corrupt heap snapshot: string ${index} is referenced, but there are only ${this.count} strings`);
		}
		const slot = index & (cacheSize - 1);
		if (this.#cachedIndex[slot] === index) return this.#cached[slot]!;
		const text = this.#decode(this.#offsets[index]!, this.#offsets[index + 1]!);
		this.#cachedIndex[slot] = index;
		this.#cached[slot] = text;
		return text;
	}

	#decode(start: number, end: number): string {
		const bytes = this.#bytes;
		let plain = true;
		let escaped = false;
		for (let i = start; i < end; i++) {
			const byte = bytes[i]!;
			if (byte === backslash) escaped = true;
			else if (byte > 0x7f) plain = false;
		}
		const raw = bytes.subarray(start, end);
		if (!escaped && plain && raw.length <= 256) return String.fromCharCode.apply(null, raw as unknown as number[]);
		const text = utf8.decode(raw);
		// The bytes were checked while reading: only valid escapes, no raw control characters.
		return escaped ? (JSON.parse(`"${text}"`) as string) : text;
	}
}

/** A parsed snapshot without its edges as plain data and typed arrays, which a worker can post without copying. */
export interface SnapshotParts {
	meta: SnapshotMeta;
	nodeCount: number;
	edgeCount: number;
	nodes: Uint32Array;
	locations: Uint32Array;
	stringBytes: Uint8Array;
	stringOffsets: Uint32Array;
	stringCount: number;
}

/** The parts of a snapshot this parser made, without its edges (see prepareDiffBase), and the buffers to transfer: they are unusable here afterwards. */
export function partsWithoutEdges(snapshot: Omit<HeapSnapshot, 'edges'>): {parts: SnapshotParts; transfer: ArrayBuffer[]} {
	if (!(snapshot.strings instanceof JsonStringTable)) throw new TypeError('only snapshots made by createSnapshotParser can be moved');
	const {bytes, offsets} = snapshot.strings.raw;
	const {meta, nodeCount, edgeCount, nodes, locations} = snapshot;
	const parts = {meta, nodeCount, edgeCount, nodes, locations, stringBytes: bytes, stringOffsets: offsets, stringCount: snapshot.strings.count};
	const transfer = [...new Set([nodes, locations, bytes, offsets].map(array => array.buffer as ArrayBuffer))];
	return {parts, transfer};
}

export function snapshotWithoutEdgesFromParts(parts: SnapshotParts): Omit<HeapSnapshot, 'edges'> {
	const {meta} = parts;
	return {
		meta,
		offsets: fieldOffsets(meta),
		nodeFieldCount: meta.nodeFields.length,
		edgeFieldCount: meta.edgeFields.length,
		locationFieldCount: meta.locationFields.length,
		nodeCount: parts.nodeCount,
		edgeCount: parts.edgeCount,
		nodes: parts.nodes,
		locations: parts.locations,
		strings: new JsonStringTable(parts.stringBytes, parts.stringOffsets, parts.stringCount),
	};
}
