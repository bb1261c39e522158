/**
 * The target of the allocations benchmark. It allocates steadily from thousands of distinct call
 * paths and keeps a bounded amount alive, so that V8's sampling heap profile of it is large.
 *
 * The functions form a tree, `depth` levels deep and `width` wide: node_<level>_<i> calls
 * one function of the next level, chosen by the path. A leaf allocates a chunk (an array of
 * about 4 KB) and stores it in a ring. The ring replaces its oldest entry, which keeps the
 * retained size fixed. Every distinct path from the driver to a leaf is a node of its own in
 * the profile's call tree. By default that is 24^3 = 13,824 leaf paths, plus 600 inner nodes.
 * A 4 KiB sampling interval catches about one retained chunk in 1.6, so about 10k leaf nodes
 * appear once the ring has turned over. A 512 KiB interval catches about one in 128.
 *
 * Each function is compiled on its own by `new Function` and has a name and a constant of its
 * own, so V8's compilation cache cannot merge two of them into one SharedFunctionInfo. Every
 * call site in the tree sees `width` different targets. Such megamorphic call sites are never
 * inlined, which matters because an inlined frame would vanish from the sampled stacks.
 *
 * The driver calls leaves in path order (width^depth paths round-robin) at `--calls` per
 * second, in 10 ms batches. The ring holds `--ring` chunks. It is filled before `ready` is
 * printed. GET /stats on the printed port returns {calls, chunkBytes, retainedBytes, uptimeMs}.
 *
 *   node --inspect=127.0.0.1:0 dist/bench/profile-target.js [--width 24] [--depth 3] [--ring 16384] [--calls 4000]
 */
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {exitOnSignals} from './target-shutdown.js';
import {parseArgs} from 'node:util';

const {values: args} = parseArgs({
	options: {
		width: {type: 'string', default: '24'},
		depth: {type: 'string', default: '3'},
		ring: {type: 'string', default: '16384'},
		calls: {type: 'string', default: '4000'},
	},
});
const width = Number(args.width);
const depth = Number(args.depth);
const ringSize = Number(args.ring);
const callsPerSecond = Number(args.calls);
/** 512 elements of 8 bytes each, plus the array's header: about 4 KB per chunk. */
const chunkLength = 512;
/** A chunk's heap size: the elements store (8-byte slots, 16-byte header) and the 32-byte JSArray. */
const chunkBytes = chunkLength * 8 + 16 + 32;
const tickMs = 10;

/** Path digits: which function each level calls next. `node(path, at)` reads `path[at]`. */
type TreeFunction = (path: Int32Array, at: number) => void;

const ring: unknown[] = new Array<unknown>(ringSize).fill(null);
const cursor = {next: 0};

function buildTree(): TreeFunction[] {
	let next: TreeFunction[] = [];
	for (let level = depth - 1; level >= 0; level--) {
		const functions: TreeFunction[] = [];
		for (let i = 0; i < width; i++) {
			// The source differs per function (name and constant), so each compiles to its own
			// SharedFunctionInfo, which is the identity a profile node has.
			const source =
				level === depth - 1
					? `return function leaf_${level}_${i}(path, at) { ring[cursor.next++ % ring.length] = new Array(${chunkLength}).fill(${i}); };`
					: `return function node_${level}_${i}(path, at) { return next[path[at]](path, at + 1); };`;
			functions.push(new Function('ring', 'cursor', 'next', source)(ring, cursor, next) as TreeFunction);
		}
		next = functions;
	}
	return next;
}

const roots = buildTree();
const pathCount = width ** depth;
const path = new Int32Array(depth);
let calls = 0;

/** Calls the leaf of path number `calls % pathCount` for each of the next `n` calls. */
function drive(n: number): void {
	for (let k = 0; k < n; k++) {
		let p = calls++ % pathCount;
		for (let level = depth - 1; level >= 0; level--) {
			path[level] = p % width;
			p = Math.floor(p / width);
		}
		roots[path[0]!]!(path, 1);
	}
}

drive(ringSize);
const perTick = (callsPerSecond * tickMs) / 1000;
let owed = 0;
setInterval(() => {
	owed += perTick;
	const n = Math.floor(owed);
	owed -= n;
	drive(n);
}, tickMs);

const startedAt = Date.now();
const server = http.createServer((_req, res) => {
	res.setHeader('content-type', 'application/json');
	res.end(JSON.stringify({calls, chunkBytes, retainedBytes: ringSize * chunkBytes, uptimeMs: Date.now() - startedAt}));
});
server.listen(0, '127.0.0.1', () => {
	process.stdout.write(`ready ${(server.address() as AddressInfo).port}\n`);
});

exitOnSignals(server);
