import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {createSnapshotParser, type SnapshotHeader} from '../../../src/model/heap-snapshot/parser.js';
import {type HeapSnapshot, SnapshotFormatError} from '../../../src/model/heap-snapshot/snapshot.js';
import {writeSnapshot} from '../../helpers/heap-snapshots.js';

interface RawSnapshot {
	snapshot: {
		meta: {node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]]; location_fields?: string[]; [key: string]: unknown};
		node_count: number;
		edge_count: number;
		[key: string]: unknown;
	};
	nodes: number[];
	edges: number[];
	locations?: number[];
	strings: string[];
	[key: string]: unknown;
}

// Strings V8 must escape, non-ASCII, astral and lone surrogates: each kept alive on a global.
const fixture = [
	'globalThis.kept = {',
	// Literals are flat strings in the heap, named by their content (a concatenation would not be).
	'  texts: [\'a "quoted" word\', \'back\\\\slash\', \'new\\nline\\ttab\\rreturn\', \'euro €\', \'clef 𝄞\', \'lone \\ud800 high\', \'lone \\udc00 low\', \'nul \\u0000 ctrl \\u001f\'],',
	'  objects: Array.from({length: 2000}, (_, i) => ({i, name: "item " + i})),',
	'  closure: (() => { const big = new Array(100).fill(1); return function holder() { return big; }; })(),',
	'};',
].join('\n');

const encoder = new TextEncoder();

function parse(bytes: Uint8Array, chunkBytes = bytes.length || 1, totalBytes?: number): HeapSnapshot {
	const parser = createSnapshotParser(totalBytes === undefined ? {} : {totalBytes});
	for (let at = 0; at < bytes.length; at += chunkBytes) parser.feed(bytes.subarray(at, at + chunkBytes));
	assert.equal(parser.bytesSeen, bytes.length);
	return parser.finish();
}

function parseText(text: string, chunkBytes?: number): HeapSnapshot {
	return parse(encoder.encode(text), chunkBytes);
}

/** The first index where two arrays differ, or -1: typed-array deepEqual output on a million numbers helps nobody. */
function firstDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
	if (actual.length !== expected.length) return Math.min(actual.length, expected.length);
	for (let i = 0; i < expected.length; i++) if (actual[i] !== expected[i]) return i;
	return -1;
}

function assertSameAsJson(snapshot: HeapSnapshot, raw: RawSnapshot, label: string): void {
	const meta = raw.snapshot.meta;
	assert.deepEqual(snapshot.meta, {
		nodeFields: meta.node_fields,
		nodeTypes: meta.node_types[0],
		edgeFields: meta.edge_fields,
		edgeTypes: meta.edge_types[0],
		locationFields: meta.location_fields ?? [],
	}, label);
	assert.equal(snapshot.nodeCount, raw.snapshot.node_count, label);
	assert.equal(snapshot.edgeCount, raw.snapshot.edge_count, label);
	assert.equal(snapshot.nodeFieldCount, meta.node_fields.length, label);
	assert.equal(snapshot.edgeFieldCount, meta.edge_fields.length, label);
	assert.equal(snapshot.locationFieldCount, (meta.location_fields ?? []).length, label);
	assert.equal(firstDifference(snapshot.nodes, raw.nodes), -1, `${label}: nodes`);
	assert.equal(firstDifference(snapshot.edges, raw.edges), -1, `${label}: edges`);
	assert.equal(firstDifference(snapshot.locations, raw.locations ?? []), -1, `${label}: locations`);
	assert.equal(snapshot.strings.count, raw.strings.length, `${label}: string count`);
	for (let i = 0; i < raw.strings.length; i++) {
		if (snapshot.strings.get(i) !== raw.strings[i]) assert.equal(snapshot.strings.get(i), raw.strings[i], `${label}: string ${i}`);
	}
}

/** Asserts `run` throws a SnapshotFormatError whose one-line message matches. */
function assertRefused(run: () => unknown, message: RegExp | string): void {
	assert.throws(run, (error: unknown) => {
		assert.ok(error instanceof SnapshotFormatError, `a SnapshotFormatError, got ${String(error)}`);
		assert.ok(!error.message.includes('\n'), `one line: ${error.message}`);
		if (typeof message === 'string') assert.equal(error.message, message);
		else assert.match(error.message, message);
		return true;
	});
}

