/**
 * The snapshot diff in a real terminal, against the cache leak: `d` too early, two snapshots
 * with growth between, `d` compares them in a worker while the keys still work, the records
 * the cache keeps show as new, enter shows their path through the Map, esc goes back, esc during
 * a diff cancels it, and q while one runs exits at once with nothing left behind.
 */
import assert from 'node:assert/strict';
import {mkdtemp, readdir, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {after, before, test} from 'node:test';
import {httpGet, startTarget, type Target} from '../helpers/target.js';
import {runInTerminal} from '../helpers/tmux.js';
import {isAlive, waitFor} from '../helpers/wait.js';

const columns = 80;
// Below the 40 rows where the screen splits into four panels: the class table gets 17 rows.
const rows = 39;
/** The CLI of the build this test belongs to (bin/ imports dist/, which may be another build). */
const cli = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

// A million small objects in the target before the leak starts (~100 MB snapshots): the diff
// then takes a second or more, long enough to see the terminal react while it runs. Instances
// of a class, not plain objects: DevTools names a plain object by its shape only when that
// shape covers 1/1000 of all plain objects, and a million `{i}` would hide the records' shape.
const ballast = '--import=data:text/javascript,class Ballast{constructor(i){this.i=i}}globalThis.ballast=Array.from({length:1e6},(_,i)=>new Ballast(i))';

let target: Target;
let dir: string;
before(async () => {
	dir = await mkdtemp(join(tmpdir(), 'leaktop-e2e-diff-'));
	target = await startTarget('leaks/cache', {args: ['--rate', '30'], nodeArgs: [ballast]});
});
after(async () => {
	await target?.kill();
	await rm(dir, {recursive: true, force: true});
});

/** How many records the target's cache holds, from its own answer (`user-12 (40 cached)`). */
async function cached(): Promise<number> {
	const answer = await waitFor(async () => /\((\d+) cached\)/.exec(await httpGet(target.httpPort!, '/')), {timeoutMs: 30_000, what: 'a cached record in the answer'});
	return Number(answer[1]);
}

const snapshotFiles = async () => (await readdir(dir)).filter(file => file.endsWith('.heapsnapshot'));

/** A row of the class table: class, #New, #Deleted, #Delta, Alloc. Size, Freed Size, Size Delta. */
const classRow = /^(.+?) +(\d+) +(\d+) +([+-]?\d+) +([\d.]+ [KMG]?B) +([\d.]+ [KMG]?B) +([+-]?[\d.]+ [KMG]?B)$/;
const tableHeader = /^Class +#New +#Deleted +#Delta +Alloc\. Size +Freed Size +Size Delta$/m;

test('d: the leaking records are new, kept through the Map; keys work while it runs; esc cancels; q exits', async () => {
	const term = await runInTerminal(['sh', '-c', 'cd "$1" && shift && exec "$@"', 'sh', dir, process.execPath, cli, '--port', String(target.port), '--out', dir], {columns, rows});
	try {
		await term.waitForScreen(/heapUsed\s+\d/, 30_000);
		await term.keys('d');
		await term.waitForScreen(/take two snapshots first: s now, s again later/, 10_000);

		await term.keys('s');
		await waitFor(async () => (await snapshotFiles()).length === 1, {timeoutMs: 60_000, what: 'the first snapshot file'});
		const first = await cached();
		await waitFor(async () => (await cached()) >= first + 40, {timeoutMs: 30_000, what: `the cache to grow by 40 records from ${first}`});
		await term.keys('s');
		await waitFor(async () => (await snapshotFiles()).length === 2, {timeoutMs: 60_000, what: 'the second snapshot file'});
		await term.waitForScreen(/^d: diff \d\d:\d\d:\d\d → \d\d:\d\d:\d\d \(baseline → latest\)/m, 30_000);

		// The diff runs in a worker: tab still switches panels before it is done.
		await term.keys('d');
		await term.waitForScreen(/in a worker: (reading|comparing)/, 10_000);
		// Snapshots, then findings, then the chart (two sends: one chunk of two tabs is no key).
		await term.keys('Tab');
		await term.waitForScreen(/^findings/m, 10_000);
		await term.keys('Tab');
		// Both in one whole frame: a capture can catch Ink halfway through a redraw.
		let screen = await term.waitForScreen(/^(?=[\s\S]*heapUsed over the last)(?=[\s\S]*comparing heap snapshots)/, 10_000);
		assert.doesNotMatch(screen, /snapshot diff in /, `tab answered before the diff was done:\n${screen}`);
		screen = await term.waitForScreen(/snapshot diff in [^:]+: \d+ new, \d+ deleted objects/, 60_000);
		// What holds the new records, for the findings: a Map. Once the heap's own verdict says it
		// grows, the finding under the verdict names the pattern (the live heap alone cannot).
		await term.waitForScreen(/^» cache \d+ %: cache leak: \d+ new \{user, items, history, notes\} objects/m, 60_000);
		// d again, same two snapshots: the table comes back, nothing is read again.
		await term.keys('d');
		screen = await term.waitForScreen(tableHeader, 5000);
		for (const line of screen.split('\n')) assert.ok([...line].length <= columns, `line wider than ${columns}: ${line}`);

		const lines = screen.split('\n');
		const body = lines.slice(lines.findIndex(line => tableHeader.test(line)) + 1).map(line => classRow.exec(line)).filter(match => match !== null);
		const index = body.findIndex(match => match[1]!.startsWith('{user, items, history'));
		assert.ok(index >= 0, `the cache's records in the table:\n${screen}`);
		assert.ok(Number(body[index]![2]) > 0, `records are new: ${body[index]![0]}`);
		assert.match(body[index]![7]!, /^\+/, 'they add size');

		if (index > 0) await term.keys(...Array.from({length: index}, () => 'Down'));
		await term.keys('Enter');
		screen = await term.waitForScreen(/^\{user, items, history, notes\}: \d+ new, retaining [\d.]+ [KMG]?B/m, 60_000);
		assert.match(screen, /^1\/\d+ Object @\d+, self \d+ B, retains [\d.]+ [KMG]?B/m);
		assert.match(screen, /^← table in Map @\d+$/m, `a retainer path through the Map:\n${screen}`);

		await term.keys('Escape');
		await term.waitForScreen(tableHeader, 5000);
		await term.keys('Escape');
		await term.waitForScreen(/^d: diff \d\d:\d\d:\d\d → /m, 5000);

		// esc while it reads: the worker is stopped.
		await term.keys('d', 'Escape');
		await term.waitForScreen(/snapshot diff cancelled: the worker reading the files was stopped/, 10_000);
		await term.waitForScreen(/^d: diff \d\d:\d\d:\d\d → /m, 5000);

		// q while a diff runs: detach and exit; no worker thread keeps leaktop alive.
		const pid = await term.pid();
		await term.keys('d');
		await term.waitForScreen(/in a worker: (reading|comparing)/, 10_000);
		await term.keys('q');
		assert.equal(await term.exitCode(5000), 0);
		assert.equal(isAlive(pid), false);
		const stty = await term.sttyAfter();
		assert.match(stty, /(^|\s)icanon(\s|$)/, 'canonical mode restored');
		assert.deepEqual((await snapshotFiles()).length, 2, 'the diff wrote nothing');
	} finally {
		await term.close();
	}
});
