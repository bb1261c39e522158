/**
 * Findings: the leak named as a sentence a person acts on at 3 AM. A pure classifier from the
 * evidence leaktop already has (the verdict's growing series, listener censuses, allocation
 * sites and, after a snapshot diff, what holds the new objects) to a pattern, the evidence that
 * says so, the code, and the fix. Which pattern wins is decided by what only that pattern shows:
 * listener counts, Timeout handles, live Promises, external memory with a flat heap; a growing
 * heap alone cannot tell a cache from a closure until a snapshot pair shows the holder.
 */
import {type AllocationRow, allocationRows} from './allocation-table.js';
import {fileName, frameKind, type Frame, shortFrame, type StackFrame} from './allocations.js';
import {formatBytes} from './format.js';
import {formatRate} from './rate.js';
import {listenerGrowth, type ListenerGrowthRow} from './listeners.js';
import type {State} from './state.js';
import type {FunctionSite, ListenerCensus} from './types.js';
import {censusesSinceBaseline, type LeakVerdict, type Signal} from './verdict.js';

export const patterns = ['listeners', 'timers', 'cache', 'closure', 'stream', 'promises', 'unknown'] as const;
export type Pattern = (typeof patterns)[number];

export interface Site {
	url: string;
	/** 1-based. */
	line: number;
	functionName: string;
}

export interface Advice {
	text: string;
	/** The Node docs section it rests on, by name, and where it is. */
	docs: string;
	url: string;
}

export interface Finding {
	pattern: Pattern;
	/** 0-1: how sure, from the strength of the evidence and how specific it is to the pattern. */
	confidence: number;
	/** The finding in one sentence: what grows, where, and what to do. */
	sentence: string;
	/** One line per fact it rests on. */
	evidence: string[];
	/** The code: where the growing objects are allocated, or the closure is created. */
	site: Site | null;
	/** The site's call stack, the site first, when known. */
	stack: Frame[];
	/** From a new object up to a GC root, when a snapshot diff showed it. */
	retainers: string[];
	advice: Advice;
	/** The series that shows it growing, for its chart: `heap`/`heapUsed`, `listeners`/`EventEmitter.update`... */
	series: {kind: Signal['kind']; name: string} | null;
}

/** What a snapshot diff says about the class that grew most: what holds its new objects. */
export interface SnapshotEvidence {
	className: string;
	newCount: number;
	/** What the new objects retain together (nested ones counted with their holder). */
	retainedSize: number;
	/**
	 * The nearest holder above the new objects: an emitter's listener list, a Timeout, a
	 * collection (Map, Set, Array, object as a dictionary), a closure's context, or none of these.
	 */
	holder: 'listeners' | 'timers' | 'collection' | 'closure' | 'other';
	/** `Map`, `Array`, `(closure) report`... as the snapshot names it. */
	holderName: string;
	/** Retainer path lines, the object first. */
	retainers: string[];
	/** For a closure: the function that holds the context. */
	site: Site | null;
}

export interface FindingEvidence {
	verdict: LeakVerdict;
	/** Sites by growth, internals folded into their user callers. */
	userSites: readonly AllocationRow[];
	/** Sites by growth with internals as their own sites (`_addListener`, `setTimeout`). */
	allSites: readonly AllocationRow[];
	/** The latest census's rows with their growth since the first one since the baseline. */
	listeners: readonly ListenerGrowthRow[];
	/** The latest census's places in the code: the newest listener of its biggest rows, its most buffered streams. */
	placed?: Pick<ListenerCensus, 'listenerSites' | 'streams'> | null;
	snapshot: SnapshotEvidence | null;
}

