/**
 * The `:` command line, pure: what a typed line asks for, how a key edits the line, and what
 * tab completes. The names come from the keymap, the one table of keys and commands.
 */
import {UsageError} from '../errors.js';
import {type Command, type KeyPress, typedBindings, typedCommands, type TypedName} from '../keymap.js';
import {parseInterval} from './duration.js';
import {parseRate} from './rate.js';
import {parseSampling} from './size.js';

export type ParsedLine =
	| {kind: 'watch'; expression: string}
	| {kind: 'unwatch'; n: number}
	| {kind: 'eval'; expression: string}
	| {kind: 'count'; expression: string}
	| {kind: 'interval'; ms: number}
	| {kind: 'sampling'; bytes: number | null}
	| {kind: 'threshold'; bytesPerHour: number}
	/** `:help` lists the commands (`?` shows the keys). */
	| {kind: 'help'}
	/** A key's action by its command name: `:gc`, `:snapshot`. */
	| {kind: 'key'; command: Command};

/** Every name a line can start with, for completion and for "unknown command". */
export function commandNames(): string[] {
	return [...typedCommands.map(c => c.name), ...typedBindings().map(b => b.command)].sort();
}

/** The line as typed (with or without its leading `:`); a UsageError says what is wrong in one line. */
export function parseCommandLine(line: string): ParsedLine {
	const text = line.trim().replace(/^:\s*/, '');
	const [, name = '', rest = ''] = /^(\S*)\s*([\s\S]*)$/.exec(text)!;
	const arg = rest.trim();
	if (name === '') throw new UsageError('type a command after ":" (:help lists them)');
	const typed = typedCommands.find(c => c.name === name);
	if (typed) return parseTyped(typed.name, arg);
	if (name === 'help') return {kind: 'help'};
	const binding = typedBindings().find(b => b.command === name);
	if (!binding) throw new UsageError(`unknown command :${name} (:help lists them)`);
	if (arg !== '') throw new UsageError(`:${name} takes no argument`);
	return {kind: 'key', command: binding.command};
}

function parseTyped(name: TypedName, arg: string): ParsedLine {
	const needs = (what: string) => {
		if (arg === '') throw new UsageError(`:${name} needs ${what}: ${typedCommands.find(c => c.name === name)!.help}`);
	};
	switch (name) {
		case 'watch':
		case 'eval':
		case 'count':
			needs('an expression');
			return {kind: name, expression: arg};
		case 'unwatch': {
			needs('a watch number');
			if (!/^\d+$/.test(arg) || Number(arg) < 1) throw new UsageError(`:unwatch takes a watch number (1, 2...), not "${arg}"`);
			return {kind: 'unwatch', n: Number(arg)};
		}
		case 'interval':
			needs('a duration');
			return {kind: 'interval', ms: parseInterval(arg, ':')};
		case 'sampling':
			needs('a size or off');
			return {kind: 'sampling', bytes: parseSampling(arg, ':sampling')};
		case 'threshold':
			needs('a rate');
			return {kind: 'threshold', bytesPerHour: parseRate(arg, 'threshold', ':')};
	}
}

export interface LineState {
	text: string;
	/** Index into `text`, 0..text.length. */
	cursor: number;
}

export const emptyLine: LineState = {text: '', cursor: 0};

const wordBefore = (text: string, cursor: number) => /[\w$]*$/.exec(text.slice(0, cursor))![0];

/**
 * One key's edit of the line: typed or pasted text goes in at the cursor; backspace, left and
 * right, and readline's ctrl+a, ctrl+e, ctrl+u and ctrl+w. Undefined for keys that do not edit.
 */
export function editLine({text, cursor}: LineState, press: KeyPress): LineState | undefined {
	if (press.backspace || press.delete) {
		if (cursor === 0) return {text, cursor};
		return {text: text.slice(0, cursor - 1) + text.slice(cursor), cursor: cursor - 1};
	}
	if (press.leftArrow) return {text, cursor: Math.max(0, cursor - 1)};
	if (press.rightArrow) return {text, cursor: Math.min(text.length, cursor + 1)};
	if (press.ctrl) {
		switch (press.input) {
			case 'a':
				return {text, cursor: 0};
			case 'e':
				return {text, cursor: text.length};
			case 'u':
				return {text: text.slice(cursor), cursor: 0};
			case 'w': {
				// readline's unix-word-rubout: the word before the cursor and the spaces after it.
				const start = text.slice(0, cursor).replace(/\S*\s*$/, '').length;
				return {text: text.slice(0, start) + text.slice(cursor), cursor: start};
			}
			default:
				return undefined;
		}
	}
	if (press.escape || press.return || press.tab || press.upArrow || press.downArrow) return undefined;
	// A paste arrives as one input; its line breaks would run nothing, so they become spaces.
	// Escape sequences (arrows) in a chunk with text are dropped whole, not left as "[A".
	const input = press.input
		.replace(/\u001b\[[0-9;]*[A-Za-z~]/g, '')
		.replace(/[\r\n]+/g, ' ')
		.replace(/[\u0000-\u001f\u007f]/g, '');
	if (input === '') return undefined;
	return {text: text.slice(0, cursor) + input + text.slice(cursor), cursor: cursor + input.length};
}

export interface Completion {
	line: LineState;
	/** What the word could become, when more than one: shown under the line. */
	candidates: string[];
}

function commonPrefix(words: readonly string[]): string {
	let prefix = words[0] ?? '';
	for (const word of words) while (!word.startsWith(prefix)) prefix = prefix.slice(0, -1);
	return prefix;
}

/**
 * Tab: in the first word, a command name; after it, the global name being typed (not a
 * property after a dot: only the globals are known). One candidate is filled in, several fill
 * in what they share and are listed.
 */
export function completeLine(line: LineState, globals: readonly string[]): Completion {
	const {text, cursor} = line;
	const before = text.slice(0, cursor);
	const inName = /^\s*:?\s*\S*$/.test(before);
	const word = inName ? /[^\s:]*$/.exec(before)![0] : wordBefore(text, cursor);
	const start = cursor - word.length;
	if (!inName && (start > 0 && text[start - 1] === '.')) return {line, candidates: []};
	const pool = inName ? commandNames() : globals;
	const candidates = [...new Set(pool.filter(name => name.startsWith(word)))].sort();
	if (candidates.length === 0) return {line, candidates: []};
	const fill = candidates.length === 1 ? candidates[0]! + (inName ? ' ' : '') : commonPrefix(candidates);
	const next = text.slice(0, start) + fill + text.slice(cursor);
	return {line: {text: next, cursor: start + fill.length}, candidates: candidates.length === 1 ? [] : candidates};
}
