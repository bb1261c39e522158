import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {UsageError} from '../../src/errors.js';
import {type KeyPress, typedBindings, typedCommands} from '../../src/keymap.js';
import {commandNames, completeLine, editLine, type LineState, parseCommandLine} from '../../src/model/command-line.js';

const key = (input: string, more: Partial<KeyPress> = {}): KeyPress => ({input, ctrl: false, escape: false, ...more});
const at = (text: string, cursor = text.length): LineState => ({text, cursor});

describe('parseCommandLine', () => {
	test('the typed commands, with or without the leading colon', () => {
		assert.deepEqual(parseCommandLine('watch globalThis.cache.size'), {kind: 'watch', expression: 'globalThis.cache.size'});
		assert.deepEqual(parseCommandLine(':watch  sessions.size '), {kind: 'watch', expression: 'sessions.size'});
		assert.deepEqual(parseCommandLine('unwatch 2'), {kind: 'unwatch', n: 2});
		assert.deepEqual(parseCommandLine('eval queue.length > 10 ? "long" : "ok"'), {kind: 'eval', expression: 'queue.length > 10 ? "long" : "ok"'});
		assert.deepEqual(parseCommandLine("count require('http').Agent"), {kind: 'count', expression: "require('http').Agent"});
		assert.deepEqual(parseCommandLine('interval 2s'), {kind: 'interval', ms: 2000});
		assert.deepEqual(parseCommandLine('sampling 128KiB'), {kind: 'sampling', bytes: 128 * 1024});
		assert.deepEqual(parseCommandLine('sampling off'), {kind: 'sampling', bytes: null});
		assert.deepEqual(parseCommandLine('threshold 5MB/h'), {kind: 'threshold', bytesPerHour: 5e6});
		assert.deepEqual(parseCommandLine('help'), {kind: 'help'});
	});

	test('every key action is a command by its name', () => {
		for (const binding of typedBindings().filter(b => b.command !== 'help')) assert.deepEqual(parseCommandLine(binding.command), {kind: 'key', command: binding.command});
		assert.deepEqual(parseCommandLine('help'), {kind: 'help'}, ':help lists the commands; ? still shows the keys');
		for (const name of ['gc', 'snapshot', 'baseline', 'census', 'diff', 'quit']) assert.ok(commandNames().includes(name), name);
		for (const typed of typedCommands) assert.ok(commandNames().includes(typed.name), typed.name);
		assert.ok(!commandNames().includes('confirm'), 'answers to a question are keys only');
	});

	test('mistakes are one line naming what to fix', () => {
		const cases: Array<[string, string]> = [
			['', 'type a command after ":" (:help lists them)'],
			['frobnicate', 'unknown command :frobnicate (:help lists them)'],
			['watch', ':watch needs an expression: evaluate EXPR every sample, side-effect free; numbers (and sizes) get a trend'],
			['unwatch one', ':unwatch takes a watch number (1, 2...), not "one"'],
			['unwatch 0', ':unwatch takes a watch number (1, 2...), not "0"'],
			['interval 10ms', 'invalid :interval "10ms": must be at least 100ms (each sample runs on the target\'s main thread)'],
			['interval soon', 'invalid :interval "soon": use a number with a unit, e.g. 500ms, 30s, 15m, 2h'],
			['sampling lots', 'invalid :sampling "lots": use a size such as 512KiB, 64KiB, 1MiB, or off'],
			['threshold fast', 'invalid :threshold "fast": use a size per time, e.g. 1MB/h, 500KB/h, 5MB/min'],
			['gc now', ':gc takes no argument'],
		];
		for (const [line, message] of cases) assert.throws(() => parseCommandLine(line), (error: unknown) => error instanceof UsageError && error.message === message, line);
	});
});

describe('editLine', () => {
	test('typing and pasting insert at the cursor; a pasted line break becomes a space', () => {
		assert.deepEqual(editLine(at('wach', 2), key('t')), at('watch', 3));
		assert.deepEqual(editLine(at('watch '), key('a.b\nc')), at('watch a.b c'));
		assert.equal(editLine(at('x'), key('\u0007')), undefined, 'a control character alone edits nothing');
		assert.deepEqual(editLine(at('x'), key('y\u001b[A\u001b[1;5Cz')), at('xyz'), 'escape sequences in a chunk are dropped whole');
	});

	test('backspace, arrows and readline keys', () => {
		assert.deepEqual(editLine(at('watchx'), key('', {delete: true})), at('watch'));
		assert.deepEqual(editLine(at('watch', 0), key('', {backspace: true})), at('watch', 0));
		assert.deepEqual(editLine(at('watch', 2), key('', {leftArrow: true})), at('watch', 1));
		assert.deepEqual(editLine(at('watch'), key('', {rightArrow: true})), at('watch'));
		assert.deepEqual(editLine(at('watch', 3), key('a', {ctrl: true})), at('watch', 0));
		assert.deepEqual(editLine(at('watch', 0), key('e', {ctrl: true})), at('watch'));
		assert.deepEqual(editLine(at('eval a.b', 5), key('u', {ctrl: true})), at('a.b', 0));
		assert.deepEqual(editLine(at('eval a.b'), key('w', {ctrl: true})), at('eval ', 5));
		assert.deepEqual(editLine(at('eval a.b  '), key('w', {ctrl: true})), at('eval ', 5));
		assert.equal(editLine(at('x'), key('', {return: true})), undefined);
		assert.equal(editLine(at('x'), key('', {upArrow: true})), undefined);
	});
});

describe('completeLine', () => {
	const globals = ['cache', 'cacheStats', 'sessions', 'process'];

	test('the first word completes to a command name, with a space after a unique one', () => {
		assert.deepEqual(completeLine(at('wat'), globals), {line: at('watch '), candidates: []});
		assert.deepEqual(completeLine(at(':unw'), globals), {line: at(':unwatch '), candidates: []});
		assert.deepEqual(completeLine(at('near'), globals), {line: at('near-limit '), candidates: []});
		const {line, candidates} = completeLine(at('s'), globals);
		assert.deepEqual(line, at('s'), 'several share only "s"');
		assert.deepEqual(candidates, ['sampling', 'select-down', 'select-up', 'snapshot', 'stack']);
	});

	test('after the command, a global name: unique fills in, several fill their common part', () => {
		assert.deepEqual(completeLine(at('watch ses'), globals), {line: at('watch sessions'), candidates: []});
		assert.deepEqual(completeLine(at('watch cac'), globals), {line: at('watch cache'), candidates: ['cache', 'cacheStats']});
		assert.deepEqual(completeLine(at('eval 1 + proc.x', 13), globals), {line: at('eval 1 + process.x', 16), candidates: []});
	});

	test('no completion after a dot (only globals are known) or with no match', () => {
		assert.deepEqual(completeLine(at('watch cache.si'), globals), {line: at('watch cache.si'), candidates: []});
		assert.deepEqual(completeLine(at('watch zz'), globals), {line: at('watch zz'), candidates: []});
	});
});
