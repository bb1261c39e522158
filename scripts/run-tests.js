// Runs every compiled test file with node's own runner. Real-process suites spend most of their
// time waiting on targets, so files run in parallel even on 2 cores.
import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {spawnSync} from 'node:child_process';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';

const root = fileURLToPath(new URL('../dist/test/', import.meta.url));
const files = readdirSync(root, {recursive: true})
	.map(String)
	.filter(name => name.endsWith('.test.js'))
	.map(name => join(root, name))
	.sort();
const filters = process.argv.slice(2);
const selected = filters.length > 0 ? files.filter(f => filters.some(part => f.includes(part))) : files;
if (selected.length === 0) {
	console.error(`no test files match ${filters.join(' ')}`);
	process.exit(1);
}
const concurrency = process.env.LEAKTOP_TEST_CONCURRENCY ?? '3';
// Spec output for people; a TAP copy to count from, so the last line is a plain summary.
const tapDir = mkdtempSync(join(tmpdir(), 'leaktop-tap-'));
const tapFile = join(tapDir, 'results.tap');
const result = spawnSync(
	process.execPath,
	['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tapFile}`, ...selected],
	{stdio: 'inherit'},
);
const tap = readFileSync(tapFile, 'utf8');
rmSync(tapDir, {recursive: true, force: true});
const count = name => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0);
console.log(`\ntests: ${count('pass')} passed, ${count('fail')} failed, ${count('skipped')} skipped`);
process.exit(result.status ?? 1);
