/**
 * The listener census: every live EventEmitter and EventTarget in the target, with listener
 * counts per event name, grouped by the emitter's constructor name.
 *
 * `Runtime.queryObjects` finds the emitters (it forces a full GC and walks the heap, so it is
 * slow on big heaps: run it on demand or at a low cadence, see `budgetedDelayMs`), then one
 * reviewed function runs in the target over the array it returned and sends back only the
 * aggregated rows, by value. Everything the census creates in the target lives in one object
 * group that is released in every case, so it holds nothing alive afterwards and leaves no
 * global behind.
 */
import {LeaktopError, TimeoutError} from '../errors.js';
import type {FunctionSite, ListenerCensus, ListenerRow, StreamRow} from '../model/types.js';
import type {InspectorSession} from './session.js';
import {ownExpression, ownFunction} from './expressions.js';

export type {ListenerCensus, ListenerRow};

/** A census as taken, with how complete it is. */
export interface TakenListenerCensus extends ListenerCensus {
	/** Emitters left out because they could not be read without running their code (an accessor `_events`, a Proxy) or because reading them threw. */
	skipped: number;
	/** The emitter or row cap was reached: the census is partial (the biggest rows are kept). */
	truncated: boolean;
}

export interface CensusOptions {
	/** Deadline for the whole census. queryObjects takes ~0.1 s on a small heap and seconds on a large one. */
	timeoutMs?: number;
	/** At most this many emitters are read (EventEmitters first, then EventTargets). */
	maxEmitters?: number;
	/** At most this many rows come back: the ones with the most listeners. */
	maxRows?: number;
	/** A script's URL by V8 script id (from the allocation profile), to place listeners and streams. */
	scriptUrl?: (scriptId: string) => Promise<string | undefined> | string | undefined;
}

const defaultTimeoutMs = 60_000;
const defaultMaxEmitters = 200_000;
const defaultMaxRows = 500;
/** Releasing the group waits behind a queryObjects still running in the target, if one timed out; the message stays queued there either way. */
const releaseTimeoutMs = 5_000;
/** How many emitters are read under throwOnSideEffect before the rest are read without it (see censusInTarget). */
const probeEmitters = 256;
/** Per session: never reused by other leaktop calls, released after every census. */
export const censusObjectGroup = 'leaktop-census';
const objectGroup = censusObjectGroup;

/** `require` comes from the inspector's command-line API, which ESM targets have too. */
const loadEvents = `(typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule('events') : require('events'))`;
const loadUtil = `(typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule('util') : require('util'))`;

/** The kinds of emitter, each found through its prototype. */
const kinds = [
	{kind: 'emitter', prototypeExpression: `${loadEvents}.EventEmitter.prototype`},
	{kind: 'target', prototypeExpression: `globalThis.EventTarget === undefined ? undefined : globalThis.EventTarget.prototype`},
] as const;

type Kind = (typeof kinds)[number]['kind'];

interface InTargetResult {
	emitters: number;
	skipped: number;
	/** Stopped at maxEmitters before the end of the array. */
	emittersCapped: boolean;
	/** More rows than maxRows: only the biggest came back. */
	rowsCapped: boolean;
	rows: InTargetRow[];
	/** Streams buffering more than their high-water mark, most first: where a stream leak's Buffers wait. */
	streams: InTargetStream[];
}

/** A row, with the index (in the queried array) of the emitter holding the most of its listeners. */
interface InTargetRow extends ListenerRow {
	at?: number;
}

interface InTargetStream {
	at: number;
	name: string;
	/** Bytes (or objects, in object mode) queued in its readable or writable buffer. */
	buffered: number;
	highWaterMark: number;
}

/** Streams reported per census, the most buffered first. */
const maxStreams = 3;

