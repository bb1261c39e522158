import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, test} from 'node:test';
import {closureDetails} from '../../../src/model/heap-snapshot/closures.js';
import {nodeInfo, retainedSizes} from '../../../src/model/heap-snapshot/retainers.js';
import type {HeapSnapshot} from '../../../src/model/heap-snapshot/snapshot.js';
import {snapshotFromJson} from '../../helpers/snapshot-json.js';
import {writeSnapshot} from '../../helpers/heap-snapshots.js';

const MB = 1 << 20;

// The seed's closure pattern: a small handler kept on a global captures the scope that holds a
// big array. `label` sits one scope further out.
const fixture = [
	'function outer(label) {',
	'  function makeHandler() {',
	'    const big = new Array(131072).fill(0.5);',
	'    const calls = new Set();',
	'    return function handler() { calls.add(1); return big.length + label.length; };',
	'  }',
	'  return makeHandler();',
	'}',
	"globalThis.handler = outer('a label');",
	'globalThis.plain = {};',
].join('\n');

const dir = mkdtempSync(join(tmpdir(), 'leaktop-closures-'));
let snapshot: HeapSnapshot;
let handlerIndex: number;

before(async () => {
	snapshot = snapshotFromJson(readFileSync(await writeSnapshot(dir, fixture), 'utf8'));
	const found: number[] = [];
	for (let ordinal = 0; ordinal < snapshot.nodeCount; ordinal++) {
		const info = nodeInfo(snapshot, ordinal * snapshot.nodeFieldCount);
		if (info.type === 'closure' && info.name === 'handler') found.push(info.nodeIndex);
	}
	assert.equal(found.length, 1, 'one closure named handler');
	handlerIndex = found[0]!;
});

after(() => rmSync(dir, {recursive: true, force: true}));

test('a closure names its function and where it is defined', () => {
	const details = closureDetails(snapshot, handlerIndex);
	assert.equal(details.functionName, 'handler');
	assert.ok(details.location, 'a location');
	const {line, column, scriptName, scriptId} = details.location;
	assert.ok(scriptId > 0);
	// `node -e` names its script [eval]-something; the name must come from the snapshot itself.
	assert.match(scriptName ?? '', /eval/);
	const source = fixture.split('\n');
	assert.equal(line, source.findIndex(text => text.includes('function handler')) + 1);
	// V8 places a function at its parameter list, just after the name.
	const text = source[line - 1]!;
	assert.equal(column, text.indexOf('function handler') + 'function handler'.length + 1);
	assert.equal(details.retainedSize, undefined, 'no retained sizes unless passed in');
});

test('the captured scope shows the big array and its retained size, then the outer scope', () => {
	const retained = retainedSizes(snapshot);
	const details = closureDetails(snapshot, handlerIndex, retained);
	assert.ok(details.scopes.length >= 2, `scopes: ${details.scopes.map(s => s.variables.map(v => v.variable).join(',')).join(' | ')}`);
	const [inner, outerScope] = details.scopes;
	const byName = new Map(inner!.variables.map(v => [v.variable, v]));
	assert.deepEqual([...byName.keys()].sort(), ['big', 'calls']);
	assert.equal(byName.get('calls')!.name, 'Set');
	const big = byName.get('big')!;
	assert.equal(big.type, 'object');
	assert.equal(big.name, 'Array');
	assert.ok(big.retainedSize! >= MB && big.retainedSize! < 1.1 * MB, `big retains ${big.retainedSize}`);
	assert.ok(inner!.retainedSize! >= big.retainedSize!, 'the context retains what it captured');
	assert.ok(details.retainedSize! >= big.retainedSize!, 'and so does the function');
	assert.deepEqual(
		outerScope!.variables.map(v => [v.variable, v.type, v.name]),
		[['label', 'string', 'a label']],
	);
	assert.equal(inner!.name, 'system / Context');
});

test('closureDetails refuses a node that is not a closure', () => {
	let plain = -1;
	for (let ordinal = 0; ordinal < snapshot.nodeCount && plain < 0; ordinal++) {
		if (nodeInfo(snapshot, ordinal * snapshot.nodeFieldCount).type === 'object') plain = ordinal * snapshot.nodeFieldCount;
	}
	assert.throws(() => closureDetails(snapshot, plain), RangeError);
});
