import assert from 'node:assert/strict';
import {test} from 'node:test';
import {bindings, commandFor, type KeyPress} from '../src/keymap.js';

/** The key press Ink reports for a binding's key name. */
function pressFor(key: string): KeyPress {
	const special: Record<string, Partial<KeyPress>> = {tab: {tab: true}, up: {upArrow: true}, down: {downArrow: true}, enter: {return: true}, esc: {escape: true}};
	if (special[key]) return {input: '', ctrl: false, escape: false, ...special[key]};
	const [ctrl, input] = key.startsWith('ctrl+') ? [true, key.slice(5)] : [false, key];
	return {input, ctrl, escape: false};
}

test('every binding is reachable and keys are unique', () => {
	const keys = bindings.flatMap(b => b.keys);
	assert.equal(new Set(keys).size, keys.length);
	for (const b of bindings) {
		for (const key of b.keys) assert.equal(commandFor(pressFor(key)), b.command, key);
	}
});

test('while leaktop asks a question, y says yes, any other key no, and ctrl+c still quits', () => {
	assert.equal(commandFor(pressFor('y'), true), 'confirm');
	for (const key of ['n', 'esc', 'enter', 'q', 's']) assert.equal(commandFor(pressFor(key), true), 'decline', key);
	assert.equal(commandFor(pressFor('ctrl+c'), true), 'quit');
	assert.equal(commandFor(pressFor('y')), 'confirm', 'y alone is harmless: nothing waits for it');
	assert.equal(commandFor({input: 'z', ctrl: false, escape: false}), undefined);
});
