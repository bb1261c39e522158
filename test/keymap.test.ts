import assert from 'node:assert/strict';
import {test} from 'node:test';
import {bindings, commandFor, type KeyPress} from '../src/keymap.js';

const closed = {helpOpen: false, stackOpen: false};

/** The key press Ink reports for a binding's key name. */
function pressFor(key: string): KeyPress {
	const special: Record<string, Partial<KeyPress>> = {tab: {tab: true}, up: {upArrow: true}, down: {downArrow: true}, enter: {return: true}};
	if (special[key]) return {input: '', ctrl: false, escape: false, ...special[key]};
	const [ctrl, input] = key.startsWith('ctrl+') ? [true, key.slice(5)] : [false, key];
	return {input, ctrl, escape: false};
}

test('every binding is reachable and keys are unique', () => {
	const keys = bindings.flatMap(b => b.keys);
	assert.equal(new Set(keys).size, keys.length);
	for (const b of bindings) {
		for (const key of b.keys) assert.equal(commandFor(pressFor(key), closed), b.command, key);
	}
});

test('escape closes help, then the stack view, and does nothing when neither is open', () => {
	const escape = {input: '', ctrl: false, escape: true};
	assert.equal(commandFor(escape, {helpOpen: true, stackOpen: true}), 'help');
	assert.equal(commandFor(escape, {helpOpen: false, stackOpen: true}), 'stack');
	assert.equal(commandFor(escape, closed), undefined);
	assert.equal(commandFor({input: 'z', ctrl: false, escape: false}, closed), undefined);
});
