import assert from 'node:assert/strict';
import {test} from 'node:test';
import {bindings, commandFor} from '../src/keymap.js';

test('every binding is reachable and keys are unique', () => {
	const keys = bindings.flatMap(b => b.keys);
	assert.equal(new Set(keys).size, keys.length);
	for (const b of bindings) {
		for (const key of b.keys) {
			const [ctrl, input] = key.startsWith('ctrl+') ? [true, key.slice(5)] : [false, key];
			assert.equal(commandFor({input, ctrl, escape: false}, false), b.command, key);
		}
	}
});

test('escape closes help only while it is open', () => {
	assert.equal(commandFor({input: '', ctrl: false, escape: true}, true), 'help');
	assert.equal(commandFor({input: '', ctrl: false, escape: true}, false), undefined);
	assert.equal(commandFor({input: 'z', ctrl: false, escape: false}, false), undefined);
});
