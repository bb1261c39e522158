import assert from 'node:assert/strict';
import {test} from 'node:test';
import {historyLimit, newer, older, startWalk, withLine} from '../../src/model/command-history.js';

test('run lines are kept once in a row, blank ones not, and only the newest historyLimit', () => {
	let entries = withLine([], 'watch a');
	entries = withLine(entries, '  watch a ');
	entries = withLine(entries, '   ');
	entries = withLine(entries, 'eval b');
	assert.deepEqual(entries, ['watch a', 'eval b']);
	const many = Array.from({length: historyLimit + 10}, (_, i) => `eval ${i}`).reduce(withLine, [] as string[]);
	assert.equal(many.length, historyLimit);
	assert.equal(many[0], 'eval 10');
});

test('up walks back from the newest, down walks forward and then gives back the line being typed', () => {
	const entries = ['watch a', 'eval b', 'gc'];
	let step = older(entries, startWalk, 'draft');
	assert.equal(step.text, 'gc');
	step = older(entries, step.walk, step.text);
	assert.equal(step.text, 'eval b');
	step = older(entries, step.walk, step.text);
	step = older(entries, step.walk, step.text);
	assert.equal(step.text, 'watch a', 'stops at the oldest');
	step = newer(entries, step.walk, step.text);
	assert.equal(step.text, 'eval b');
	step = newer(entries, step.walk, step.text);
	step = newer(entries, step.walk, step.text);
	assert.equal(step.text, 'draft');
	assert.deepEqual(step.walk, startWalk);
	assert.deepEqual(newer(entries, startWalk, 'typed'), {walk: startWalk, text: 'typed'});
	assert.deepEqual(older([], startWalk, 'typed'), {walk: startWalk, text: 'typed'});
});