/**
 * Runs inside the target with `this` = the array `Runtime.queryObjects` returned. It is sent as
 * source text, so it must not refer to anything outside itself.
 *
 * It reads state only through property descriptors and never calls a getter, a Proxy trap or a
 * method of the emitters (user code may override `listenerCount`, `getMaxListeners`... or make
 * them throw). It skips the prototypes queryObjects also returns (Stream.prototype, ...), guards
 * each object with try/catch, and writes only to objects it created itself.
 *
 * V8 accepts it under `throwOnSideEffect`: then, if anything it calls turned out to have side
 * effects (say, a builtin the application replaced), V8 aborts the whole call with an EvalError
 * instead of running that code. But that mode checks every call: measured on Node 20 with 100k
 * emitters, ~3.5 us per call, 7-9 s for the whole walk instead of 0.1 s, all of it blocking the
 * target's event loop. So the first `probeEmitters` emitters (all of them on most heaps) are
 * read under `throwOnSideEffect`; only if that passes does the rest run without it. A replaced
 * builtin is replaced for every object, so the probe meets it; what differs per object (getters,
 * Proxies, throwing methods) this function never touches, in either mode.
 */
function censusInTarget(this: ArrayLike<unknown>, kind: Kind, isProxy: (value: unknown) => boolean, defaultMax: number, maxEmitters: number, maxRows: number, maxStreams: number): InTargetResult {
	'use strict';
	const describe = Object.getOwnPropertyDescriptor;
	const protoOf = Object.getPrototypeOf;
	// Objects whose internals can be read without running their code: not a Proxy.
	const readable = (value: unknown): value is object => value !== null && (typeof value === 'object' || typeof value === 'function') && !isProxy(value);
	// The value of an own data property; undefined for a missing or accessor property.
	const dataOf = (object: object, key: PropertyKey): unknown => {
		const descriptor = describe(object, key);
		return descriptor !== undefined && 'value' in descriptor ? descriptor.value : undefined;
	};
	const short = (text: string) => (text.length > 200 ? text.slice(0, 200) : text);
	const className = (object: object): string => {
		// The nearest prototype with an own `constructor` data property names the class, as DevTools does.
		let prototype: unknown = protoOf(object);
		for (let depth = 0; readable(prototype) && depth < 100; depth++, prototype = protoOf(prototype)) {
			const constructor = dataOf(prototype, 'constructor');
			if (typeof constructor !== 'function' || !readable(constructor)) continue;
			const name = dataOf(constructor, 'name');
			return typeof name === 'string' && name !== '' ? short(name) : '(anonymous)';
		}
		return 'Object';
	};
	const rows: Record<string, InTargetRow> = {__proto__: null} as unknown as Record<string, InTargetRow>;
	// Rows in creation order. Not collected with `for...in` afterwards: V8 13 (Node 24) treats
	// for-in as a possible side effect and aborts the whole call under throwOnSideEffect.
	const out: InTargetRow[] = [];
	const streams: InTargetStream[] = [];
	// The `maxStreams` most buffered, kept sorted by hand: builtins like splice may count as side effects.
	const addStream = (at: number, name: string, state: unknown) => {
		if (!readable(state)) return;
		const buffered = dataOf(state, 'length');
		const highWaterMark = dataOf(state, 'highWaterMark');
		// Over its high-water mark: writes that ignore `false` (or pushes nobody reads) pile up.
		if (typeof buffered !== 'number' || buffered <= 0 || (typeof highWaterMark === 'number' && buffered <= highWaterMark)) return;
		let k = streams.length < maxStreams ? streams.length : maxStreams - 1;
		if (streams.length === maxStreams && streams[k]!.buffered >= buffered) return;
		for (; k > 0 && streams[k - 1]!.buffered < buffered; k--) streams[k] = streams[k - 1]!;
		streams[k] = {at, name, buffered, highWaterMark: typeof highWaterMark === 'number' ? highWaterMark : 0};
	};
	let emitters = 0;
	let skipped = 0;
	let emittersCapped = false;
	const add = (emitter: string, event: string, count: number, limit: unknown, at?: number) => {
		const key = `${emitter}\u0000${event}`;
		let row = rows[key];
		if (row === undefined) {
			rows[key] = row = {emitter, event, count: 0, emitters: 0, maxPerEmitter: 0, overLimit: 0, limitDisabled: 0};
			out[out.length] = row;
		}
		row.count += count;
		row.emitters++;
		if (count > row.maxPerEmitter) {
			row.maxPerEmitter = count;
			if (at !== undefined) row.at = at;
		}
		if (limit === 0 || limit === Infinity) row.limitDisabled++;
		else if (typeof limit === 'number' && limit > 0 && count > limit) row.overLimit++;
	};
	const length = this.length;
	for (let i = 0; i < length; i++) {
		if (emitters >= maxEmitters) {
			emittersCapped = true;
			break;
		}
		const object = this[i];
		try {
			if (!readable(object)) {
				skipped++;
				continue;
			}
			// queryObjects also returns every prototype that inherits from the one asked for.
			const constructor = dataOf(object, 'constructor');
			if (typeof constructor === 'function' && readable(constructor) && dataOf(constructor, 'prototype') === object) continue;
			if (kind === 'emitter') {
				const descriptor = describe(object, '_events');
				if (descriptor === undefined) continue; // not initialised by the EventEmitter constructor
				const events: unknown = 'value' in descriptor ? descriptor.value : undefined;
				if (!readable(events)) {
					skipped++;
					continue;
				}
				const own = describe(object, '_maxListeners');
				const limit = own === undefined || ('value' in own && own.value === undefined) ? defaultMax : dataOf(object, '_maxListeners');
				const name = className(object);
				emitters++;
				const keys = Reflect.ownKeys(events);
				for (let k = 0; k < keys.length; k++) {
					const listeners = dataOf(events, keys[k]!);
					const count = typeof listeners === 'function' ? 1 : readable(listeners) && Array.isArray(listeners) ? dataOf(listeners, 'length') : 0;
					if (typeof count === 'number' && count > 0) add(name, short(String(keys[k])), count, limit, i);
				}
				addStream(i, name, dataOf(object, '_readableState'));
				addStream(i, name, dataOf(object, '_writableState'));
			} else {
				// Node's EventTarget keeps its listeners in an own Map under a symbol described as
				// `kEvents`, each value a list head with a `size`, and its limit under another symbol.
				let map: unknown;
				let limit: unknown = defaultMax;
				const symbols = Object.getOwnPropertySymbols(object);
				for (let k = 0; k < symbols.length; k++) {
					const tag = String(symbols[k]);
					if (tag === 'Symbol(kEvents)') map = dataOf(object, symbols[k]!);
					else if (tag === 'Symbol(events.maxEventTargetListeners)') limit = dataOf(object, symbols[k]!);
				}
				if (map === undefined) continue;
				if (!readable(map)) {
					skipped++;
					continue;
				}
				const name = className(object);
				const types: string[] = [];
				const counts: number[] = [];
				// Throws (and the object counts as skipped) if it is not a real Map.
				Reflect.apply(Map.prototype.forEach, map, [
					(head: unknown, type: unknown) => {
						const count = readable(head) ? dataOf(head, 'size') : 0;
						if (typeof count !== 'number' || count <= 0) return;
						types[types.length] = short(String(type));
						counts[counts.length] = count;
					},
				]);
				emitters++;
				for (let k = 0; k < types.length; k++) add(name, types[k]!, counts[k]!, limit);
			}
		} catch {
			skipped++;
		}
	}
	const rowsCapped = out.length > maxRows;
	if (rowsCapped) {
		out.sort((a, b) => b.count - a.count);
		out.length = maxRows;
	}
	return {emitters, skipped, emittersCapped, rowsCapped, rows: out, streams};
}

