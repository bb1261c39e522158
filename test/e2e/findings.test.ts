/** Findings in a real terminal: the leak named under the verdict, and enter on the main view opens its evidence. */
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {cliPath} from '../helpers/paths.js';
import {startTarget, type Target} from '../helpers/target.js';
import {runInTerminal} from '../helpers/tmux.js';

let target: Target;
before(async () => {
	target = await startTarget('leaks/timers', {args: ['--rate', '10']});
});
after(async () => {
	await target?.kill();
});

test('timers: the finding under the verdict names it; enter opens the evidence with its chart; esc lists them; q quits', async () => {
	const term = await runInTerminal([process.execPath, cliPath, '--port', String(target.port), '--interval', '500ms'], {columns: 100, rows: 38});
	try {
		// Timeout handles need 30 s of floors to count as growing.
		// The line is cut at the terminal's width; the evidence has the rest.
		let screen = await term.waitForScreen(/^» timers \d+ %: timer leak: active Timeout handles grow by \d+\/s and are never cleared/m, 90_000);
		for (const line of screen.split('\n')) assert.ok([...line].length <= 100, `line wider than 100: ${line}`);
		await term.keys('Enter');
		screen = await term.waitForScreen(/^finding 1\/\d+: timers \(esc: back to the list\)/m, 10_000);
		assert.match(screen, /^Timeout [▁▂▃▄▅▆▇█]{10,}$/m, 'the chart of the Timeout count');
		assert.match(screen, /^ {2}Timeout: \d+ active, \+\d+ since the baseline/m);
		// The site, or its caller in the fixture's own file (the header names the file without a line).
		assert.match(screen, /\btimers\.js:\d+/, 'the code that starts the timers');
		// The fix is in the sentence; the panel's last lines (the docs link) may be cut by a long stack.
		assert.match(screen, /clear timers when their owner ends/);
		await term.keys('Escape');
		await term.waitForScreen(/^findings \(most confident first; enter: the evidence\)/m, 10_000);
		await term.keys('q');
		assert.equal(await term.exitCode(5000), 0);
	} finally {
		await term.close();
	}
});