export const advice: Record<Pattern, Advice> = {
	listeners: {
		text: "remove listeners when their owner goes away (emitter.off in its 'close' handler), or add them with an AbortSignal and abort it",
		docs: 'Events: emitter.removeListener(eventName, listener)',
		url: 'https://nodejs.org/api/events.html#emitterremovelistenereventname-listener',
	},
	timers: {
		text: 'clear timers when their owner ends: keep the handle and call clearInterval/clearTimeout on close (unref() does not free them)',
		docs: 'Timers: clearInterval(timeout)',
		url: 'https://nodejs.org/api/timers.html#clearintervaltimeout',
	},
	cache: {
		text: 'bound the collection: an LRU or a TTL, or a WeakMap when the keys are objects, so entries go when their keys do',
		docs: 'Diagnostics: Memory, Using Heap Snapshot',
		url: 'https://nodejs.org/en/learn/diagnostics/memory/using-heap-snapshot',
	},
	closure: {
		text: 'capture only the fields the closure needs: copy them into locals first, since closures made in one scope share one context',
		docs: 'Diagnostics: Memory, Understanding and Tuning Memory',
		url: 'https://nodejs.org/en/learn/diagnostics/memory/understanding-and-tuning-memory',
	},
	stream: {
		text: "respect backpressure: stop writing when write() returns false and resume on 'drain', or connect the streams with stream.pipeline()",
		docs: 'Stream: Buffering',
		url: 'https://nodejs.org/api/stream.html#buffering',
	},
	promises: {
		text: 'settle or time out pending promises: reject on every error path, and race waits with AbortSignal.timeout()',
		docs: 'Globals: AbortSignal.timeout(delay)',
		url: 'https://nodejs.org/api/globals.html#static-method-abortsignaltimeoutdelay',
	},
	unknown: {
		text: 'take two heap snapshots a minute apart (s, s, then d) to see which objects grow and what holds them',
		docs: 'Diagnostics: Memory, Using Heap Snapshot',
		url: 'https://nodejs.org/en/learn/diagnostics/memory/using-heap-snapshot',
	},
};

const growing = (verdict: LeakVerdict, kind: Signal['kind'], series?: (name: string) => boolean) =>
	verdict.signals.filter(s => s.kind === kind && s.verdict === 'growing' && (series === undefined || series(s.series)));

const perSecond = (signal: Signal) => signal.slopePerHour / 3600;

/** `50/s` above one a second, `120/min` above one a minute, else `/h`. */
function countRate(signal: Signal): string {
	const second = perSecond(signal);
	if (second >= 1) return `${Math.round(second)}/s`;
	if (second * 60 >= 1) return `${Math.round(second * 60)}/min`;
	return `${Math.round(signal.slopePerHour)}/h`;
}

export const siteText: (site: Site) => string = shortFrame;

function toSite(frame: Site): Site {
	return {url: frame.url, line: frame.line, functionName: frame.functionName};
}

/**
 * The user frame that called into Node's code for this pattern: the site of a growing internal
 * allocation (`_addListener` in node:events) whose stack passes through `internal`, first user
 * frame above it. Falls back to the top growing user site.
 */
function siteThrough(evidence: FindingEvidence, internal: (frame: Frame) => boolean): {site: Site; stack: StackFrame[]} | null {
	for (const row of evidence.allSites) {
		if (row.growthBytes <= 0) break;
		const at = row.stack.findIndex(internal);
		if (at < 0) continue;
		const user = row.stack.slice(at).findIndex(frame => frameKind(frame) === 'user');
		if (user >= 0) return {site: toSite(row.stack[at + user]!), stack: row.stack.slice(at + user)};
	}
	return topUserSite(evidence);
}

function functionLocated(site: FunctionSite): {site: Site; stack: StackFrame[]} {
	return {site: toSite(site), stack: []};
}

function topUserSite(evidence: FindingEvidence): {site: Site; stack: StackFrame[]} | null {
	const row = evidence.userSites.find(r => r.growthBytes > 0 && !r.internal);
	return row ? {site: toSite(row.site), stack: row.stack} : null;
}

function siteEvidence(evidence: FindingEvidence, site: {site: Site} | null): string[] {
	if (!site) return [];
	const row = evidence.userSites.find(r => r.site.url === site.site.url && r.site.line === site.site.line && r.site.functionName === site.site.functionName);
	return [`allocation site ${siteText(site.site)}${row ? `: ${formatBytes(row.growthBytes)} more live since the baseline` : ''}`];
}

/**
 * `, added in subscribe bus.js:12`, and the first caller in another file when there is one: a
 * site in a shared helper (a db client, a record builder) says little without the code that
 * called it.
 */