const censusFunction = censusInTarget.toString();

const inFlight = new WeakMap<InspectorSession, Promise<TakenListenerCensus>>();

/**
 * Takes one census. A call while another census runs on the same session gets that census
 * (one heap walk, one object group), whatever its options.
 */
export function takeListenerCensus(session: InspectorSession, options: CensusOptions = {}): Promise<TakenListenerCensus> {
	const running = inFlight.get(session);
	if (running) return running;
	const census = run(session, options).finally(() => inFlight.delete(session));
	inFlight.set(session, census);
	return census;
}

async function run(session: InspectorSession, {timeoutMs = defaultTimeoutMs, maxEmitters = defaultMaxEmitters, maxRows = defaultMaxRows, scriptUrl = () => undefined}: CensusOptions): Promise<TakenListenerCensus> {
	const started = Date.now();
	const left = () => {
		const ms = started + timeoutMs - Date.now();
		if (ms <= 0) throw new TimeoutError(timeoutMessage(timeoutMs));
		return ms;
	};
	try {
		const isProxy = await remote(session, `${loadUtil}.types.isProxy`, left());
		const defaultMax = await remote(session, `${loadEvents}.defaultMaxListeners`, left());
		let emitterCount = 0;
		let skipped = 0;
		let truncated = false;
		const rows: ListenerRow[] = [];
		let emitterWalk: {arrayId: string; result: InTargetResult} | undefined;
		for (const {kind, prototypeExpression} of kinds) {
			const prototype = await remote(session, prototypeExpression, left());
			if (prototype.objectId === undefined) continue; // no EventTarget in this runtime
			const {objects} = await session.send('Runtime.queryObjects', {prototypeObjectId: prototype.objectId, objectGroup}, left());
			const call = (emitters: number, throwOnSideEffect: boolean) =>
				callCensus(session, objects.objectId!, {kind, isProxyId: isProxy.objectId!, defaultMax: typeof defaultMax.value === 'number' ? defaultMax.value : 10, maxEmitters: emitters, maxRows}, throwOnSideEffect, left());
			// The probe: the first emitters under throwOnSideEffect (see censusInTarget). On a small
			// heap that is the whole census.
			const budget = maxEmitters - emitterCount;
			if (budget <= 0) {
				truncated = true;
				break;
			}
			let result = await call(Math.min(budget, probeEmitters), true);
			if (result.emittersCapped && budget > probeEmitters) result = await call(budget, false);
			if (kind === 'emitter') emitterWalk = {arrayId: objects.objectId!, result};
			emitterCount += result.emitters;
			skipped += result.skipped;
			truncated ||= result.emittersCapped || result.rowsCapped;
			rows.push(...result.rows.map(({at: _at, ...row}) => row));
		}
		const merged = mergeRows(rows);
		if (merged.length > maxRows) truncated = true;
		const located = emitterWalk ? await locate(session, emitterWalk, isProxy.objectId!, scriptUrl, left) : {listenerSites: [], streams: []};
		const promises = await countPromises(session, left());
		const t = Date.now();
		return {t, durationMs: t - started, emitterCount, skipped, truncated, rows: merged.slice(0, maxRows), promises, ...located};
	} catch (error) {
		if (error instanceof TimeoutError) throw new TimeoutError(timeoutMessage(timeoutMs));
		throw error;
	} finally {
		// Also after a timeout: the target runs messages in order, so this release is processed
		// after a queryObjects still running there and frees its result too.
		await session.send('Runtime.releaseObjectGroup', {objectGroup}, releaseTimeoutMs).catch(() => undefined);
	}
}

