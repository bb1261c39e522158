import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {test} from 'node:test';
import {bindings} from '../src/keymap.js';
import {repoRoot} from './helpers/paths.js';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

test('the README starts with the two set-up commands', () => {
	const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
	const commands = firstBlock.split('\n').filter(Boolean).map(line => line.split('#')[0]!.trim());
	assert.deepEqual(commands, ['npm ci && node bin/leaktop.js demo', 'npm ci && npm test']);
	assert.match(readFileSync(join(repoRoot, '.ci/run'), 'utf8'), /^npm ci && npm test$/m);
});

test('the README keys table is the keymap', () => {
	const table = readme.split('### Keys')[1]!.split('\n\n')[1]!;
	const rows = table.split('\n').slice(2).map(row => row.split('|').map(cell => cell.trim()).filter(Boolean));
	assert.deepEqual(
		rows.map(([keys, help]) => [keys, help]),
		bindings.map(b => [b.keys.map(k => `\`${k}\``).join(', '), b.help]),
	);
});
