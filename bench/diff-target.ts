/**
 * The process whose snapshots the diff benchmark (bench/diff.ts) compares: a Map of account
 * records, each an `Account` instance with flat distinct strings, a nested plain object, a
 * tags array and an array of small event objects (the shapes DevTools names `{kind, at}`).
 *
 * It fills the map until a snapshot of it should be about `--mb` MB, takes one with
 * `v8.writeHeapSnapshot` in-process, and with `--files 2` then changes the heap the way a slow
 * leak does between two snapshots: adds 20 % more records and drops every 20th of the old ones
 * (net +15 %, and the dropped ones give the diff a non-zero #deleted), and takes a second one.
 * One process, so node ids match across the two files. Prints one line per file,
 * `wrote PATH BYTES MS`, then exits.
 *
 *   node dist/bench/diff-target.js --mb 200 --out DIR [--files 2]
 */
import {statSync} from 'node:fs';
import {join} from 'node:path';
import {performance} from 'node:perf_hooks';
import {parseArgs} from 'node:util';
import v8 from 'node:v8';
import {runInNewContext} from 'node:vm';

const {values: args} = parseArgs({options: {mb: {type: 'string'}, out: {type: 'string'}, files: {type: 'string', default: '2'}}});
const fileMB = Number(args.mb);
if (!(fileMB > 0)) throw new Error(`--mb must be a positive number, not ${args.mb}`);
if (!args.out) throw new Error('--out DIR is required');
const outDir = args.out;
const files = Number(args.files);
if (files !== 1 && files !== 2) throw new Error(`--files must be 1 or 2, not ${args.files}`);

/**
 * Snapshot bytes per byte of live heap for these records, measured on Node 20 (1.7-1.8 at 20 to
 * 200 MB): the heap to build for a file of about `--mb`. The benchmark reports the real sizes.
 */
const fileBytesPerHeapByte = 1.75;

// A full GC on demand without `--expose-gc` on the command line, as bench/heap-target.ts does.
v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface AccountRow {
	id: number;
	name: string;
	email: string;
	profile: {city: string; plan: string; score: number; note: string};
	tags: string[];
	events: {kind: string; at: number}[];
}

/** A constructor, so the records show as their own class (`Account`) beside the plain objects. */
class Account {
	readonly id: number;
	readonly name: string;
	readonly email: string;
	readonly profile: AccountRow['profile'];
	readonly tags: string[];
	readonly events: AccountRow['events'];
	constructor(row: AccountRow) {
		this.id = row.id;
		this.name = row.name;
		this.email = row.email;
		this.profile = row.profile;
		this.tags = row.tags;
		this.events = row.events;
	}
}

const accounts = new Map<string, Account>();
const cities = ['Lisbon', 'Osaka', 'Lagos', 'Quito', 'Tartu', 'Perth', 'Leeds', 'Pune'];
const plans = ['free', 'team', 'business'];
const kinds = ['login', 'purchase', 'refund', 'logout'];
const batchSize = 1000;
let nextId = 0;

/** A batch as a service gets one (JSON from a database or an API), so strings are flat and distinct. */
function addBatch(): void {
	const rows: AccountRow[] = [];
	for (let i = 0; i < batchSize; i++) {
		const id = nextId++;
		rows.push({
			id,
			name: `Account ${id.toString(36)} of ${cities[id % cities.length]}`,
			email: `account.${id}@example.com`,
			profile: {city: cities[id % cities.length]!, plan: plans[id % plans.length]!, score: (id % 997) / 7, note: `first seen in batch ${Math.floor(id / batchSize)}`},
			tags: [`segment-${id % 31}`, `cohort-${id % 12}`],
			events: Array.from({length: 1 + (id % 3)}, (_, k) => ({kind: kinds[(id + k) % kinds.length]!, at: 1_700_000_000_000 + id * 1000 + k})),
		});
	}
	for (const row of JSON.parse(JSON.stringify(rows)) as AccountRow[]) accounts.set(`account:${row.id}`, new Account(row));
}

const heapUsed = () => {
	gc();
	return process.memoryUsage().heapUsed;
};

/** Fills the map until the live heap reaches `targetBytes` (records are about the same size, so a measured cost per record gets close). */
function fill(targetBytes: number): void {
	const baseHeap = heapUsed();
	// Enough to measure a record's cost, little enough for small smoke-test files.
	for (let i = 0; i < 2; i++) addBatch();
	for (let round = 0; round < 20; round++) {
		const used = heapUsed();
		if (used >= targetBytes) return;
		const missing = ((targetBytes - used) / ((used - baseHeap) / accounts.size)) * 0.97;
		for (let added = 0; added < missing; added += batchSize) addBatch();
	}
}

function write(name: string): void {
	const path = join(outDir, name);
	gc();
	const started = performance.now();
	v8.writeHeapSnapshot(path);
	process.stdout.write(`wrote ${path} ${statSync(path).size} ${Math.round(performance.now() - started)}\n`);
}

fill((fileMB * 1e6) / fileBytesPerHeapByte);
write(files === 2 ? 'base.heapsnapshot' : 'single.heapsnapshot');
if (files === 2) {
	const before = accounts.size;
	let index = 0;
	for (const key of [...accounts.keys()]) if (index++ % 20 === 0) accounts.delete(key);
	const grown = Math.round(before * 1.15);
	while (accounts.size < grown) addBatch();
	write('next.heapsnapshot');
}
