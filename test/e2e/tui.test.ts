import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {InspectorSession} from '../../src/inspector/session.js';
import {formatBytes} from '../../src/model/format.js';
import {assertFailsWith, assertOk, runCli} from '../helpers/cli.js';
import {cliPath} from '../helpers/paths.js';
import {httpGet, startTarget, type Target} from '../helpers/target.js';
import {startProxy} from '../helpers/proxy.js';
import {runInTerminal} from '../helpers/tmux.js';
import {isAlive, waitFor} from '../helpers/wait.js';
import {escapeRegExp} from '../helpers/text.js';

let target: Target;
before(async () => {
	target = await startTarget('server');
});
after(async () => {
	await target.kill();
});


function assertTerminalRestored(stty: string): void {
	// Ink puts the terminal in raw mode; after exit it must be cooked again.
	assert.match(stty, /(^|\s)icanon(\s|$)/, 'canonical mode restored');
	assert.match(stty, /(^|\s)echo(\s|$)/, 'echo restored');
}

test('live numbers in a real terminal; g forces a GC; q detaches within 2 s and the target keeps serving', async () => {
	const term = await runInTerminal([process.execPath, cliPath, '--port', String(target.port)]);
	try {
		const screen = await term.waitForScreen(/heapUsed\s+\d[\d.]* [KMG]?B/);
		assert.match(screen, new RegExp(`pid ${target.pid}`));
		assert.match(screen, /● connected/);
		for (const line of screen.split('\n')) assert.ok([...line].length <= 80, `line wider than 80: ${line}`);
		await term.waitForScreen(/heapUsed over the last [1-9]/);

		await term.keys('g');
		await term.waitForScreen(/GC: heapUsed [\d.]+ [KMG]?B -> [\d.]+ [KMG]?B/);

		const pid = await term.pid();
		await term.keys('q');
		assert.equal(await term.exitCode(2000), 0);
		assert.equal(isAlive(pid), false);
		assertTerminalRestored(await term.sttyAfter());
		assert.match(await httpGet(target.httpPort!, '/'), /^ok \d+/);
	} finally {
		await term.close();
	}
});

test('l runs a census, tab shows allocations, resources then listeners, b sets the baseline', async () => {
	const term = await runInTerminal([process.execPath, cliPath, '--port', String(target.port)]);
	try {
		await term.waitForScreen(/heapUsed\s+\d/);
		assert.match(await term.screen(), /(WAIT|OK|LEAK) /);
		await term.keys('l');
		await term.waitForScreen(/listener census: \d+ listeners on \d+ emitters in [\d.]+ ?(ms|s)\b/);
		await term.keys('Tab');
		await term.waitForScreen(/live allocations, 1 sample per 524\.3 KB/);
		await term.keys('Tab');
		await term.waitForScreen(/active resources[\s\S]*TCPServerWrap +1/);
		await term.keys('Tab');
		await term.waitForScreen(/listeners: last census \d+s ago[\s\S]*emitter\.event/);
		await term.keys('b');
		await term.waitForScreen(/baseline set/);
		await term.keys('q');
		assert.equal(await term.exitCode(5000), 0);
	} finally {
		await term.close();
	}
});

test('--duration: the header counts down and at the end leaktop detaches safely by itself, exit 0', async () => {
	const started = Date.now();
	const term = await runInTerminal([process.execPath, cliPath, '--port', String(target.port), '--duration', '4s']);
	try {
		await term.waitForScreen(/ends in 0:0[1-4][\s\S]*time box: leaktop detaches at \d\d:\d\d:\d\d, after 4s/);
		const pid = await term.pid();
		assert.equal(await term.exitCode(15_000), 0);
		assert.ok(Date.now() - started >= 4000, 'not before the time box ended');
		assert.equal(isAlive(pid), false);
		assertTerminalRestored(await term.sttyAfter());
		assert.match(await httpGet(target.httpPort!, '/'), /^ok \d+/);
		const fresh = await InspectorSession.connect(target.webSocketUrl);
		try {
			await assert.rejects(fresh.send('HeapProfiler.getSamplingProfile'), 'sampling stopped on the way out');
		} finally {
			await fresh.close();
		}
	} finally {
		await term.close();
	}
});

test('+ extends the time box by 5 minutes, logged; without one it says how to set one', async () => {
	const term = await runInTerminal([process.execPath, cliPath, '--port', String(target.port), '--duration', '10m']);
	try {
		await term.waitForScreen(/ends in 9:5\d/);
		await term.keys('+');
		await term.waitForScreen(/ends in 14:5\d[\s\S]*time box extended by 5m 00s: leaktop detaches at/);
		await term.keys('q');
		assert.equal(await term.exitCode(5000), 0);
	} finally {
		await term.close();
	}
	const untimed = await runInTerminal([process.execPath, cliPath, '--port', String(target.port)]);
	try {
		await untimed.waitForScreen(/heapUsed\s+\d/);
		assert.doesNotMatch(await untimed.screen(), /ends in/);
		await untimed.keys('+');
		await untimed.waitForScreen(/no time box to extend: start leaktop with --duration 15m/);
		await untimed.keys('q');
		assert.equal(await untimed.exitCode(5000), 0);
	} finally {
		await untimed.close();
	}
});