/** Listener rows placed per census: the biggest, where a leak's listeners are. */
const locatedRows = 5;
/** Listeners on one emitter before its row is placed: Node's own warning starts at 10. */
const minPlacedListeners = 10;

/**
 * Runs in the target with `this` = the emitters array: the newest listener of one emitter's
 * event, or a stream's own `_read`/`_write`/`_transform`, by reference. Reads data properties
 * only, as censusInTarget does.
 */
function pickFunction(this: ArrayLike<unknown>, at: number, event: string, which: 'listener' | 'stream', isProxy: (value: unknown) => boolean): unknown {
	'use strict';
	const dataOf = (object: unknown, key: PropertyKey): unknown => {
		if (object === null || (typeof object !== 'object' && typeof object !== 'function') || isProxy(object)) return undefined;
		const descriptor = Object.getOwnPropertyDescriptor(object, key);
		return descriptor !== undefined && 'value' in descriptor ? descriptor.value : undefined;
	};
	const object = this[at];
	if (which === 'stream') {
		const keys = ['_read', '_write', '_transform'];
		for (let k = 0; k < keys.length; k++) {
			const found = dataOf(object, keys[k]!);
			if (typeof found === 'function') return found;
		}
		return undefined;
	}
	const events = dataOf(object, '_events');
	if (events === undefined) return undefined;
	const keys = Reflect.ownKeys(events as object);
	for (let k = 0; k < keys.length; k++) {
		if (String(keys[k]) !== event) continue;
		const listeners = dataOf(events, keys[k]!);
		if (typeof listeners === 'function') return listeners;
		const length = dataOf(listeners, 'length');
		return typeof length === 'number' && length > 0 ? dataOf(listeners, length - 1) : undefined;
	}
	return undefined;
}

