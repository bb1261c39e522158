/** Bad command lines: exit 2 and one line that names what to fix; --help and --version. */
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, test} from 'node:test';
import {assertFailsWith, assertOk, runCli} from '../helpers/cli.js';
import {repoRoot} from '../helpers/paths.js';

describe('leaktop usage errors', () => {
	test('an unknown flag is one line naming it', async () => {
		const result = await runCli(['--bogus']);
		const message = assertFailsWith(result, 'unknown flag --bogus');
		assert.equal(message, 'unknown flag --bogus (see leaktop --help)');
	});

	test('unknown flags are caught in every spelling', async () => {
		const cases: Array<[string[], string]> = [
			[['--bogus=1'], '--bogus'],
			[['-x'], '-x'],
			[['--no-bogus'], '--no-bogus'],
			[['--port', '9229', '--Port', '9230'], '--Port'],
		];
		for (const [args, flag] of cases) {
			const result = await runCli(args);
			assert.equal(assertFailsWith(result, flag), `unknown flag ${flag} (see leaktop --help)`);
		}
	});

	test('a bad --duration, --interval or --port is one line naming the flag', async () => {
		const cases: Array<[string[], string]> = [
			[['--duration', '5x'], '--duration "5x"'],
			[['--interval', '0s'], '--interval "0s"'],
			[['--port', '99999'], '--port "99999"'],
			[['--port', '0'], '--port "0"'],
			[['--port=abc'], '--port "abc"'],
			[['--pid', '0'], '--pid "0"'],
			[['--pid', '12ab'], '--pid "12ab"'],
			[['--url', 'http://127.0.0.1:9229/x'], '--url "http://127.0.0.1:9229/x"'],
		];
		for (const [args, named] of cases) {
			const result = await runCli(args);
			const message = assertFailsWith(result, named);
			assert.match(message, /^invalid --/, `${args.join(' ')}: ${message}`);
		}
	});

	test('an unparseable --url is a usage error, not a crash', async () => {
		const result = await runCli(['--url', 'ws://[bad']);
		assertFailsWith(result, '--url "ws://[bad"');
	});

	test('a duration that rounds to 0 ms or overflows a timer is refused', async () => {
		// setTimeout turns anything above 2^31-1 ms into 1 ms: `--duration 1000h` would end at once.
		for (const [flag, value] of [
			['--interval', '0.1ms'],
			['--duration', '0.4ms'],
			['--duration', '1000h'],
			['--interval', '600h'],
		] as const) {
			const result = await runCli([flag, value, '--port', '1']);
			assertFailsWith(result, new RegExp(`^invalid ${flag} "${value}"`));
		}
	});

	test('an --interval under 100ms is refused: each sample runs on the target\'s main thread', async () => {
		const result = await runCli(['--interval', '20ms', '--port', '1']);
		assert.equal(assertFailsWith(result, '--interval "20ms"'), 'invalid --interval "20ms": must be at least 100ms (each sample runs on the target\'s main thread)');
	});

	test('a flag given twice is one usage line, not a reported bug', async () => {
		const result = await runCli(['--interval', '1s', '--interval', '2s']);
		assertFailsWith(result, 'the flag --interval can only be set once');
	});

	test('a flag that needs a value but has none is refused, not silently defaulted', async () => {
		// `--report` with no file used to run the whole session and write no report.
		const cases: Array<[string[], string]> = [
			[['--port'], '--port'],
			[['--report'], '--report'],
			[['--report', '--json'], '--report'],
			[['--report='], '--report'],
			[['--duration'], '--duration'],
			[['--url='], '--url'],
			[['--host', '--port', '1'], '--host'],
		];
		for (const [args, flag] of cases) {
			const result = await runCli(args);
			assert.equal(assertFailsWith(result, flag), `${flag} needs a value (see leaktop --help)`, args.join(' '));
		}
	});

	test('an unknown command exits 2 and lists the commands', async () => {
		const result = await runCli(['frobnicate']);
		assertFailsWith(result, /^unknown command "frobnicate" \(commands: targets, demo/);
	});

	test('an extra argument after a command exits 2', async () => {
		const result = await runCli(['targets', 'extra']);
		assertFailsWith(result, 'unexpected argument "extra"');
	});
});

describe('leaktop --help and --version', () => {
	test('--help exits 0 and documents every flag on stdout', async () => {
		const result = await runCli(['--help']);
		assertOk(result);
		assert.equal(result.stderr, '');
		for (const flag of ['--host', '--port', '--url', '--pid', '--interval', '--headless', '--duration', '--report', '--json', '--scenario', '--help', '--version']) {
			assert.match(result.stdout, new RegExp(`^\\s+${flag}\\b`, 'm'), `--help does not document ${flag}`);
		}
		assert.match(result.stdout, /Usage/);
		assert.match(result.stdout, /Exit codes: 0 /);
		assert.match(result.stdout, /\b2 error/);
	});

	test('--version prints the package.json version and nothing else', async () => {
		const {version} = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {version: string};
		const result = await runCli(['--version']);
		assertOk(result);
		assert.equal(result.stdout, `${version}\n`);
		assert.equal(result.stderr, '');
	});

	test('--help wins over other valid flags and never connects', async () => {
		// Port 1 is never an inspector: connecting would fail with exit 2.
		const result = await runCli(['--port', '1', '--headless', '--help']);
		assertOk(result);
		assert.match(result.stdout, /--scenario/);
	});
});