function where(located: {site: Site; stack: readonly Frame[]} | null, verb: string): string {
	if (!located) return '';
	const file = fileName(located.site.url);
	const caller = located.stack.slice(1).find(frame => frameKind(frame) === 'user' && fileName(frame.url) !== file);
	return `, ${verb} ${siteText(located.site)}${caller ? ` (called from ${siteText(toSite(caller))})` : ''}`;
}

function finding(pattern: Pattern, signal: Signal, sentence: string, evidence: string[], located: {site: Site; stack: StackFrame[]} | null, {confidence = signal.confidence, retainers = []}: {confidence?: number; retainers?: string[]} = {}): Finding {
	return {
		pattern,
		confidence: Math.round(Math.min(1, Math.max(0, confidence)) * 100) / 100,
		sentence: `${sentence}; ${advice[pattern].text}`,
		evidence,
		site: located?.site ?? null,
		stack: located?.stack.map(({bytes: _bytes, ...frame}) => frame) ?? [],
		retainers,
		advice: advice[pattern],
		// A snapshot pair alone has no series to chart.
		series: signal.spanMs === 0 ? null : {kind: signal.kind, name: signal.series},
	};
}

const isEventsFrame = (frame: Frame) => frame.url === 'node:events' || /(^|\/)events\.js$/.test(frame.url);
const isTimersFrame = (frame: Frame) => /^node:(internal\/)?timers$/.test(frame.url) || /^(setTimeout|setInterval|setImmediate|Timeout|Immediate)$/.test(frame.functionName);
const isStreamFrame = (frame: Frame) => /^node:(internal\/streams\/|stream$|buffer$)/.test(frame.url);

function listenersFinding(evidence: FindingEvidence): Finding[] {
	return growing(evidence.verdict, 'listeners').map(signal => {
		const dot = signal.series.lastIndexOf('.');
		const [emitter, event] = dot > 0 ? [signal.series.slice(0, dot), signal.series.slice(dot + 1)] : [signal.series, '?'];
		const row = evidence.listeners.find(r => r.emitter === emitter && r.event === event);
		// The listener function itself, placed by the census, says more than where memory was allocated.
		const defined = evidence.placed?.listenerSites?.find(p => p.emitter === emitter && p.event === event && p.site.url !== '');
		const located = defined ? functionLocated(defined.site) : siteThrough(evidence, isEventsFrame);
		// Many listeners on a few emitters is the leak; one listener on each of many emitters is
		// emitters kept alive by something else (a request's req/res held by the real leak).
		const spread = row !== undefined && row.emitters > 10 && row.maxPerEmitter <= 2;
		const emitters = row ? `, ${row.count} on ${row.emitters} emitter${row.emitters === 1 ? '' : 's'} (at most ${row.maxPerEmitter} on one)` : '';
		const sentence = spread
			? `emitters kept alive: '${event}' listeners grow by ${countRate(signal)}, one each on ${row.emitters} ${emitter} objects that something else holds${where(located, 'allocated in')}`
			: `listener leak: '${event}' listeners on ${emitter} grow by ${countRate(signal)} and are never removed${where(located, defined ? 'the listener is defined in' : 'added in')}`;
		return finding(
			'listeners',
			signal,
			sentence,
			[`${signal.series}: +${signal.growth} since the baseline (${countRate(signal)}, ${Math.round(signal.confidence * 100)} % confidence)${emitters}`, ...(defined ? [`the newest listener: ${siteText(defined.site)}`] : siteEvidence(evidence, located))],
			located,
			{confidence: signal.confidence * (spread ? 0.5 : 1)},
		);
	});
}

function timersFinding(evidence: FindingEvidence): Finding[] {
	return growing(evidence.verdict, 'resources', name => name === 'Timeout' || name === 'Immediate').map(signal => {
		const located = siteThrough(evidence, isTimersFrame);
		return finding(
			'timers',
			signal,
			`timer leak: active ${signal.series} handles grow by ${countRate(signal)} and are never cleared${where(located, 'started in')}`,
			[`${signal.series}: ${signal.current} active, +${signal.growth} since the baseline (${countRate(signal)}, ${Math.round(signal.confidence * 100)} % confidence)`, ...siteEvidence(evidence, located)],
			located,
		);
	});
}