const pickFunctionSource = pickFunction.toString();

/** Where a function in the target is defined: V8's `[[FunctionLocation]]`, which needs no Debugger domain. */
async function functionSite(session: InspectorSession, arrayId: string, call: {at: number; event: string; which: 'listener' | 'stream'}, isProxyId: string, scriptUrl: NonNullable<CensusOptions['scriptUrl']>, timeoutMs: number): Promise<FunctionSite | null> {
	const picked = await session.send(
		'Runtime.callFunctionOn',
		{objectId: arrayId, functionDeclaration: ownFunction(pickFunctionSource), arguments: [{value: call.at}, {value: call.event}, {value: call.which}, {objectId: isProxyId}], silent: true, throwOnSideEffect: true, objectGroup},
		timeoutMs,
	);
	if (picked.exceptionDetails || picked.result.type !== 'function' || picked.result.objectId === undefined) return null;
	const {result, internalProperties = []} = await session.send('Runtime.getProperties', {objectId: picked.result.objectId, ownProperties: true}, timeoutMs);
	const location = internalProperties.find(p => p.name === '[[FunctionLocation]]')?.value?.value as {scriptId: string; lineNumber: number; columnNumber: number} | undefined;
	if (!location) return null;
	const name = result.find(p => p.name === 'name')?.value?.value;
	return {url: (await scriptUrl(location.scriptId)) ?? '', line: location.lineNumber + 1, column: location.columnNumber + 1, functionName: typeof name === 'string' ? name : ''};
}

/**
 * Places the biggest listener rows (their newest listener) and the most buffered streams (their
 * `_read`/`_write`) in the code. A function that cannot be placed is left out: the census stands.
 */
async function locate(session: InspectorSession, {arrayId, result}: {arrayId: string; result: InTargetResult}, isProxyId: string, scriptUrl: NonNullable<CensusOptions['scriptUrl']>, left: () => number): Promise<{listenerSites: NonNullable<ListenerCensus['listenerSites']>; streams: StreamRow[]}> {
	const site = (call: {at: number; event: string; which: 'listener' | 'stream'}) => functionSite(session, arrayId, call, isProxyId, scriptUrl, left()).catch(() => null);
	const listenerSites: NonNullable<ListenerCensus['listenerSites']> = [];
	// Rows of a few listeners are every healthy process's; placing them would only cost round trips.
	const biggest = [...result.rows].filter(row => row.at !== undefined && row.maxPerEmitter >= minPlacedListeners).sort((a, b) => b.count - a.count).slice(0, locatedRows);
	for (const row of biggest) {
		const found = await site({at: row.at!, event: row.event, which: 'listener'});
		if (found) listenerSites.push({emitter: row.emitter, event: row.event, site: found});
	}
	const streams: StreamRow[] = [];
	for (const stream of result.streams) streams.push({name: stream.name, buffered: stream.buffered, highWaterMark: stream.highWaterMark, site: await site({at: stream.at, event: '', which: 'stream'})});
	return {listenerSites, streams};
}

/**
 * Live Promises, by the same heap walk as the emitters: `queryObjects` returns them in an array
 * and only its length comes back. Pending promises nobody settles are the `promises` leak.
 */
async function countPromises(session: InspectorSession, timeoutMs: number): Promise<number | null> {
	const prototype = await remote(session, 'Promise.prototype', timeoutMs);
	if (prototype.objectId === undefined) return null;
	const {objects} = await session.send('Runtime.queryObjects', {prototypeObjectId: prototype.objectId, objectGroup}, timeoutMs);
	const answer = await session.send(
		'Runtime.callFunctionOn',
		{objectId: objects.objectId!, functionDeclaration: ownFunction('function () { return this.length; }'), returnByValue: true, silent: true, throwOnSideEffect: true, objectGroup},
		timeoutMs,
	);
	return typeof answer.result.value === 'number' ? answer.result.value : null;
}

