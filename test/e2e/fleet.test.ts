/** The overview of several targets in a real terminal: a row each, enter drills in, esc comes back. */
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {cliPath} from '../helpers/paths.js';
import {httpGet, startTarget, type Target} from '../helpers/target.js';
import {startProxy} from '../helpers/proxy.js';
import {runInTerminal} from '../helpers/tmux.js';
import {isAlive} from '../helpers/wait.js';

let targets: Target[] = [];
before(async () => {
	targets = await Promise.all([startTarget('server'), startTarget('leaks/cache', {args: ['--rate', '10']})]);
});
after(async () => {
	await Promise.all(targets.map(t => t.kill()));
});

test('two targets: the overview, down and enter open the second one\'s full view, g acts on it alone, esc returns, q detaches from both', async () => {
	const [quiet, leaking] = targets as [Target, Target];
	const term = await runInTerminal([process.execPath, cliPath, '--port', String(quiet.port), '--port', String(leaking.port), '--interval', '500ms']);
	try {
		const row = (target: Target) => new RegExp(`127\\.0\\.0\\.1:${target.port}\\s+${target.pid}\\s+\\d[\\d.]* [KM]B`);
		let screen = await term.waitForScreen(row(leaking));
		assert.match(screen, row(quiet));
		assert.match(screen, /^leaktop 2 targets/m);
		assert.match(screen, /TARGET\s+PID\s+HEAP\s+FLOOR\s+RESOURCES\s+RESTARTS\s+VERDICT/);
		assert.match(screen, /(WAIT|OK|LEAK) +\d of 2 targets grow/);
		assert.match(screen, /enter open/);
		for (const line of screen.split('\n')) assert.ok([...line].length <= 80, `line wider than 80: ${line}`);

		await term.keys('Down');
		await term.keys('Enter');
		screen = await term.waitForScreen(new RegExp(`^leaktop 127\\.0\\.0\\.1:${leaking.port} pid ${leaking.pid}`, 'm'));
		assert.match(screen, /esc: overview/);
		await term.waitForScreen(/heapUsed\s+\d/);
		await term.keys('g');
		await term.waitForScreen(/GC: heapUsed [\d.]+ [KMG]?B -> [\d.]+ [KMG]?B/);

		await term.keys('Escape');
		screen = await term.waitForScreen(/^leaktop 2 targets/m);
		assert.match(screen, row(quiet));
		// The quiet one was not touched: open it and see no GC in its log.
		await term.keys('Up');
		await term.keys('Enter');
		screen = await term.waitForScreen(new RegExp(`^leaktop 127\\.0\\.0\\.1:${quiet.port} pid ${quiet.pid}`, 'm'));
		assert.doesNotMatch(screen, /GC: heapUsed/);
		await term.keys('Escape');
		await term.waitForScreen(/^leaktop 2 targets/m);

		const pid = await term.pid();
		await term.keys('q');
		assert.equal(await term.exitCode(3000), 0);
		assert.equal(isAlive(pid), false);
		const after = await term.screen();
		assert.match(after, /leaktop: session: \d+s on 2 targets/);
		assert.match(after, /leaktop: actions on the targets: attach 2, .*gc 1/);
		for (const target of targets) assert.match(await httpGet(target.httpPort!, '/'), /\S/);
	} finally {
		await term.close();
	}
});

test('a target whose connection drops shows reconnecting in its row; q then detaches cleanly (exit 0)', async () => {
	const [quiet, leaking] = targets as [Target, Target];
	const proxy = await startProxy(leaking.port);
	const term = await runInTerminal([process.execPath, cliPath, '--port', String(quiet.port), '--port', String(proxy.port), '--interval', '500ms']);
	try {
		await term.waitForScreen(new RegExp(`^127\\.0\\.0\\.1:${proxy.port}\\s+${leaking.pid}\\s+\\d`, 'm'));
		proxy.pause();
		const screen = await term.waitForScreen(new RegExp(`^127\\.0\\.0\\.1:${proxy.port} .*reconnecting`, 'm'), 15_000);
		assert.match(screen, /^ WAIT /m, 'not OK while a target is unreachable');
		await term.keys('q');
		assert.equal(await term.exitCode(5000), 0, 'quitting the TUI is not a failed headless run');
	} finally {
		await term.close();
		await proxy.close();
	}
});