/** A minimal well-formed snapshot (two nodes, one edge), with any part replaceable. */
function tiny(parts: {nodeFields?: string; nodeCount?: number; edgeCount?: number; nodes?: string; edges?: string; strings?: string; tail?: string} = {}): string {
	const nodeFields = parts.nodeFields ?? '["type","name","id","self_size","edge_count"]';
	return (
		`{"snapshot":{"meta":{"node_fields":${nodeFields},"node_types":[["hidden","object"],"string","number","number","number"],` +
		`"edge_fields":["type","name_or_index","to_node"],"edge_types":[["context","element","property"],"string_or_number","node"]},` +
		`"node_count":${parts.nodeCount ?? 2},"edge_count":${parts.edgeCount ?? 1}},\n` +
		`"nodes":${parts.nodes ?? '[0,0,1,0,1\n,1,1,3,16,0]'},\n"edges":${parts.edges ?? '[2,2,5]'},\n"strings":${parts.strings ?? '["","Foo","bar"]'}${parts.tail ?? '}'}`
	);
}

let text: string;
let bytes: Uint8Array;
let raw: RawSnapshot;

const dir = mkdtempSync(join(tmpdir(), 'leaktop-parser-'));
after(() => rmSync(dir, {recursive: true, force: true}));

before(async () => {
	// A plain Uint8Array: its slice() copies (a Buffer's would share the bytes).
	bytes = new Uint8Array(readFileSync(await writeSnapshot(dir, fixture)));
	text = new TextDecoder().decode(bytes);
	raw = JSON.parse(text) as RawSnapshot;
});

describe('a real snapshot from v8.writeHeapSnapshot', () => {
	test('every number, string, count and meta field equals JSON.parse of the same file', () => {
		const snapshot = parse(bytes, 1 << 20, bytes.length);
		assertSameAsJson(snapshot, raw, 'whole');
		assert.ok(snapshot.locations.length > 0, 'the closure has a location');
		assert.equal(snapshot.offsets.nodeDetachedness, raw.snapshot.meta.node_fields.indexOf('detachedness'));
		const texts = Array.from({length: snapshot.strings.count}, (_, i) => snapshot.strings.get(i));
		// Only the texts V8 keeps: Node 20's V8 writes NUL as a space, '𝄞' as one truncated escape (\uD11E) and a lone surrogate as ???.
		for (const expected of ['a "quoted" word', 'back\\slash', 'new\nline\ttab\rreturn', 'euro €']) {
			assert.ok(texts.includes(expected), `the strings hold ${JSON.stringify(expected)}`);
		}
	});

	test('chunks of 1, 3, 7, 4096 bytes and 1 MiB give identical results', () => {
		for (const chunkBytes of [1, 3, 7, 4096, 1 << 20]) assertSameAsJson(parse(bytes, chunkBytes), raw, `chunks of ${chunkBytes}`);
	});

	test('the header is available as soon as it has been read, before the nodes', () => {
		const parser = createSnapshotParser();
		const nodesAt = text.indexOf('"nodes":');
		parser.feed(bytes.subarray(0, nodesAt - 5));
		assert.equal(parser.header, null);
		parser.feed(bytes.subarray(nodesAt - 5, nodesAt));
		const header = parser.header as SnapshotHeader | null;
		assert.deepEqual(header && [header.nodeCount, header.edgeCount, header.meta.nodeFields], [raw.snapshot.node_count, raw.snapshot.edge_count, raw.snapshot.meta.node_fields]);
	});

	test('a field layout without detachedness, raw UTF-8, surrogate escapes and filled trace sections', () => {
		const changed = JSON.parse(text) as RawSnapshot;
		const fields = changed.snapshot.meta.node_fields;
		const drop = fields.indexOf('detachedness');
		assert.ok(drop >= 0, 'this Node writes detachedness');
		changed.snapshot.meta.node_fields = fields.filter((_, i) => i !== drop);
		changed.snapshot.meta.node_types.splice(drop, 1);
		changed.nodes = changed.nodes.filter((_, i) => i % fields.length !== drop);
		// Edges point at node starts, which move when a column goes.
		const toNode = changed.snapshot.meta.edge_fields.indexOf('to_node');
		changed.edges = changed.edges.map((value, i) => (i % changed.snapshot.meta.edge_fields.length === toNode ? (value / fields.length) * (fields.length - 1) : value));
		changed.trace_function_infos = [1, 2, 3, 4, 5, 6];
		changed.trace_tree = [1, 0, 0, 0, [2, 0, 1, 16, [3, 0, 2, 32, []]]];
		changed.samples = [10, 20, 30, 40];
		changed.extra = {nested: [{a: 'x]}"\\', b: null, c: -1.5e3, d: true}], e: 'tail'};
		changed.strings.push('clef 𝄞 raw', 'lone \ud800 escaped', 'pair \ud834\udd1e', '€'.repeat(300), 'x'.repeat(10_000));
		const json = JSON.stringify(changed);
		const reparsed = JSON.parse(json) as RawSnapshot;
		const changedBytes = encoder.encode(json);
		for (const chunkBytes of [1, 7, 65536]) {
			const snapshot = parse(changedBytes, chunkBytes);
			assertSameAsJson(snapshot, reparsed, `changed, chunks of ${chunkBytes}`);
			assert.equal(snapshot.offsets.nodeDetachedness, -1);
			assert.equal(snapshot.strings.get(snapshot.strings.count - 5), 'clef 𝄞 raw');
		}
	});

	test('whitespace between every token is accepted', () => {
		const spaced = JSON.stringify(JSON.parse(tiny()), null, '\t').replace(/\n/g, '\r\n');
		const snapshot = parseText(` ${spaced}\n`, 2);
		assert.deepEqual(Array.from(snapshot.nodes), [0, 0, 1, 0, 1, 1, 1, 3, 16, 0]);
		assert.deepEqual(Array.from(snapshot.edges), [2, 2, 5]);
		assert.equal(snapshot.strings.get(1), 'Foo');
	});
});