function promisesFinding(evidence: FindingEvidence): Finding[] {
	return growing(evidence.verdict, 'promises').map(signal => {
		const located = topUserSite(evidence);
		return finding(
			'promises',
			signal,
			`promise leak: live Promises grow by ${countRate(signal)}, left pending${where(located, 'created in')}`,
			[`Promise: ${signal.current} live after the census's GC, +${signal.growth} since the baseline (${countRate(signal)}, ${Math.round(signal.confidence * 100)} % confidence)`, ...siteEvidence(evidence, located)],
			located,
		);
	});
}

/** External (Buffers) grows while the heap does not: data queued in a stream nobody drains. */
function streamFinding(evidence: FindingEvidence): Finding[] {
	const [external] = growing(evidence.verdict, 'external');
	if (!external) return [];
	const heap = evidence.verdict.signals.find(s => s.kind === 'heap');
	// Both growing: Buffers held by growing JS objects (a cache of them), not a stream's queue.
	if (heap?.verdict === 'growing') return [];
	// The census finds the stream that holds the data, and the code it was made with.
	const stream = evidence.placed?.streams?.[0];
	const made = stream?.site && stream.site.url !== '' ? stream.site : null;
	const located = made ? functionLocated(made) : siteThrough(evidence, isStreamFrame);
	const holder = stream ? `: a ${stream.name} holds ${formatBytes(stream.buffered)} nobody reads (high-water mark ${formatBytes(stream.highWaterMark)})` : ': data piles up in a stream nobody reads';
	return [
		finding(
			'stream',
			external,
			`stream leak: external memory (Buffers) grows ${formatRate(external.slopePerHour)} while the heap ${heap?.verdict === 'flat' ? 'stays flat' : 'does not grow'}${holder}${where(located, made ? 'created with' : 'written in')}`,
			[
				`external floor ${formatRate(external.slopePerHour)}, ${formatBytes(external.current)} now (${Math.round(external.confidence * 100)} % confidence)`,
				`heap floor: ${heap?.verdict ?? 'unknown'}`,
				...(evidence.placed?.streams ?? []).map(s => `${s.name} buffers ${formatBytes(s.buffered)}${s.site ? ` (${siteText(s.site)})` : ''}`),
				...siteEvidence(evidence, located),
			],
			located,
			{confidence: external.confidence * (heap?.verdict === 'flat' ? 1 : 0.8)},
		),
	];
}

const holderPatterns = {collection: 'cache', closure: 'closure', listeners: 'listeners', timers: 'timers'} as const;

/** The heap grows and nothing more specific explains it: a snapshot pair names the holder. */
function heapFinding(evidence: FindingEvidence): Finding[] {
	const growingBytes = evidence.verdict.signals.filter(s => s.verdict === 'growing' && s.unit === 'bytes');
	const [heap] = growing(evidence.verdict, 'heap');
	const lead = heap ?? growingBytes[0];
	if (!lead) return [];
	const located = topUserSite(evidence);
	// From a snapshot pair alone there is growth but no rate.
	const rate = lead.spanMs === 0 ? '' : `${lead.kind === 'heap' ? 'heap' : lead.series} floor grows ${formatRate(lead.slopePerHour)}`;
	const facts = [...(rate ? [`${rate} (${Math.round(lead.confidence * 100)} % confidence)`] : []), ...siteEvidence(evidence, located)];
	const then = rate ? `; ${rate}` : '';
	const {snapshot} = evidence;
	if (snapshot && lead.kind === 'heap' && snapshot.holder !== 'other') {
		const pattern = holderPatterns[snapshot.holder];
		const closureSite = snapshot.site ? {site: snapshot.site, stack: []} : located;
		const diffFact = `snapshot diff: ${snapshot.newCount} new ${snapshot.className} retaining ${formatBytes(snapshot.retainedSize)}, held by ${snapshot.holderName}`;
		const what = `${snapshot.newCount} new ${snapshot.className} objects (retaining ${formatBytes(snapshot.retainedSize)}`;
		const sentences: Record<typeof pattern, string> = {
			cache: `cache leak: ${what}) pile up in a ${snapshot.holderName} that nothing evicts${then}${where(located, 'filled in')}`,
			closure: `closure leak: ${what}) are kept alive through the context of ${snapshot.holderName}${then}${where(closureSite, 'created in')}`,
			listeners: `listener leak: ${what}) are held by ${snapshot.holderName}${then}${where(located, 'added in')}`,
			timers: `timer leak: ${what}) are held by ${snapshot.holderName} never cleared${then}${where(located, 'started in')}`,
		};
		return [finding(pattern, lead, sentences[pattern], [...facts, diffFact], pattern === 'closure' ? closureSite : located, {confidence: lead.confidence * 0.9, retainers: snapshot.retainers})];
	}
	const settle = snapshot ? `the snapshot diff shows ${snapshot.className} held by ${snapshot.holderName}, neither a collection nor a closure` : 'two snapshots would tell a cache from a closure';
	return [finding('unknown', lead, `${rate || `${snapshot?.className ?? 'the heap'} grows`}${where(located, 'most of it allocated in')}; not enough evidence for the pattern: ${settle}`, facts, located, {confidence: lead.confidence * 0.5, retainers: snapshot?.retainers ?? []})];
}

