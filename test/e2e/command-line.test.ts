/** The `:` command line in a real terminal: watches, a refused eval, a count, tab, and history kept across runs. */
import assert from 'node:assert/strict';
import {existsSync, readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {test} from 'node:test';
import {cliPath} from '../helpers/paths.js';
import {fixtureForFile, httpGet, tempDirForFile} from '../helpers/target.js';
import {runInTerminal} from '../helpers/tmux.js';

const config = tempDirForFile('leaktop-e2e-config-');
const app = fixtureForFile('globals');
const leaktop = () => ['env', `XDG_CONFIG_HOME=${config}`, process.execPath, cliPath, '--port', String(app().port)];

test('command line: :watch with tab, a refused :eval declined, :count, then the history in the next run', async () => {
	const term = await runInTerminal(leaktop());
	try {
		await term.waitForScreen(/heapUsed\s+\d/);
		await term.keys(':');
		await term.waitForScreen(/^:.*enter run {2}tab complete {2}up history {2}esc cancel/m);
		await term.keys('watch sess', 'Tab');
		await term.waitForScreen(/^:watch sessions /m);
		await term.keys('.size', 'Enter');
		await term.waitForScreen(/^1 +sessions\.size +\d+/m);

		await term.keys(':', 'eval flag = "changed"', 'Enter');
		await term.waitForScreen(/y\/N: run with side effects allowed\? flag = "changed"/);
		await term.keys('n');
		await term.waitForScreen(/not run: flag = "changed"/);
		assert.equal((JSON.parse(await httpGet(app().httpPort!, '/')) as {flag: string}).flag, 'original', 'declined: the target is unchanged');

		await term.keys(':', 'count Widget', 'Enter');
		await term.waitForScreen(/count: 25 live Widget instances/);
		await term.keys(':', 'frobnicate', 'Enter');
		await term.waitForScreen(/unknown command :frobnicate \(:help lists them\)/);
		await term.keys(':', 'watch missing.size', 'Enter');
		await term.waitForScreen(/:watch missing\.size: ReferenceError: missing is not defined/);
		await term.keys(':', 'help', 'Enter');
		await term.waitForScreen(/^:watch EXPR +evaluate EXPR every sample/m);
		await term.keys('Escape');
		await term.keys('q');
		assert.equal(await term.exitCode(5000), 0);
	} finally {
		await term.close();
	}
	const history = join(config, 'leaktop', 'history');
	assert.ok(existsSync(history));
	assert.equal(statSync(history).mode & 0o777, 0o600, 'expressions may name secrets');
	assert.deepEqual(readFileSync(history, 'utf8').split('\n').filter(Boolean), ['watch sessions.size', 'eval flag = "changed"', 'count Widget', 'frobnicate', 'watch missing.size', 'help']);

	const again = await runInTerminal(leaktop());
	try {
		await again.waitForScreen(/heapUsed\s+\d/);
		// One key per write: arrows that arrive in one chunk are not keys.
		for (const key of [':', 'Up', 'Up', 'Up']) await again.keys(key);
		await again.waitForScreen(/^:frobnicate/m);
		for (const key of ['Up', 'Up', 'Up']) await again.keys(key);
		await again.waitForScreen(/^:watch sessions\.size/m);
		await again.keys('Enter');
		await again.waitForScreen(/^1 +sessions\.size +\d+/m);
		await again.keys('q');
		assert.equal(await again.exitCode(5000), 0);
	} finally {
		await again.close();
	}
});
