import assert from 'node:assert/strict';
import {test} from 'node:test';
import stringWidth from 'string-width';
import {aggregateProfile, ownFunctionName, type ProfileNode, type SamplingProfile} from '../../src/model/allocations.js';
import {type AllocationsState, initialAllocations, moveSelection, visibleRows, withBaseline, withPoll} from '../../src/model/allocations-state.js';
import {initialState, reduce} from '../../src/model/state.js';

// Ink colours (inverse included) only when chalk thinks the output takes them; chalk decides
// once, when it is first imported, so Ink and the views load after this line.
process.env.FORCE_COLOR = '1';
const {render} = await import('ink-testing-library');
const {AllocationsPanel} = await import('../../src/views/AllocationsPanel.js');

const cwd = '/srv/app';
const inverse = '\u001b[7m';
const ansi = /\u001b\[[0-9;]*m/g;
const plain = (text: string) => text.replace(ansi, '');

let nextId = 1;
/** One node of a CDP SamplingHeapProfile; `line` and `column` are 0-based, as V8 sends them. */
function node(functionName: string, url: string, line: number, column: number, selfSize: number, children: ProfileNode[] = []): ProfileNode {
	return {callFrame: {functionName, url, lineNumber: line, columnNumber: column}, selfSize, id: nextId++, children};
}

/** Samples for every node with bytes: one per 16 KB, at least one, as V8 would roughly give. */
function profile(children: ProfileNode[]): SamplingProfile {
	const head = node('(root)', '', -1, -1, 0, children);
	const samples: Array<{size: number; nodeId: number; ordinal: number}> = [];
	const walk = (n: ProfileNode) => {
		for (let i = 0; i < Math.max(1, Math.round(n.selfSize / 16_384)) && n.selfSize > 0; i++) samples.push({size: 16_384, nodeId: n.id, ordinal: samples.length + 1});
		n.children.forEach(walk);
	};
	walk(head);
	return {head, samples};
}

/**
 * The app at one poll: `getUser` (lib/cache.js) keeps growing, partly through JSON.parse, a
 * builtin with no script URL; `loadConfig` holds more bytes that never change; leaktop's own
 * evaluated code allocates a little.
 */
function appProfile(getUserBytes: number, ownBytes = 3000): SamplingProfile {
	return profile([
		node('main', 'file:///srv/app/server.js', 0, 0, 0, [
			node('handle', 'file:///srv/app/lib/handler.js', 4, 10, 0, [
				node('getUser', 'file:///srv/app/lib/cache.js', 11, 2, getUserBytes, [node('JSON.parse', '', -1, -1, 50_000)]),
			]),
			node('loadConfig', 'file:///srv/app/lib/config.js', 2, 0, 2_000_000),
		]),
		node('warmup', 'file:///srv/app/lib/warmup.js', 7, 4, 0, [node('getUser', 'file:///srv/app/lib/cache.js', 11, 2, 100_000)]),
		// leaktop's evaluated expressions run inside a function of this name, with no script URL.
		node('', '', -1, -1, 0, [node(ownFunctionName, '', 0, 0, ownBytes)]),
	]);
}

/** Sampling as the reducer sets it up: started at attach, one sample per 512 KiB. */
function started(): AllocationsState {
	const state = reduce(initialState({historySize: 60, samplingIntervalBytes: 524_288}), {type: 'sampling-started', t: 0, intervalBytes: 524_288});
	return state.allocations;
}

/** Three polls a minute apart, the baseline set at the first: getUser's own bytes 50 -> 450 -> 850 KB. */
function polled(ownBytes = 3000): AllocationsState {
	let state = withPoll(started(), aggregateProfile(appProfile(50_000, ownBytes)), 0, 1_000, 12);
	state = withBaseline(state, 0);
	state = withPoll(state, aggregateProfile(appProfile(450_000, ownBytes)), 30_000, 31_000, 15);
	return withPoll(state, aggregateProfile(appProfile(850_000, ownBytes)), 60_000, 61_000, 17);
}

function frame(allocations: AllocationsState, {width = 80, lines = 10} = {}): string {
	const {lastFrame, unmount} = render(<AllocationsPanel allocations={allocations} rows={visibleRows(allocations)} cwd={cwd} width={width} lines={lines} />);
	const text = lastFrame() ?? '';
	unmount();
	return text;
}

function assertWithin(text: string, width: number): void {
	for (const line of text.split('\n')) assert.ok(stringWidth(plain(line)) <= width, `line wider than ${width}: ${JSON.stringify(plain(line))}`);
}

/** The one line that starts with `prefix` (plain text). */
function lineStarting(text: string, prefix: string): {line: string; index: number} {
	const lines = plain(text).split('\n');
	const found = lines.flatMap((line, index) => (line.startsWith(prefix) ? [{line, index}] : []));
	assert.equal(found.length, 1, `expected one line starting with ${JSON.stringify(prefix)} in:\n${lines.join('\n')}`);
	return found[0]!;
}

/** The function names of the table's rows, top first: the lines under the header. */
function siteNames(text: string): string[] {
	const lines = plain(text).split('\n');
	const header = lines.findIndex(line => line.startsWith('allocation site'));
	if (header < 0) return [];
	return lines
		.slice(header + 1)
		.filter(line => /^\S+ .*\d B|^\S+ .*[KMG]B/.test(line))
		.map(line => line.split(' ')[0]!);
}

/** The first line of the panel: the sampler's status, or the stack view's title. */
const firstLine = (text: string) => plain(text).split('\n')[0]!;
const statusOf = firstLine;

/** The column where each frame line's byte count ends: one value when they are right-aligned. */
const byteColumnEnds = (lines: string[]) => new Set(lines.map(line => /^\s*[\d.]+ [KMG]?B/.exec(line)?.[0].length));

/** The stack view's frames as `bytes function location`, single-spaced, allocating frame first. */
function stackLines(text: string): string[] {
	return plain(text)
		.split('\n')
		.filter(line => /^\s*[\d.]+ [KMG]?B {2}\S/.test(line))
		.map(line => line.trim().replace(/\s+/g, ' '));
}

/** The plain text of the rows rendered inverse (the selection). */
function selectedNames(text: string): string[] {
	return text
		.split('\n')
		.filter(line => line.includes(inverse))
		.map(line => plain(line).split(' ')[0]!);
}

test('status line: sampling interval, polls, last poll cost, internals hint, leaktop\'s own bytes', () => {
	const status = statusOf(frame(polled(), {width: 130}));
	assert.match(status, /\b524\.3 KB\b/, status);
	assert.match(status, /\b3 polls\b/, status);
	assert.match(status, /\b17 ms\b/, status);
	assert.match(status, /internals hidden \(i\)/, status);
	assert.match(status, /leaktop's own 3\.0 KB/, status);
	assert.doesNotMatch(statusOf(frame(polled(0), {width: 130})), /leaktop's own/);
	// At 80 columns it is cut, not wrapped: the first line is still the status, then the header.
	const narrow = frame(polled(), {width: 80});
	assert.match(statusOf(narrow), /524\.3 KB.*3 polls/);
	assert.ok(stringWidth(statusOf(narrow)) <= 80);
	assert.match(plain(narrow).split('\n')[1]!, /^allocation site.*live\s+growth\s+per min\s+trend$/);
});

test('before sampling starts and before the first poll the status says so', () => {
	assert.match(statusOf(frame(initialAllocations(524_288))), /starting allocation sampling/);
	const waiting = frame(started());
	assert.match(statusOf(waiting), /524\.3 KB.*waiting for the first profile/);
	assert.deepEqual(siteNames(waiting), []);
	const empty = withPoll(started(), aggregateProfile(profile([node('idle', 'file:///srv/app/idle.js', 0, 0, 0)])), 0, 1000, 3);
	assert.match(statusOf(frame(empty)), /\b1 polls?\b/);
	assert.match(plain(frame(empty)), /no live sampled allocations yet/);
});

test('rows: growing site first, paths relative to the target cwd, 1-based line:col, live, growth, rate, trend', () => {
	const state = polled();
	const text = frame(state);
	assert.deepEqual(siteNames(text), ['getUser', 'loadConfig']);
	// getUser: its own 850 KB, 50 KB through JSON.parse, 100 KB via warmup; +800 KB since the
	// baseline (200 KB at the first poll), +800 KB a minute, rising.
	const getUser = lineStarting(text, 'getUser ');
	assert.match(getUser.line, /^getUser lib\/cache\.js:12:3\s+1\.0 MB\s+\+800\.0 KB\s+\+800\.0 KB\s+▁▅█\s*$/);
	// More live bytes, but flat: listed after the growing site.
	const loadConfig = lineStarting(text, 'loadConfig ');
	assert.match(loadConfig.line, /^loadConfig lib\/config\.js:3:1\s+2\.0 MB\s+0 B\s+0 B\s+▁▁▁\s*$/);
	assert.ok(getUser.index < loadConfig.index);
	assert.doesNotMatch(plain(text), /srv\/app/, 'paths are relative to the target cwd');
	assert.ok(!plain(text).includes(ownFunctionName) && !plain(text).includes('(anonymous)'), 'leaktop\'s own allocations are not a site');
	// The columns line up under the header.
	const header = lineStarting(text, 'allocation site').line;
	assert.equal(getUser.line.indexOf('1.0 MB') + '1.0 MB'.length, header.indexOf('live') + 'live'.length);
	assert.equal(getUser.line.indexOf('▁'), header.indexOf('trend'));
});

test('a file outside the cwd keeps its absolute path; a new baseline zeroes growth', () => {
	let state = withPoll(started(), aggregateProfile(profile([node('load', 'file:///opt/lib/x.js', 0, 0, 40_000)])), 0, 1000, 3);
	assert.match(lineStarting(frame(state), 'load ').line, /^load \/opt\/lib\/x\.js:1:1\s+40\.0 KB\s+\+40\.0 KB/);
	state = withBaseline(state, 500);
	assert.match(lineStarting(frame(state), 'load ').line, /^load \/opt\/lib\/x\.js:1:1\s+40\.0 KB\s+0 B/);
});

test('the selected row is the one rendered inverse; it moves with the selection, clamped at both ends', () => {
	let state = polled();
	assert.deepEqual(selectedNames(frame(state)), ['getUser']);
	state = moveSelection(state, 1);
	assert.deepEqual(selectedNames(frame(state)), ['loadConfig']);
	state = moveSelection(state, 5);
	assert.deepEqual(selectedNames(frame(state)), ['loadConfig']);
	state = moveSelection(state, -7);
	assert.deepEqual(selectedNames(frame(state)), ['getUser']);
	// One inverse run on the screen: the selected site's name and path, nothing else.
	const text = frame(state);
	assert.equal(text.split(inverse).length - 1, 1);
	assert.match(plain(text.slice(text.indexOf(inverse))), /^getUser lib\/cache\.js:12:3/);
});

test('the stack view: every frame of the selected site, allocating frame first, bytes per frame', () => {
	let state: AllocationsState = {...polled(), stackOpen: true};
	const text = frame(state, {lines: 12});
	const lines = plain(text).split('\n');
	// The title: which site, how much, how much grown, on how many samples.
	assert.match(lines[0]!, /\bgetUser\b/);
	assert.match(lines[0]!, /1\.0 MB live/);
	assert.match(lines[0]!, /\+800\.0 KB since baseline/);
	assert.match(lines[0]!, /\b\d+ samples\b/);
	assert.match(lines[1]!, /full stack, allocating frame first/);
	// The heaviest stack (via handle), with the site's bytes through each frame: the warmup
	// path adds to getUser, not to handle or main.
	assert.deepEqual(stackLines(text), ['1.0 MB getUser lib/cache.js:12:3', '900.0 KB handle lib/handler.js:5:11', '900.0 KB main server.js:1:1']);
	assert.equal(lines.length, 5, lines.join('\n'));
	assert.doesNotMatch(plain(text), /allocation site|JSON\.parse|warmup|loadConfig/);
	assert.equal(byteColumnEnds(lines.slice(2)).size, 1, `bytes right-aligned:\n${lines.join('\n')}`);

	// It is the selected site's stack, not the first row's.
	state = moveSelection(state, 1);
	const other = frame(state, {lines: 12});
	assert.match(firstLine(other), /\bloadConfig\b/);
	assert.match(firstLine(other), /2\.0 MB live, 0 B since baseline/);
	assert.deepEqual(stackLines(other), ['2.0 MB loadConfig lib/config.js:3:1', '2.0 MB main server.js:1:1']);

	// Closed again (the reducer's toggle), the table is back with the same selection.
	const closed = reduce({...initialState({historySize: 60}), allocations: state}, {type: 'toggle-stack'}).allocations;
	assert.equal(closed.stackOpen, false);
	assert.deepEqual(siteNames(frame(closed)), ['getUser', 'loadConfig']);
	assert.deepEqual(selectedNames(frame(closed)), ['loadConfig']);
});

test('internals: folded into their user caller by default, their own site in the all view', () => {
	const state = polled(0);
	const user = plain(frame(state, {width: 100}));
	assert.doesNotMatch(user, /JSON\.parse|\(native\)/);
	assert.match(user, /internals hidden \(i\)/);

	// `i` through the reducer: the all view, the selection back at the top.
	const toggled = reduce({...initialState({historySize: 60}), allocations: moveSelection(state, 1)}, {type: 'toggle-internals'}).allocations;
	assert.equal(toggled.showInternals, true);
	assert.equal(toggled.selectedKey, null);
	assert.deepEqual(selectedNames(frame(toggled, {width: 100})), ['getUser']);
	const all = frame(toggled, {width: 100});
	assert.match(plain(all), /internals shown \(i\)/);
	assert.deepEqual(siteNames(all), ['getUser', 'loadConfig', 'JSON.parse']);
	// getUser's own bytes only: 850 + 100 KB; JSON.parse is a site of its own, with no script.
	assert.match(lineStarting(all, 'getUser ').line, /^getUser lib\/cache\.js:12:3\s+950\.0 KB\s+\+800\.0 KB/);
	assert.match(lineStarting(all, 'JSON.parse ').line, /^JSON\.parse \(native\)\s+50\.0 KB\s+0 B\s+0 B\s+▁▁▁/);
	const stack = frame({...moveSelection(toggled, 2), stackOpen: true}, {lines: 12});
	assert.match(firstLine(stack), /\bJSON\.parse\b/);
	assert.match(firstLine(stack), /50\.0 KB live, 0 B since baseline/);
	assert.deepEqual(stackLines(stack), ['50.0 KB JSON.parse (native)', '50.0 KB getUser lib/cache.js:12:3', '50.0 KB handle lib/handler.js:5:11', '50.0 KB main server.js:1:1']);
});

test('off, failed and stopped: the status line gives the reason', () => {
	const off = initialState({historySize: 60, samplingIntervalBytes: null}).allocations;
	assert.equal(off.status, 'off');
	assert.equal(statusOf(frame(off)), 'allocation sampling is off (--sampling off)');
	assert.deepEqual(siteNames(frame(off)), []);
	assert.doesNotMatch(plain(frame(off)), /\bpolls\b|waiting/);
	const failed = reduce(initialState({historySize: 60, samplingIntervalBytes: 65_536}), {type: 'sampling-failed', t: 0, message: 'HeapProfiler.startSampling: not allowed'}).allocations;
	assert.match(statusOf(frame(failed)), /could not start: HeapProfiler\.startSampling: not allowed$/);
	assert.deepEqual(siteNames(frame(failed)), []);
	const stopped = reduce({...initialState({historySize: 60}), allocations: polled()}, {type: 'sampling-stopped', t: 0, reason: 'another inspector client stopped allocation sampling (DevTools?)'}).allocations;
	const text = frame(stopped, {width: 130});
	assert.match(statusOf(text), /^another inspector client stopped allocation sampling \(DevTools\?\)\W.*524\.3 KB/);
	// What was sampled before it stopped is still listed.
	assert.deepEqual(siteNames(text), ['getUser', 'loadConfig']);
});

/** `count` sites under one caller; site i holds (i + 1) * 10 KB more at the second poll. */
function manySites(count: number, longNames = false): AllocationsState {
	const at = (poll: number) =>
		profile([
			node(
				'main',
				'file:///srv/app/server.js',
				0,
				0,
				0,
				Array.from({length: count}, (_, i) => {
					const name = longNames ? `handleAVeryLongRouteNameThatKeepsGoing${i}` : `site${i}`;
					const url = longNames ? `file:///srv/app/node_modules/some-framework/lib/deeply/nested/module-${i}.js` : `file:///srv/app/lib/s${i}.js`;
					return node(name, url, i, 2, 10_000 + poll * (i + 1) * 10_000);
				}),
			),
		]);
	let state = withPoll(started(), aggregateProfile(at(0)), 0, 1000, 4);
	state = withBaseline(state, 0);
	return withPoll(state, aggregateProfile(at(1)), 60_000, 61_000, 5);
}

test('the window scrolls to keep a selection far down the list visible', () => {
	let state = manySites(30);
	// Most growth first: site29 (+300 KB) ... site0 (+10 KB); 8 lines: status, header, 6 rows.
	const lines = 8;
	assert.deepEqual(siteNames(frame(state, {lines})), ['site29', 'site28', 'site27', 'site26', 'site25', 'site24']);
	// Selection moves within the window until it passes the middle.
	state = moveSelection(state, 2);
	assert.deepEqual(siteNames(frame(state, {lines})), ['site29', 'site28', 'site27', 'site26', 'site25', 'site24']);
	state = moveSelection(state, 23); // row 25: site4
	const scrolled = frame(state, {lines});
	assert.deepEqual(selectedNames(scrolled), ['site4']);
	assert.deepEqual(siteNames(scrolled), ['site7', 'site6', 'site5', 'site4', 'site3', 'site2']);
	assert.match(statusOf(scrolled), /524\.3 KB.*2 polls/, 'the status line stays');
	assert.match(plain(scrolled).split('\n')[1]!, /^allocation site/, 'the header stays');
	assertWithin(scrolled, 80);
	state = moveSelection(state, 100);
	const bottom = frame(state, {lines});
	assert.deepEqual(selectedNames(bottom), ['site0']);
	assert.deepEqual(siteNames(bottom), ['site5', 'site4', 'site3', 'site2', 'site1', 'site0']);
	state = moveSelection(state, -100);
	assert.deepEqual(selectedNames(frame(state, {lines})), ['site29']);
	assert.deepEqual(siteNames(frame(state, {lines})), ['site29', 'site28', 'site27', 'site26', 'site25', 'site24']);
});

test('every line fits the width; long names and paths are cut, the numbers stay', () => {
	for (const width of [67, 80, 100]) {
		for (const state of [polled(), moveSelection(manySites(12, true), 3), polled(0), {...polled(), stackOpen: true}]) {
			assertWithin(frame(state, {width, lines: 10}), width);
		}
	}
	const text = frame(manySites(12, true), {width: 80, lines: 10});
	const first = plain(text).split('\n').filter(line => line.startsWith('handleAVeryLong'))[0]!;
	// What identifies the site is kept: the file name and its line:col.
	assert.match(first, /^handleAVeryLong\S*…? .*module-11\.js:12:3\s+130\.0 KB\s+\+120\.0 KB\s+\+120\.0 KB\s+▁█\s*$/);
	// Cut before the numbers, which stay right-aligned under their header.
	const header = lineStarting(text, 'allocation site').line;
	assert.ok(first.indexOf('…') < header.indexOf('live'), first);
	assert.equal(first.indexOf('130.0 KB') + '130.0 KB'.length, header.indexOf('live') + 'live'.length);
});

test('the stack view fits the width with long frames too, and its byte column stays aligned', () => {
	const state = {...manySites(12, true), stackOpen: true};
	for (const width of [67, 80, 100]) {
		const text = frame(state, {width, lines: 10});
		const lines = plain(text).split('\n');
		assertWithin(text, width);
		const frames = stackLines(text);
		assert.equal(frames.length, 2, lines.join('\n'));
		assert.match(frames[0]!, /^130\.0 KB handleAVeryLong\S* .*module-11\.js:12:3$/);
		assert.equal(frames[1], '130.0 KB main server.js:1:1');
		assert.equal(byteColumnEnds(lines.slice(2)).size, 1, `bytes right-aligned:\n${lines.join('\n')}`);
	}
});

test('narrower than the table (the screen goes down to 40 columns): within the width, one line per row', () => {
	for (const width of [40, 50, 60]) {
		for (const state of [polled(), {...polled(), stackOpen: true}]) assertWithin(frame(state, {width, lines: 10}), width);
		const text = frame(manySites(30), {width, lines: 8});
		assertWithin(text, width);
		assert.equal(plain(text).split('\n').length, 8, plain(text));
		assert.deepEqual(siteNames(text), ['site29', 'site28', 'site27', 'site26', 'site25', 'site24'], plain(text));
		// Live bytes and growth always show.
		assert.match(plain(text), /^site29 .*310\.0 KB\s+\+300\.0 KB/m, plain(text));
	}
});

// The screen gives the panel a box of `lines` rows with overflow hidden: whatever the panel
// draws past `lines` is cut off silently (the last row, or the stack view's title line).
test('the table never draws more than `lines` lines: status, header, one line per row', () => {
	for (const width of [80, 100]) {
		const text = frame(manySites(30), {width, lines: 8});
		assert.equal(plain(text).split('\n').length, 8, plain(text));
		assert.equal(siteNames(text).length, 6);
	}
});

test('a stack deeper than the panel: the frames that fit and how many more, within `lines`', () => {
	let leaf = node('leaf', 'file:///srv/app/deep.js', 0, 0, 100_000);
	for (let i = 19; i > 0; i--) leaf = node(`level${i}`, 'file:///srv/app/deep.js', i, 0, 0, [leaf]);
	const state = {...withPoll(started(), aggregateProfile(profile([leaf])), 0, 1000, 3), stackOpen: true};
	const lines = plain(frame(state, {lines: 8})).split('\n');
	assert.ok(lines.length <= 8, lines.join('\n'));
	// The title stays: which site, how much.
	assert.match(lines[0]!, /\bleaf\b/);
	assert.match(lines[0]!, /100\.0 KB live/);
	// The allocating frame first, then its callers in order, then how many did not fit.
	const shown = stackLines(lines.join('\n')).map(line => line.split(' ')[2]);
	assert.ok(shown.length >= 3, lines.join('\n'));
	assert.deepEqual(shown, ['leaf', ...Array.from({length: shown.length - 1}, (_, i) => `level${19 - i}`)]);
	assert.equal(lines.at(-1), `... ${20 - shown.length} more frames`);
});
