/**
 * The allocations panel in a real terminal, against the cache leak: tab to the panel, find the
 * leaking site, open its stack, export the profile with `e`, quit, and check that the detach
 * stopped V8's sampling profiler in the target.
 */
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {mkdtemp, readdir, readFile, rm, stat} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join, relative} from 'node:path';
import {after, before, test} from 'node:test';
import CDP from 'chrome-remote-interface';
import {cliPath, fixturePath} from '../helpers/paths.js';
import {httpGet, startTarget, type Target} from '../helpers/target.js';
import {runInTerminal, type TerminalRun} from '../helpers/tmux.js';
import {isAlive, waitFor} from '../helpers/wait.js';
import {escapeRegExp, linesBesidesSummary} from '../helpers/text.js';

// Wide enough for the site column to hold `record dist/test/fixtures/leaks/common.js:60:23`
// whole (at 80 columns its directories give way: `record …/leaks/common.js:60:23`).
const columns = 100;
const rows = 24;

let target: Target;
before(async () => {
	// 30 MB a minute: sampled sites show up within the first polls.
	target = await startTarget('leaks/cache', {args: ['--rate', '30']});
});
after(async () => {
	await target.kill();
});

function assertTerminalRestored(stty: string): void {
	assert.match(stty, /(^|\s)icanon(\s|$)/, 'canonical mode restored');
	assert.match(stty, /(^|\s)echo(\s|$)/, 'echo restored');
}


/** How leaktop shows the built fixture `name`: relative to the target's cwd (the test's), when under it. */
function shownPath(name: string): string {
	const path = fixturePath(name);
	const cwd = process.cwd();
	return path.startsWith(`${cwd}/`) ? relative(cwd, path) : path;
}

/** 1-based line of the built fixture's line that contains `text`. */
function lineOf(name: string, text: string): number {
	const index = readFileSync(fixturePath(name), 'utf8').split('\n').findIndex(line => line.includes(text));
	assert.ok(index >= 0, `${text} in ${name}`);
	return index + 1;
}

/** The function names of the allocation rows on screen, top first. */
function siteRows(screen: string): string[] {
	const lines = screen.split('\n');
	const header = lines.findIndex(line => line.startsWith('allocation site'));
	if (header < 0) return [];
	const names: string[] = [];
	for (const line of lines.slice(header + 1)) {
		const match = /^(\S+) \S.*\s[\d.]+ [KMG]?B\s/.exec(line);
		if (!match) break;
		names.push(match[1]!);
	}
	return names;
}

/** Which lower panel the screen shows. */
function panelOf(screen: string): string {
	if (/^allocation site/m.test(screen) || /full stack, allocating frame first/.test(screen)) return 'allocations';
	if (/heapUsed over the last/.test(screen)) return 'chart';
	if (/active resources/.test(screen)) return 'resources';
	if (/listeners: /.test(screen)) return 'listeners';
	return 'unknown';
}

/** Presses tab until the allocations panel shows, one press per panel change. */
async function tabToAllocations(term: TerminalRun): Promise<void> {
	for (let presses = 0; presses < 4; presses++) {
		const before = panelOf(await term.screen());
		if (before === 'allocations') return;
		await term.keys('Tab');
		await waitFor(async () => panelOf(await term.screen()) !== before, {timeoutMs: 30_000, what: `tab to leave the ${before} panel`});
	}
	assert.equal(panelOf(await term.screen()), 'allocations', await term.screen());
}

/** The frames of the open stack view: [bytes, function, where], allocating frame first. */
function stackFrames(screen: string): Array<{bytes: string; fn: string; where: string}> {
	return [...screen.matchAll(/^ *([\d.]+ [KMG]?B) {2}(\S+) (\S+)$/gm)].map(m => ({bytes: m[1]!, fn: m[2]!, where: m[3]!}));
}

/** A fresh inspector client's answer to HeapProfiler.getSamplingProfile. */
async function freshClientProfile(): Promise<{profile?: {head: unknown; samples: unknown[]}; error?: string}> {
	const client = await CDP({target: target.webSocketUrl, local: true});
	try {
		const {profile} = await client.HeapProfiler.getSamplingProfile();
		return {profile: profile as {head: unknown; samples: unknown[]}};
	} catch (error) {
		return {error: String(error)};
	} finally {
		await client.close();
	}
}

interface ProfileNodeShape {
	callFrame: {functionName: string; url: string; lineNumber: number; columnNumber: number};
	selfSize: number;
	id: number;
	children: ProfileNodeShape[];
}

function functionNames(node: ProfileNodeShape, into = new Set<string>()): Set<string> {
	into.add(node.callFrame.functionName);
	for (const child of node.children) functionNames(child, into);
	return into;
}

