// Runs every compiled test file with node's own runner, in two phases: first the fast and
// real-process suites, several files at a time (they mostly wait on their targets); then the
// acceptance suite on its own, since it keeps three leaking apps busy for a minute and would
// starve the timing of the others on a 2-core machine.
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
const isAcceptance = file => file.includes(`${join('test', 'acceptance')}`);
const phases = [
	{files: selected.filter(f => !isAcceptance(f)), concurrency: process.env.LEAKTOP_TEST_CONCURRENCY ?? '3'},
	{files: selected.filter(isAcceptance), concurrency: '1'},
].filter(phase => phase.files.length > 0);

// Spec output for people; a TAP copy to count from, so the last line is a plain summary.
const tapDir = mkdtempSync(join(tmpdir(), 'leaktop-tap-'));
const totals = {pass: 0, fail: 0, skipped: 0};
let status = 0;
for (const [index, phase] of phases.entries()) {
	const tapFile = join(tapDir, `phase-${index}.tap`);
	const result = spawnSync(
		process.execPath,
		['--test', `--test-concurrency=${phase.concurrency}`, '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tapFile}`, ...phase.files],
		{stdio: 'inherit'},
	);
	const tap = readFileSync(tapFile, 'utf8');
	for (const name of Object.keys(totals)) totals[name] += Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0);
	status ||= result.status ?? 1;
}
rmSync(tapDir, {recursive: true, force: true});
console.log(`\ntests: ${totals.pass} passed, ${totals.fail} failed, ${totals.skipped} skipped`);
process.exit(status);
