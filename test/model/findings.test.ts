/** The classifier on synthetic evidence: each pattern, the ambiguous pairs, and the controls. */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import type {AllocationRow} from '../../src/model/allocation-table.js';
import type {Frame} from '../../src/model/allocations.js';
import {classify, type FindingEvidence, type SnapshotEvidence, snapshotFindings} from '../../src/model/findings.js';
import type {ListenerGrowthRow} from '../../src/model/listeners.js';
import type {LeakVerdict, Signal} from '../../src/model/verdict.js';

function signal(kind: Signal['kind'], series: string, verdict: Signal['verdict'], slopePerHour = 0, overrides: Partial<Signal> = {}): Signal {
	return {kind, series, verdict, slopePerHour, unit: kind === 'heap' || kind === 'external' || kind === 'rss' ? 'bytes' : 'count', confidence: 0.9, points: 10, spanMs: 60_000, current: 1000, floor: 900, growth: 500, limit: null, timeToLimitMs: null, ...overrides};
}

const frame = (functionName: string, url: string, line: number): Frame => ({functionName, url, line, column: 1});

function row(site: Frame, growthBytes: number, callers: Frame[] = [], internal = false): AllocationRow {
	const stack = [site, ...callers].map(f => ({...f, bytes: growthBytes}));
	return {key: `${site.functionName}@${site.url}:${site.line}`, site, internal, liveBytes: growthBytes, samples: 10, growthBytes, growthSinceAttach: growthBytes, ratePerMinute: 0, series: [], stack};
}

const app = 'file:///srv/app/';
const flatMemory = [signal('heap', 'heapUsed', 'flat'), signal('external', 'external', 'flat'), signal('rss', 'rss', 'warming up')];

function evidence(signals: Signal[], more: Partial<FindingEvidence> = {}): FindingEvidence {
	const verdict: LeakVerdict = {leak: signals.some(s => s.verdict === 'growing'), signals};
	return {verdict, userSites: [], allSites: [], listeners: [], snapshot: null, ...more};
}

test('nothing grows: no finding (the controls)', () => {
	assert.deepEqual(classify(evidence(flatMemory)), []);
	assert.deepEqual(classify(evidence([...flatMemory, signal('resources', 'Timeout', 'flat'), signal('listeners', 'EventEmitter.update', 'flat'), signal('watch', 'cache.size', 'growing', 3600)])), [], 'a growing watch is the user\'s own series, not a finding');
});

