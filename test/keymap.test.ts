import assert from 'node:assert/strict';
import {test} from 'node:test';
import {bindings, bindingsFor, commandFor, type KeyPress} from '../src/keymap.js';

/** The key press Ink reports for a binding's key name. */
function pressFor(key: string): KeyPress {
	const special: Record<string, Partial<KeyPress>> = {tab: {tab: true}, up: {upArrow: true}, down: {downArrow: true}, left: {leftArrow: true}, right: {rightArrow: true}, enter: {return: true}, esc: {escape: true}, space: {input: ' '}};
	if (special[key]) return {input: '', ctrl: false, escape: false, ...special[key]};
	const [ctrl, input] = key.startsWith('ctrl+') ? [true, key.slice(5)] : [false, key];
	return {input, ctrl, escape: false};
}

test('every binding is reachable and keys are unique in each mode', () => {
	for (const mode of ['live', 'replay', 'prompt'] as const) {
		const keys = bindingsFor(mode).flatMap(b => b.keys);
		assert.equal(new Set(keys).size, keys.length, mode);
	}
	for (const b of bindings) {
		for (const key of b.keys) assert.equal(commandFor(pressFor(key), false, b.mode ?? 'live'), b.command, key);
	}
});

test('keys of the live TUI do nothing in a replay, and the replay keys nothing live', () => {
	assert.equal(commandFor(pressFor('g'), false, 'replay'), undefined, 'no target to GC');
	assert.equal(commandFor(pressFor('l'), false, 'replay'), undefined);
	assert.equal(commandFor(pressFor('right'), false, 'live'), undefined);
	assert.equal(commandFor(pressFor('space'), false, 'replay'), 'play');
	assert.equal(commandFor(pressFor('tab'), false, 'replay'), 'panel', 'the view keys work in both');
	assert.deepEqual(bindingsFor('replay').filter(b => b.inFooter).map(b => b.keys[0]), ['b', 'tab', 'left', 'right', 'space', '?', 'q']);
});

test('while leaktop asks a question, y says yes, any other key no, and ctrl+c still quits', () => {
	assert.equal(commandFor(pressFor('y'), true), 'confirm');
	for (const key of ['n', 'esc', 'enter', 'q', 's']) assert.equal(commandFor(pressFor(key), true), 'decline', key);
	assert.equal(commandFor(pressFor('ctrl+c'), true), 'quit');
	assert.equal(commandFor(pressFor('y')), 'confirm', 'y alone is harmless: nothing waits for it');
	assert.equal(commandFor({input: 'z', ctrl: false, escape: false}), undefined);
});

test('while the command line is open only its own keys are commands, and ctrl+c still quits', () => {
	assert.equal(commandFor(pressFor(':')), 'command-line');
	assert.equal(commandFor(pressFor('g'), false, 'prompt'), undefined, 'g is text on the line');
	assert.equal(commandFor(pressFor('q'), false, 'prompt'), undefined);
	assert.equal(commandFor(pressFor('enter'), false, 'prompt'), 'prompt-run');
	assert.equal(commandFor(pressFor('tab'), false, 'prompt'), 'prompt-complete');
	assert.equal(commandFor(pressFor('esc'), false, 'prompt'), 'prompt-cancel');
	assert.equal(commandFor(pressFor('up'), false, 'prompt'), 'prompt-older');
	assert.equal(commandFor(pressFor('down'), false, 'prompt'), 'prompt-newer');
	assert.equal(commandFor(pressFor('ctrl+c'), false, 'prompt'), 'quit');
	assert.deepEqual(bindingsFor('prompt').filter(b => b.inFooter).map(b => b.keys[0]), ['enter', 'tab', 'up', 'esc']);
});
