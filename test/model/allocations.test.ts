import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {aggregateProfile, displayPath, formatFrame, frameKind, type ProfileNode, type SamplingProfile} from '../../src/model/allocations.js';
import {allocationRows, appendView, emptyTable, setBaseline} from '../../src/model/allocation-table.js';

let nextId = 1;
/** A profile node: `name@url:line` (1-based line, as shown), its own bytes, its callees. */
function node(spec: string, selfSize: number, children: ProfileNode[] = []): ProfileNode {
	const [functionName = '', where = ''] = spec.split('@');
	const [url = '', line = '1'] = where.split(/:(?=\d+$)/);
	return {callFrame: {functionName, url, lineNumber: Number(line) - 1, columnNumber: 4}, selfSize, id: nextId++, children};
}

function profile(...children: ProfileNode[]): SamplingProfile {
	const head = node('(root)', 0, children);
	const samples: Array<SamplingProfile['samples'][number]> = [];
	for (const pending = [head]; pending.length > 0; ) {
		const n = pending.pop()!;
		if (n.selfSize > 0) samples.push({size: n.selfSize, nodeId: n.id, ordinal: samples.length});
		pending.push(...n.children);
	}
	return {head, samples};
}

const app = 'file:///srv/app/lib/cache.js';
const server = 'file:///srv/app/server.js';

/** A request handler that caches users (through Map.set and JSON.parse) and answers. */
function cacheProfile(cachedBytes: number, parsedBytes = 1000) {
	return profile(
		node('processTimers@node:internal/timers:500', 0, [
			node('handle@' + server + ':20', 300, [
				node('getUser@' + app + ':12', 0, [
					node('makeUser@' + app + ':3', cachedBytes, [node('repeat@', 50)]),
					node('JSON.parse@', 0, [node('parse@', parsedBytes)]),
				]),
			]),
		]),
		node('(V8 API)@', 64),
		node('__leaktop__@', 4096, [node('map@', 128)]),
	);
}

describe('frameKind', () => {
	test('tells user code from V8/Node internals and from leaktop itself', () => {
		assert.equal(frameKind({url: app, functionName: 'x'}), 'user');
		assert.equal(frameKind({url: '/srv/app/server.js', functionName: ''}), 'user');
		assert.equal(frameKind({url: '', functionName: 'JSON.parse'}), 'internal');
		assert.equal(frameKind({url: 'node:internal/timers', functionName: 'listOnTimeout'}), 'internal');
		assert.equal(frameKind({url: 'internal/timers.js', functionName: 'listOnTimeout'}), 'internal');
		assert.equal(frameKind({url: 'file:///x.js', functionName: '(garbage collector)'}), 'internal');
		assert.equal(frameKind({url: '', functionName: '__leaktop__'}), 'own');
	});
});

describe('aggregateProfile', () => {
	test('folds internals into the nearest user caller and counts leaktop apart', () => {
		const aggregate = aggregateProfile(cacheProfile(10_000));
		assert.equal(aggregate.totalBytes, 300 + 10_000 + 50 + 1000 + 64 + 4096 + 128);
		assert.equal(aggregate.ownBytes, 4096 + 128);
		assert.equal(aggregate.internalOnlyBytes, 64);
		const sites = Object.fromEntries(aggregate.user.sites.map(s => [s.site.functionName, s.liveBytes]));
		// repeat() inside makeUser counts for makeUser; JSON.parse's allocations count for getUser.
		assert.deepEqual(sites, {makeUser: 10_050, getUser: 1000, handle: 300});
		assert.equal(aggregate.user.sites[0]!.site.functionName, 'makeUser', 'most bytes first');
		assert.ok(aggregate.user.sites.every(s => !s.internal));
	});

	test('the internals view keeps every frame as it is', () => {
		const {all} = aggregateProfile(cacheProfile(10_000));
		const sites = Object.fromEntries(all.sites.map(s => [s.site.functionName, s]));
		assert.equal(sites.parse?.liveBytes, 1000);
		assert.equal(sites.parse?.internal, true);
		assert.equal(sites.makeUser?.liveBytes, 10_000);
		assert.equal(sites['(V8 API)']?.liveBytes, 64);
		assert.equal(sites.map, undefined, "leaktop's own frames stay out");
	});

	test('lines and columns are 1-based; the stack runs from the site to the root with bytes per frame', () => {
		const {user} = aggregateProfile(cacheProfile(10_000));
		const makeUser = user.sites.find(s => s.site.functionName === 'makeUser')!;
		assert.deepEqual(makeUser.site, {functionName: 'makeUser', url: app, line: 3, column: 5});
		assert.deepEqual(
			makeUser.stack.map(f => `${f.functionName}:${f.line}=${f.bytes}`),
			['makeUser:3=10050', 'getUser:12=10050', 'handle:20=10050', 'processTimers:500=10050'],
		);
		assert.equal(makeUser.samples, 2, 'its own sample and the folded repeat() sample');
	});

	test('a generic site reached from two callers splits into two call paths', () => {
		const p = profile(
			node('a@' + app + ':1', 0, [node('JSON.parse@', 0, [node('parse@', 700)])]),
			node('b@' + app + ':2', 0, [node('JSON.parse@', 0, [node('parse@', 300)])]),
		);
		const {all, user} = aggregateProfile(p);
		const parse = all.sites.find(s => s.site.functionName === 'parse')!;
		assert.equal(parse.liveBytes, 1000);
		const paths = all.paths.filter(path => path.frames[0]!.functionName === 'parse');
		assert.deepEqual(paths.map(path => [path.frames.map(f => f.functionName).join('<'), path.liveBytes]), [['parse<JSON.parse<a', 700], ['parse<JSON.parse<b', 300]]);
		assert.deepEqual(user.sites.map(s => [s.site.functionName, s.liveBytes]), [['a', 700], ['b', 300]]);
		// With several stacks, each frame of the heaviest shows the bytes of every stack through it.
		assert.deepEqual(parse.stack.map(f => `${f.functionName}=${f.bytes}`), ['parse=1000', 'JSON.parse=1000', 'a=700']);
	});

	test('survives a deep profile tree without recursion', () => {
		let leaf = node('deep@' + app + ':9', 10);
		for (let i = 0; i < 20_000; i++) leaf = node(`f${i % 3}@${app}:${i % 3}`, 0, [leaf]);
		const aggregate = aggregateProfile(profile(leaf));
		assert.equal(aggregate.user.sites[0]?.liveBytes, 10);
		assert.equal(aggregate.nodes, 20_002);
	});
});