function timeoutMessage(timeoutMs: number): string {
	return `the listener census did not finish within ${timeoutMs / 1000}s (it walks the whole heap; a large heap takes longer)`;
}

interface CensusCall {
	kind: Kind;
	/** The target's `util.types.isProxy`. */
	isProxyId: string;
	defaultMax: number;
	maxEmitters: number;
	maxRows: number;
}

async function callCensus(session: InspectorSession, arrayId: string, {kind, isProxyId, defaultMax, maxEmitters, maxRows}: CensusCall, throwOnSideEffect: boolean, timeoutMs: number): Promise<InTargetResult> {
	const answer = await session.send(
		'Runtime.callFunctionOn',
		{
			objectId: arrayId,
			functionDeclaration: ownFunction(censusFunction),
			arguments: [{value: kind}, {objectId: isProxyId}, {value: defaultMax}, {value: maxEmitters}, {value: maxRows}, {value: maxStreams}],
			returnByValue: true,
			silent: true,
			throwOnSideEffect,
			objectGroup,
		},
		timeoutMs,
	);
	if (answer.exceptionDetails) {
		const description = (answer.exceptionDetails.exception?.description ?? answer.exceptionDetails.text).split('\n')[0]!;
		if (/side-effect/i.test(description)) {
			throw new LeaktopError(`the listener census stopped: reading the emitters would run code with side effects in the target (a replaced builtin?): ${description}`);
		}
		throw new LeaktopError(`the listener census failed in the target: ${description}`);
	}
	return parseInTargetResult(answer.result.value);
}

/** Evaluates one of the fixed expressions above into the census's object group. */
async function remote(session: InspectorSession, expression: string, timeoutMs: number) {
	const {result, exceptionDetails} = await session.send('Runtime.evaluate', {expression: ownExpression(expression), includeCommandLineAPI: true, silent: true, objectGroup}, timeoutMs);
	if (exceptionDetails) {
		const description = (exceptionDetails.exception?.description ?? exceptionDetails.text).split('\n')[0];
		throw new LeaktopError(`the listener census failed in the target: ${description}`);
	}
	return result;
}

function parseInTargetResult(value: unknown): InTargetResult {
	const v = value as Partial<InTargetResult> | null;
	const counts = (row: ListenerRow) =>
		[row.count, row.emitters, row.maxPerEmitter, row.overLimit, row.limitDisabled].every(n => typeof n === 'number' && Number.isFinite(n) && n >= 0);
	if (
		typeof v !== 'object' ||
		v === null ||
		typeof v.emitters !== 'number' ||
		typeof v.skipped !== 'number' ||
		typeof v.emittersCapped !== 'boolean' ||
		typeof v.rowsCapped !== 'boolean' ||
		!Array.isArray(v.rows) ||
		!v.rows.every(row => typeof row === 'object' && row !== null && typeof row.emitter === 'string' && typeof row.event === 'string' && counts(row)) ||
		!Array.isArray(v.streams) ||
		!v.streams.every(stream => typeof stream === 'object' && stream !== null && typeof stream.name === 'string' && [stream.at, stream.buffered, stream.highWaterMark].every(n => typeof n === 'number' && Number.isFinite(n)))
	) {
		throw new LeaktopError(`the listener census returned an unexpected value: ${JSON.stringify(value)?.slice(0, 200)}`);
	}
	return v as InTargetResult;
}

/** Rows of the same constructor name and event from both kinds become one; most listeners first. */
function mergeRows(rows: readonly ListenerRow[]): ListenerRow[] {
	const byKey = new Map<string, ListenerRow>();
	for (const row of rows) {
		const key = `${row.emitter}\u0000${row.event}`;
		const seen = byKey.get(key);
		if (seen === undefined) {
			byKey.set(key, {...row});
			continue;
		}
		seen.count += row.count;
		seen.emitters += row.emitters;
		seen.maxPerEmitter = Math.max(seen.maxPerEmitter, row.maxPerEmitter);
		seen.overLimit += row.overLimit;
		seen.limitDisabled += row.limitDisabled;
	}
	return [...byKey.values()].sort((a, b) => b.count - a.count || a.emitter.localeCompare(b.emitter) || a.event.localeCompare(b.event));
}