test('allocations panel: the leaking site with its path, its stack, e exports a .heapprofile, q stops sampling', async () => {
	const dir = await mkdtemp(join(tmpdir(), 'leaktop-alloc-e2e-'));
	// leaktop runs in `dir` (so `e` writes there); the target runs in the test's cwd.
	const term = await runInTerminal(['sh', '-c', 'cd "$1" && exec "$2" "$3" --port "$4" --sampling 16KiB', 'sh', dir, process.execPath, cliPath, String(target.port)], {columns, rows});
	try {
		await term.waitForScreen(/heapUsed\s+\d/, 30_000);
		await tabToAllocations(term);
		await term.waitForScreen(/^\S.*\b16\.4 KB\b.*\b\d+ polls\b.*internals hidden \(i\)/m, 30_000);

		// `record` (common.ts) builds the cached values: its row names the built fixture,
		// relative to the target's cwd, at the line where the function starts.
		const common = shownPath('leaks/common');
		const recordLine = lineOf('leaks/common', 'function record(');
		const recordRow = new RegExp(`^record ${escapeRegExp(common)}:${recordLine}:\\d+ +[\\d.]+ [KMG]?B +\\+[\\d.]+ [KMG]?B`, 'm');
		const table = await term.waitForScreen(recordRow, 60_000);
		for (const line of table.split('\n')) assert.ok([...line].length <= columns, `line wider than ${columns}: ${line}`);
		assert.ok(siteRows(table).length >= 2, table);

		// Select the record row (rows re-sort at each poll, so check what opened and retry).
		let stack = '';
		await waitFor(
			async () => {
				const names = siteRows(await term.screen());
				const index = names.indexOf('record');
				if (index < 0) return false;
				for (let i = 0; i < names.length; i++) await term.keys('Up');
				for (let i = 0; i < index; i++) await term.keys('Down');
				await term.keys('Enter');
				stack = await term.waitForScreen(/full stack, allocating frame first/, 30_000);
				if (stackFrames(stack)[0]?.fn === 'record') return true;
				await term.keys('Escape');
				await term.waitForScreen(/^allocation site/m, 30_000);
				return false;
			},
			{timeoutMs: 60_000, intervalMs: 200, what: 'the stack view of record'},
		);
		const frames = stackFrames(stack);
		assert.match(frames[0]!.where, new RegExp(`^${escapeRegExp(common)}:${recordLine}:\\d+$`), stack);
		// The caller: getUser in the cache fixture, right below the allocating frame.
		assert.equal(frames[1]?.fn, 'getUser', stack);
		assert.match(frames[1]!.where, new RegExp(`^${escapeRegExp(shownPath('leaks/cache'))}:${lineOf('leaks/cache', 'function getUser(')}:\\d+$`), stack);
		assert.doesNotMatch(stack, /^allocation site/m, 'the table is replaced by the stack');
		for (const line of stack.split('\n')) assert.ok([...line].length <= columns, `line wider than ${columns}: ${line}`);

		await term.keys('Escape');
		const closed = await term.waitForScreen(/^allocation site/m, 30_000);
		assert.doesNotMatch(closed, /full stack/);

		// While leaktop runs, sampling runs: another client sees the profile.
		const during = await freshClientProfile();
		assert.equal(during.error, undefined);
		assert.ok(Array.isArray(during.profile?.samples) && during.profile.samples.length > 0);

		// e: the live profile, as Chrome DevTools saves it, in leaktop's cwd.
		await term.keys('e');
		const name = await waitFor(async () => (await readdir(dir)).find(file => file.endsWith('.heapprofile')), {timeoutMs: 30_000, what: 'a .heapprofile file in leaktop\'s cwd'});
		assert.match(name, new RegExp(`^leaktop-${target.pid}-\\d{8}T\\d{6}\\.heapprofile$`));
		const path = join(dir, name);
		const profile = await waitFor(
			async () => {
				try {
					return JSON.parse(await readFile(path, 'utf8')) as {head: ProfileNodeShape; samples: Array<{size: number; nodeId: number; ordinal: number}>};
				} catch {
					return undefined; // still being written
				}
			},
			{timeoutMs: 30_000, what: 'the whole profile'},
		);
		assert.equal((await stat(path)).mode & 0o777, 0o600);
		assert.equal(typeof profile.head.callFrame, 'object');
		assert.equal(typeof profile.head.callFrame.functionName, 'string');
		assert.equal(typeof profile.head.callFrame.url, 'string');
		assert.equal(typeof profile.head.callFrame.lineNumber, 'number');
		assert.equal(typeof profile.head.selfSize, 'number');
		assert.ok(Array.isArray(profile.head.children) && profile.head.children.length > 0);
		for (const child of profile.head.children) {
			assert.equal(typeof child.selfSize, 'number');
			assert.equal(typeof child.callFrame.functionName, 'string');
		}
		assert.ok(Array.isArray(profile.samples) && profile.samples.length > 0);
		assert.ok(profile.samples.every(s => typeof s.size === 'number' && typeof s.nodeId === 'number' && typeof s.ordinal === 'number'));
		const names = functionNames(profile.head);
		for (const fn of ['record', 'getUser']) assert.ok(names.has(fn), `${fn} in the exported profile`);
		await term.waitForScreen(new RegExp(`heap profile written to ${escapeRegExp(name)}`), 30_000);

		// q: detach, exit 0, terminal restored, the target still serving.
		const pid = await term.pid();
		await term.keys('q');
		assert.equal(await term.exitCode(5000), 0);
		assert.equal(isAlive(pid), false);
		assertTerminalRestored(await term.sttyAfter());
		const after = await term.screen();
		assert.deepEqual(linesBesidesSummary(after), [], after);
		assert.match(after, /^leaktop: actions on the target: attach 1, sampling-start 1/m, 'the exit summary');
		assert.match(await httpGet(target.httpPort!, '/'), /^(ok|user-\d+ \(\d+ cached\))\n$/);

		// The detach stopped sampling: a fresh client finds no profiler running.
		const afterDetach = await freshClientProfile();
		assert.equal(afterDetach.profile, undefined);
		assert.match(afterDetach.error ?? '', /not started/);
		// Only the one profile, and nothing written anywhere else.
		assert.deepEqual(await readdir(dir), [name]);
	} finally {
		await term.close();
		await rm(dir, {recursive: true, force: true});
	}
});