test('redraws on resize', async () => {
	const term = await runInTerminal([process.execPath, cliPath, '--port', String(target.port)]);
	try {
		await term.waitForScreen(/heapUsed\s+\d/);
		await term.resize(140, 40);
		await waitFor(async () => (await term.screen()).split('\n').some(line => /heap limit/.test(line) && line.trimEnd().length > 100), {what: 'a header as wide as the new terminal'});
		await term.keys('q');
		assert.equal(await term.exitCode(5000), 0);
	} finally {
		await term.close();
	}
});

test('SIGTERM and ctrl+c detach safely and restore the terminal', async () => {
	for (const how of ['SIGTERM', 'ctrl+c'] as const) {
		const term = await runInTerminal([process.execPath, cliPath, '--port', String(target.port)]);
		try {
			await term.waitForScreen(/heapUsed\s+\d/);
			if (how === 'SIGTERM') process.kill(await term.pid(), 'SIGTERM');
			else await term.keys('C-c');
			assert.equal(await term.exitCode(5000), 0, how);
			assertTerminalRestored(await term.sttyAfter());
		} finally {
			await term.close();
		}
	}
	assert.match(await httpGet(target.httpPort!, '/'), /^ok \d+/);
});

test('a target that exits mid-session: clear message, non-zero exit, terminal restored', async () => {
	const short = await startTarget('exit-after', {args: ['2500']});
	const term = await runInTerminal([process.execPath, cliPath, '--no-reconnect', '--port', String(short.port)]);
	try {
		await term.waitForScreen(/heapUsed\s+\d/);
		assert.equal(await term.exitCode(10_000), 2);
		const screen = await term.screen();
		assert.match(screen, /leaktop: target went away: the process exited/);
		assertTerminalRestored(await term.sttyAfter());
		await waitFor(() => short.child.exitCode !== null, {timeoutMs: 5000, what: 'the target to exit'});
	} finally {
		await term.close();
		await short.kill();
	}
});

test('a port-forward that drops: the header says "reconnecting (attempt n)", keys that need the target say why not, the history stays, and it resumes', async () => {
	const proxy = await startProxy(target.port);
	const term = await runInTerminal([process.execPath, cliPath, '--port', String(proxy.port)]);
	try {
		await term.waitForScreen(/heapUsed over the last [1-9]/);
		proxy.pause();
		await term.waitForScreen(/reconnecting \(attempt [2-9]\)/, 15_000);
		await term.keys('g');
		await term.waitForScreen(/not connected \(reconnecting\): try again once the target answers/);
		assert.match(await term.screen(), /heapUsed over the last [1-9]/, 'the chart keeps its history');
		proxy.resume();
		await term.waitForScreen(/reconnected after \d+s: the same process/, 20_000);
		await term.waitForScreen(/● connected/);
		await term.keys('g');
		await term.waitForScreen(/GC: heapUsed [\d.]+ [KMG]?B -> [\d.]+ [KMG]?B/);
		await term.keys('q');
		assert.equal(await term.exitCode(5000), 0);
	} finally {
		await term.close();
		await proxy.close();
	}
});

test('leaktop replay on a recording: the same numbers, left/right move through time, space plays, q exits', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'leaktop-replay-'));
	try {
		const recording = join(dir, 'session.ndjson');
		const report = join(dir, 'report.json');
		assertOk(await runCli(['--headless', '--duration', '5s', '--port', String(target.port), '--record', recording, '--report', report]));
		const samples = (JSON.parse(readFileSync(report, 'utf8')) as {samples: Array<{heapUsed: number}>}).samples;
		const term = await runInTerminal([process.execPath, cliPath, 'replay', recording]);
		try {
			const end = await term.waitForScreen(/replay [45]s \/ [45]s/);
			assert.match(end, new RegExp(`heapUsed +${escapeRegExp(formatBytes(samples.at(-1)!.heapUsed))} `), 'the last recorded heapUsed');
			assert.match(end, /● closed/);
			assert.match(end, /left -10s +right \+10s +space play/);
			await term.keys('Left');
			const start = await term.waitForScreen(/replay 0s \/ [45]s/);
			assert.doesNotMatch(start, /heapUsed +\d/, 'before the first sample');
			await term.keys('Right');
			await term.waitForScreen(/replay [45]s \/ [45]s/);
			await term.keys('Left');
			await term.waitForScreen(/replay 0s \/ [45]s/);
			await term.keys('Space');
			await term.waitForScreen(/replay [45]s \/ [45]s(?! playing)/);
			await term.keys('Tab');
			await term.waitForScreen(/live allocations/);
			await term.keys('q');
			assert.equal(await term.exitCode(5000), 0);
		} finally {
			await term.close();
		}
		assertFailsWith(await runCli(['replay', recording]), 'leaktop replay needs a terminal');

		// A killed leaktop leaves its last line cut: the replay opens on what came before it.
		const cut = join(dir, 'cut.ndjson');
		const text = readFileSync(recording, 'utf8');
		writeFileSync(cut, text.slice(0, text.lastIndexOf('\n', text.length - 2) + 20));
		const killed = await runInTerminal([process.execPath, cliPath, 'replay', cut]);
		try {
			await killed.waitForScreen(/heapUsed +\d[\s\S]*replay \d+s \/ \d+s/);
			await killed.keys('q');
			assert.equal(await killed.exitCode(5000), 0);
		} finally {
			await killed.close();
		}
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
});