describe('displayPath', () => {
	test('shows file URLs relative to the target cwd when they are under it', () => {
		assert.equal(displayPath(app, '/srv/app'), 'lib/cache.js');
		assert.equal(displayPath(app, '/srv/app/'), 'lib/cache.js');
		assert.equal(displayPath('file:///opt/other/x.js', '/srv/app'), '/opt/other/x.js');
		assert.equal(displayPath('file:///srv/application/x.js', '/srv/app'), '/srv/application/x.js', 'a sibling with the same prefix is not under cwd');
		assert.equal(displayPath('file:///srv/my%20app/x.js', '/srv/my app'), 'x.js');
		assert.equal(displayPath('/srv/app/cjs.js', '/srv/app'), 'cjs.js', 'CommonJS scripts have plain paths');
		assert.equal(displayPath(app, null), '/srv/app/lib/cache.js');
		assert.equal(formatFrame({functionName: 'parse', url: '', line: 0, column: 0}, '/srv/app'), '(native)');
		assert.equal(formatFrame({functionName: 'x', url: app, line: 3, column: 5}, '/srv/app'), 'lib/cache.js:3:5');
	});
});

describe('allocation table', () => {
	const poll = (bytes: number) => aggregateProfile(cacheProfile(bytes)).user;

	test('growth since attach, since the baseline, and a rate per minute', () => {
		let table = emptyTable();
		for (let i = 0; i < 5; i++) table = appendView(table, poll(10_000 * (i + 1)), 60_000 * i);
		let [top] = allocationRows(table);
		assert.equal(top?.site.functionName, 'makeUser');
		assert.equal(top?.growthBytes, 50_050, 'sampling started at attach: everything live grew since then');
		assert.equal(Math.round(top!.ratePerMinute), 10_000);
		assert.deepEqual(top?.series, [10_050, 20_050, 30_050, 40_050, 50_050]);
		table = setBaseline(table, 4 * 60_000);
		table = appendView(table, poll(55_000), 5 * 60_000);
		[top] = allocationRows(table);
		assert.equal(top?.growthBytes, 5000);
		assert.equal(top?.growthSinceAttach, 55_050);
		assert.equal(Math.round(top!.ratePerMinute), 5000, 'fitted on the points since the baseline');
	});

	test('sorts by growth: a big flat site ranks below a small growing one', () => {
		const flat = (n: number) => node('warm@' + app + ':40', n);
		const grow = (n: number) => node('leak@' + app + ':50', n);
		let table = emptyTable();
		table = appendView(table, aggregateProfile(profile(flat(1_000_000), grow(1000))).user, 0);
		table = setBaseline(table, 0);
		table = appendView(table, aggregateProfile(profile(flat(1_000_000), grow(9000))).user, 10_000);
		assert.deepEqual(allocationRows(table).map(r => [r.site.functionName, r.growthBytes]), [['leak', 8000], ['warm', 0]]);
	});

	test('a site that disappears drops to zero and then leaves; the table stays bounded', () => {
		const limits = {maxSites: 3, pointsPerSite: 2, ratePoints: 2};
		let table = appendView(emptyTable(), aggregateProfile(profile(node('gone@' + app + ':1', 500))).user, 0, limits);
		table = appendView(table, aggregateProfile(profile(node('other@' + app + ':2', 10))).user, 1000, limits);
		assert.equal(table.sites.get([...table.sites.keys()].find(k => k.startsWith('gone'))!)?.liveBytes, 0);
		table = appendView(table, aggregateProfile(profile(node('other@' + app + ':2', 10))).user, 2000, limits);
		assert.deepEqual([...table.sites.values()].map(s => s.site.functionName), ['other'], 'gone once its window holds only zeros');
		const many = profile(...Array.from({length: 10}, (_, i) => node(`s${i}@${app}:${i + 1}`, 100 * (i + 1))));
		table = appendView(table, aggregateProfile(many).user, 3000, limits);
		assert.deepEqual([...table.sites.values()].map(s => s.site.functionName), ['s9', 's8', 's7'], 'the largest sites are kept');
	});
});