/** Every finding the evidence supports, most confident first; none when nothing grows. */
export function classify(evidence: FindingEvidence): Finding[] {
	const specific = [...listenersFinding(evidence), ...timersFinding(evidence), ...promisesFinding(evidence), ...streamFinding(evidence)];
	// A specific pattern explains the heap growing with it: the heap's own finding only stands alone.
	const found = specific.length > 0 ? specific : heapFinding(evidence);
	return found.sort((a, b) => b.confidence - a.confidence || patterns.indexOf(a.pattern) - patterns.indexOf(b.pattern));
}

/** The live evidence in a session's state, with a snapshot diff's when there is one. */
export function findingsFor(state: State, verdict: LeakVerdict, snapshot: SnapshotEvidence | null = null): Finding[] {
	const censuses = censusesSinceBaseline(state);
	const latest = censuses.at(-1);
	const listeners = latest ? listenerGrowth(censuses[0] ?? null, latest, 50) : [];
	return classify({verdict, userSites: allocationRows(state.allocations.user, 50), allSites: allocationRows(state.allocations.all, 200), listeners, placed: latest ?? null, snapshot});
}

/**
 * `leaktop diff`: two snapshots and no live series. What holds the new objects names a cache or
 * a closure; without a rate the confidence stays below a live finding's.
 */
export function snapshotFindings(snapshot: SnapshotEvidence | null): Finding[] {
	if (!snapshot) return [];
	const growth: Signal = {kind: 'heap', series: 'heapUsed', verdict: 'growing', slopePerHour: 0, unit: 'bytes', confidence: 0.8, points: 2, spanMs: 0, current: 0, floor: null, growth: snapshot.retainedSize, limit: null, timeToLimitMs: null};
	return heapFinding({verdict: {leak: true, signals: [growth]}, userSites: [], allSites: [], listeners: [], snapshot});
}

/** The values of a finding's series over the session, for its chart: samples for memory and resources, censuses for listeners and Promises. */
export function findingSeries(state: State, finding: Finding): number[] {
	const {series} = finding;
	if (!series) return [];
	const samples = state.samples.items;
	switch (series.kind) {
		case 'heap':
			return samples.map(s => s.heapUsed);
		case 'external':
			return samples.map(s => s.external);
		case 'rss':
			return samples.map(s => s.rss);
		case 'resources':
			return samples.map(s => s.resources[series.name] ?? 0);
		case 'promises':
			return state.censuses.items.flatMap(c => (typeof c.promises === 'number' ? [c.promises] : []));
		case 'listeners':
			return state.censuses.items.map(c => c.rows.find(r => `${r.emitter}.${r.event}` === series.name)?.count ?? 0);
		case 'watch':
			return state.watches.find(w => w.expression === series.name)?.points.items.map(p => p.v) ?? [];
	}
}