test('listeners: the emitter and event, the rate, the code that adds them, and the fix with its docs section', () => {
	const subscribe = frame('subscribe', `${app}bus.js`, 12);
	const [first, ...rest] = classify(
		evidence([signal('heap', 'heapUsed', 'growing', 5e6), signal('listeners', 'EventEmitter.update', 'growing', 180_000, {growth: 3000, confidence: 0.95})], {
			listeners: [{emitter: 'EventEmitter', event: 'update', count: 3100, emitters: 1, maxPerEmitter: 3100, overLimit: 0, limitDisabled: 1, growth: 3000} satisfies ListenerGrowthRow],
			userSites: [row(subscribe, 4_000_000, [frame('handle', `${app}server.js`, 40)])],
			allSites: [row(frame('_addListener', 'node:events', 500), 100_000, [frame('addListener', 'node:events', 600), subscribe]), row(subscribe, 3_900_000)],
		}),
	);
	assert.equal(rest.length, 0, 'the heap growth is explained by the listeners: no second finding');
	assert.equal(first!.pattern, 'listeners');
	assert.equal(first!.confidence, 0.95);
	assert.match(first!.sentence, /^listener leak: 'update' listeners on EventEmitter grow by 50\/s and are never removed, added in subscribe bus\.js:12; remove listeners when their owner goes away/);
	assert.deepEqual(first!.site, {url: `${app}bus.js`, line: 12, functionName: 'subscribe'});
	assert.match(first!.evidence[0]!, /^EventEmitter\.update: \+3000 since the baseline \(50\/s, 95 % confidence\), 3100 on 1 emitter \(at most 3100 on one\)$/);
	assert.equal(first!.advice.docs, 'Events: emitter.removeListener(eventName, listener)');
	assert.match(first!.advice.url, /^https:\/\/nodejs\.org\/api\/events\.html#/);
});

test('the census placed the listener itself and the stream\'s code: those are the sites', () => {
	const handler = {url: `${app}routes/stream.js`, line: 27, column: 19, functionName: 'handler'};
	const [listeners] = classify(
		evidence([signal('listeners', 'EventEmitter.update', 'growing', 72_000)], {
			userSites: [row(frame('record', `${app}db.js`, 9), 2e6)],
			placed: {listenerSites: [{emitter: 'EventEmitter', event: 'update', site: handler}], streams: []},
		}),
	);
	assert.match(listeners!.sentence, /^listener leak: 'update' listeners on EventEmitter grow by 20\/s and are never removed, the listener is defined in handler stream\.js:27; remove/);
	assert.deepEqual(listeners!.site, {url: handler.url, line: 27, functionName: 'handler'});
	assert.ok(listeners!.evidence.includes('the newest listener: handler stream.js:27'));

	const read = {url: `${app}audit.js`, line: 16, column: 33, functionName: 'read'};
	const [stream] = classify(
		evidence([signal('heap', 'heapUsed', 'flat'), signal('external', 'external', 'growing', 300e6)], {
			placed: {streams: [{name: 'Readable', buffered: 8_100_000, highWaterMark: 16_384, site: read}, {name: 'Socket', buffered: 1000, highWaterMark: 16_384, site: null}]},
		}),
	);
	assert.match(stream!.sentence, /^stream leak: external memory \(Buffers\) grows \+300\.0 MB\/h while the heap stays flat: a Readable holds 8\.1 MB nobody reads \(high-water mark 16\.4 KB\), created with read audit\.js:16; respect backpressure/);
	assert.ok(stream!.evidence.includes('Readable buffers 8.1 MB (read audit.js:16)'));
	assert.ok(stream!.evidence.includes('Socket buffers 1.0 KB'));
});

test('listeners one each on many emitters rank below the bus that collects thousands: those emitters are kept alive by the real leak', () => {
	const rows: ListenerGrowthRow[] = [
		{emitter: 'EventEmitter', event: 'update', count: 1200, emitters: 1, maxPerEmitter: 1200, overLimit: 0, limitDisabled: 1, growth: 1166},
		{emitter: 'IncomingMessage', event: 'end', count: 1200, emitters: 1200, maxPerEmitter: 1, overLimit: 0, limitDisabled: 0, growth: 1166},
	];
	const found = classify(evidence([signal('listeners', 'IncomingMessage.end', 'growing', 72_000), signal('listeners', 'EventEmitter.update', 'growing', 72_000)], {listeners: rows}));
	assert.deepEqual(found.map(f => f.pattern), ['listeners', 'listeners']);
	assert.match(found[0]!.sentence, /^listener leak: 'update' listeners on EventEmitter/);
	assert.match(found[1]!.sentence, /^emitters kept alive: 'end' listeners grow by 20\/s, one each on 1200 IncomingMessage objects/);
	assert.ok(found[1]!.confidence < found[0]!.confidence);
});

test('timers: Timeout handles grow; the site is the user code that called setInterval', () => {
	const start = frame('startSession', `${app}sessions.js`, 30);
	const [first] = classify(
		evidence([signal('heap', 'heapUsed', 'growing', 5e6), signal('resources', 'Timeout', 'growing', 144_000)], {
			userSites: [row(frame('record', `${app}db.js`, 9), 2e6, [start])],
			allSites: [row(frame('Timeout', 'node:internal/timers', 180), 300_000, [frame('setInterval', 'node:timers', 200), start]), row(frame('record', `${app}db.js`, 9), 2e6)],
		}),
	);
	assert.equal(first!.pattern, 'timers');
	assert.match(first!.sentence, /^timer leak: active Timeout handles grow by 40\/s and are never cleared, started in startSession sessions\.js:30; clear timers/);
	assert.equal(first!.site?.functionName, 'startSession');
	assert.equal(first!.advice.docs, 'Timers: clearInterval(timeout)');
});

test('promises: live Promises grow; the site names the helper and the caller in the app\'s own file', () => {
	const [first] = classify(
		evidence([signal('heap', 'heapUsed', 'growing', 5e6), signal('promises', 'Promise', 'growing', 72_000)], {
			userSites: [row(frame('record', `${app}lib/common.js`, 60), 2e6, [frame('handle', `${app}orders.js`, 23)])],
		}),
	);
	assert.equal(first!.pattern, 'promises');
	assert.match(first!.sentence, /^promise leak: live Promises grow by 20\/s, left pending, created in record common\.js:60 \(called from handle orders\.js:23\); settle or time out/);
});

test('stream vs heap growth: external alone is a stream; external with the heap is not (Buffers held by growing objects)', () => {
	const externalOnly = classify(evidence([signal('heap', 'heapUsed', 'flat'), signal('external', 'external', 'growing', 300e6), signal('rss', 'rss', 'warming up')]));
	assert.equal(externalOnly[0]!.pattern, 'stream');
	assert.match(externalOnly[0]!.sentence, /^stream leak: external memory \(Buffers\) grows \+300\.0 MB\/h while the heap stays flat/);
	assert.equal(externalOnly[0]!.advice.docs, 'Stream: Buffering');
	const both = classify(evidence([signal('heap', 'heapUsed', 'growing', 200e6), signal('external', 'external', 'growing', 300e6)]));
	assert.deepEqual(both.map(f => f.pattern), ['unknown']);
});

const holderOf = (holder: SnapshotEvidence['holder'], holderName: string, site: SnapshotEvidence['site'] = null): SnapshotEvidence => ({className: 'Payload', newCount: 1200, retainedSize: 5_000_000, holder, holderName, retainers: ['Payload', 'Map', 'cache (context)'], site});

test('cache vs closure: the heap alone cannot tell, and says what would; the snapshot pair\'s holder decides', () => {
	const userSites = [row(frame('getUser', `${app}users.js`, 14), 3e6)];
	const heapOnly = [signal('heap', 'heapUsed', 'growing', 300e6, {confidence: 1})];
	const [alone] = classify(evidence(heapOnly, {userSites}));
	assert.equal(alone!.pattern, 'unknown');
	assert.equal(alone!.confidence, 0.5);
	assert.match(alone!.sentence, /^heap floor grows \+300\.0 MB\/h, most of it allocated in getUser users\.js:14; not enough evidence for the pattern: two snapshots would tell a cache from a closure; take two heap snapshots/);

	const [cache] = classify(evidence(heapOnly, {userSites, snapshot: holderOf('collection', 'Map')}));
	assert.equal(cache!.pattern, 'cache');
	assert.match(cache!.sentence, /^cache leak: 1200 new Payload objects \(retaining 5\.0 MB\) pile up in a Map that nothing evicts; heap floor grows \+300\.0 MB\/h, filled in getUser users\.js:14; bound the collection/);
	assert.deepEqual(cache!.retainers, ['Payload', 'Map', 'cache (context)']);
	assert.ok(cache!.evidence.includes('snapshot diff: 1200 new Payload retaining 5.0 MB, held by Map'));

	const report = {url: `${app}orders.js`, line: 24, functionName: 'processOrder'};
	const [closure] = classify(evidence(heapOnly, {userSites, snapshot: holderOf('closure', '(closure) processOrder', report)}));
	assert.equal(closure!.pattern, 'closure');
	assert.match(closure!.sentence, /^closure leak: 1200 new Payload objects \(retaining 5\.0 MB\) are kept alive through the context of \(closure\) processOrder; heap floor grows \+300\.0 MB\/h, created in processOrder orders\.js:24; capture only the fields/);
	assert.deepEqual(closure!.site, report);

	const [neither] = classify(evidence(heapOnly, {userSites, snapshot: holderOf('other', 'Foo')}));
	assert.equal(neither!.pattern, 'unknown');
	assert.match(neither!.sentence, /the snapshot diff shows Payload held by Foo, neither a collection nor a closure/);
});

test('a snapshot pair alone (leaktop diff): the holder names the pattern, with no rate to claim', () => {
	assert.deepEqual(snapshotFindings(null), []);
	const [cache] = snapshotFindings(holderOf('collection', 'Map cache'));
	assert.equal(cache!.pattern, 'cache');
	assert.equal(cache!.confidence, 0.72);
	assert.match(cache!.sentence, /^cache leak: 1200 new Payload objects \(retaining 5\.0 MB\) pile up in a Map cache that nothing evicts; bound/);
	assert.deepEqual(snapshotFindings(holderOf('listeners', 'the listeners of EventEmitter')).map(f => f.pattern), ['listeners']);
	assert.deepEqual(snapshotFindings(holderOf('timers', 'a Timeout')).map(f => f.pattern), ['timers']);
	const [other] = snapshotFindings(holderOf('other', 'Foo'));
	assert.match(other!.sentence, /^Payload grows; not enough evidence for the pattern: the snapshot diff shows Payload held by Foo/);
});

test('most confident first, and every finding has its advice', () => {
	const found = classify(evidence([signal('resources', 'Timeout', 'growing', 100_000, {confidence: 0.7}), signal('promises', 'Promise', 'growing', 100_000, {confidence: 0.99})]));
	assert.deepEqual(found.map(f => [f.pattern, f.confidence]), [['promises', 0.99], ['timers', 0.7]]);
	for (const f of found) assert.ok(f.advice.text && f.advice.docs && f.advice.url);
});