describe('refusals', () => {
	const truncated = (cut: number) => () => parse(bytes.subarray(0, cut), 4096);

	test('a file cut inside the nodes, the edges or the strings says where and how far it got', () => {
		const edgesAt = text.indexOf('"edges":');
		const stringsAt = text.indexOf('"strings":');
		assertRefused(truncated(Math.floor(edgesAt / 2)), /^truncated heap snapshot: the file ends inside the nodes section \((4\d|5\d) % of the nodes read\)$/);
		assertRefused(truncated(edgesAt + Math.floor((text.indexOf('"trace_function_infos"') - edgesAt) / 2)), /^truncated heap snapshot: the file ends inside the edges section \((4\d|5\d) % of the edges read\)$/);
		// Cut two bytes into a string, in the middle of the section: the strings before it are read.
		const between = text.indexOf('",\n"', stringsAt + Math.floor((text.length - stringsAt) / 2));
		const stringsRead = (JSON.parse(`${text.slice(stringsAt + 10, between + 1)}]`) as string[]).length;
		assertRefused(truncated(between + 6), `truncated heap snapshot: the file ends inside the strings section (${stringsRead} strings read)`);
		assertRefused(truncated(text.indexOf('"nodes":') - 100), 'truncated heap snapshot: the file ends inside the snapshot header');
		assertRefused(truncated(text.length - 1), 'truncated heap snapshot: the file ends after the strings section');
		assertRefused(truncated(edgesAt - 1), 'truncated heap snapshot: the file ends after the nodes section');
	});

	test('a file cut inside a number does not count the half number as read', () => {
		const nodesAt = text.indexOf('"nodes":[') + 9;
		const number = /\d{3,}/g;
		number.lastIndex = nodesAt;
		const match = number.exec(text)!;
		const cut = match.index + 2;
		const numbersBefore = text.slice(nodesAt, match.index).split(',').length - 1;
		for (const chunkBytes of [1, cut]) {
			const parser = createSnapshotParser();
			for (let at = 0; at < cut; at += chunkBytes) parser.feed(bytes.subarray(at, Math.min(cut, at + chunkBytes)));
			assertRefused(() => parser.finish(), /^truncated heap snapshot: the file ends inside the nodes section \(0 % of the nodes read\)$/);
		}
		// The same number completed by the next chunk is read whole.
		const parser = createSnapshotParser();
		parser.feed(bytes.subarray(0, cut));
		parser.feed(bytes.subarray(cut));
		assert.equal(parser.finish().nodes[numbersBefore], Number(match[0]));
	});

	test('a corrupt byte is named with its position and section', () => {
		let at = text.indexOf('"edges":[') + 12;
		while (!/\d/.test(text[at]!)) at++;
		const corrupt = bytes.slice();
		corrupt[at] = 'x'.charCodeAt(0);
		for (const chunkBytes of [1, 4096]) assertRefused(() => parse(corrupt, chunkBytes), `corrupt heap snapshot: unexpected 'x' at byte ${at} in the edges section`);
		// Once refused, always refused: the rest of the input does not resume the parse.
		const parser = createSnapshotParser();
		assertRefused(() => parser.feed(corrupt), `corrupt heap snapshot: unexpected 'x' at byte ${at} in the edges section`);
		assertRefused(() => parser.feed(corrupt.subarray(at + 1)), `corrupt heap snapshot: unexpected 'x' at byte ${at} in the edges section`);
		assertRefused(() => parser.finish(), `corrupt heap snapshot: unexpected 'x' at byte ${at} in the edges section`);
		const inStrings = text.indexOf('"strings":[') + 13;
		const control = bytes.slice();
		control[inStrings] = 0x01;
		assertRefused(() => parse(control), `corrupt heap snapshot: unexpected byte 0x01 at byte ${inStrings} in the strings section`);
	});

	test('empty input, random text and other JSON are not heap snapshots', () => {
		assertRefused(() => parse(new Uint8Array(0)), 'not a V8 heap snapshot: it is empty');
		const notSnapshot = 'not a V8 heap snapshot: it does not start with {"snapshot":';
		assertRefused(() => parseText('{"head":{"callFrame":{"functionName":"(root)","url":""},"selfSize":0,"children":[]},"samples":[]}'), notSnapshot);
		assertRefused(() => parseText('{"nodes":[1,2,3],"startTime":0,"endTime":1}'), notSnapshot);
		assertRefused(() => parseText('lorem ipsum dolor sit amet\n'), notSnapshot);
		assertRefused(() => parseText('\u0000\u00ff\u0010binary'), notSnapshot);
		assertRefused(() => parseText('{"snapshot":[1]}'), /^not a V8 heap snapshot: "snapshot" is not an object/);
		assertRefused(() => parseText('{"snapshot":{"meta":{}},"nodes":[]}'), 'not a V8 heap snapshot: snapshot.meta.node_fields is not a list of names');
		assertRefused(() => parseText(tiny({nodeFields: '["type","name","self_size","edge_count"]'})), 'not a V8 heap snapshot: snapshot.meta.node_fields has no "id"');
	});

	test('counts that disagree with the arrays', () => {
		assertRefused(() => parseText(tiny({nodeCount: 3})), "corrupt heap snapshot: the nodes section holds 10 numbers where the header's node_count 3 x 5 fields needs 15");
		assertRefused(() => parseText(tiny({nodeCount: 1})), "corrupt heap snapshot: the nodes section holds more numbers than the header's node_count 1 x 5 fields");
		assertRefused(() => parseText(tiny({edgeCount: 2})), "corrupt heap snapshot: the edges section holds 3 numbers where the header's edge_count 2 x 3 fields needs 6");
		assertRefused(() => parseText(tiny({nodes: '[0,0,1,0,2,1,1,3,16,0]', edgeCount: 1})), "corrupt heap snapshot: its nodes claim 2 edges in all, the header's edge_count says 1");
	});

	test('references that point nowhere', () => {
		assertRefused(() => parseText(tiny({edges: '[2,2,3]'})), 'corrupt heap snapshot: edge 0 points at 3, which is not the start of a node');
		assertRefused(() => parseText(tiny({edges: '[2,2,10]'})), 'corrupt heap snapshot: edge 0 points at 10, which is not the start of a node');
		assertRefused(() => parseText(tiny({nodes: '[0,0,1,0,1,1,7,3,16,0]'})), "corrupt heap snapshot: a node's name is string 7, but there are only 3 strings");
		assertRefused(() => parseText(tiny({edges: '[2,9,5]'})), "corrupt heap snapshot: an edge's name is string 9, but there are only 3 strings");
		// An element edge's name_or_index is an index, not a string.
		assert.equal(parseText(tiny({edges: '[1,9,5]'})).edges[1], 9);
	});

	test('values that do not fit in 32 bits, bad numbers and bad escapes', () => {
		const big = tiny({nodes: '[0,0,4294967296,0,1,1,1,3,16,0]'});
		assertRefused(() => parseText(big), `corrupt heap snapshot: the number ending at byte ${big.indexOf('4294967296') + 10} in the nodes section does not fit in 32 bits`);
		assert.equal(parseText(tiny({nodes: '[0,0,4294967295,0,1,1,1,3,16,0]'})).nodes[2], 4294967295);
		const negative = tiny({nodes: '[0,0,-1,0,1,1,1,3,16,0]'});
		assertRefused(() => parseText(negative), `corrupt heap snapshot: unexpected '-' at byte ${negative.indexOf('-1')} in the nodes section`);
		const fraction = tiny({nodes: '[0,0,1.5,0,1,1,1,3,16,0]'});
		assertRefused(() => parseText(fraction), `corrupt heap snapshot: unexpected '.' at byte ${fraction.indexOf('.5')} in the nodes section`);
		const doubleComma = tiny({edges: '[2,,2,5]'});
		assertRefused(() => parseText(doubleComma), `corrupt heap snapshot: unexpected ',' at byte ${doubleComma.indexOf(',,') + 1} in the edges section`);
		const escape = tiny({strings: '["","F\\xoo","bar"]'});
		assertRefused(() => parseText(escape, 1), `corrupt heap snapshot: unexpected 'x' at byte ${escape.indexOf('\\x') + 1} in the strings section`);
		const shortHex = tiny({strings: '["","F\\u12g4","bar"]'});
		assertRefused(() => parseText(shortHex, 1), `corrupt heap snapshot: unexpected 'g' at byte ${shortHex.indexOf('g4')} in the strings section`);
		assert.equal(parseText(tiny({strings: '["","F\\u00e9\\"\\/\\b","bar"]'}), 1).strings.get(1), 'Fé"/\b');
	});

	test('missing, repeated, malformed sections and trailing bytes', () => {
		const withoutStrings = tiny().replace(/,\n"strings":\[[^\]]*\]/, '');
		assertRefused(() => parseText(withoutStrings), 'corrupt heap snapshot: it has no strings section');
		assertRefused(() => parseText(tiny({tail: ',"edges":[]}'})), 'corrupt heap snapshot: it has two edges sections');
		assertRefused(() => parseText(tiny({nodes: '{}'})), `corrupt heap snapshot: the nodes section is not an array ('{' at byte ${tiny({nodes: '{}'}).indexOf('"nodes":{') + 8})`);
		const trailing = `${tiny()} x`;
		assertRefused(() => parseText(trailing), `corrupt heap snapshot: unexpected 'x' at byte ${trailing.length - 1} after the end of the snapshot`);
		const unbalanced = tiny({tail: ',"samples":[1,2}}'});
		assertRefused(() => parseText(unbalanced), `corrupt heap snapshot: unexpected '}' at byte ${unbalanced.indexOf('2}') + 1} in the samples section`);
		assertRefused(() => parseText(tiny({tail: ',"samples":[1,2'})), 'truncated heap snapshot: the file ends inside the samples section');
		assertRefused(() => parseText(tiny({nodeCount: 2 ** 40})), /^corrupt heap snapshot: its header promises 1099511627776 nodes and 1 edges, more than a snapshot can hold$/);
	});
});
