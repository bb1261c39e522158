import assert from 'node:assert/strict';
import {test} from 'node:test';
import {type Event, initialState, reduce, type State} from '../../src/model/state.js';
import {computeVerdict, defaultVerdictOptions, headline} from '../../src/model/verdict.js';
import {buildReport} from '../../src/model/report.js';
import {sample, target} from './samples.js';

const run = (events: Event[], state: State = initialState({historySize: 1000})) => events.reduce(reduce, state);

/** A minute of samples every second with the watches read alongside: `size(i)` for watch 1, a string for watch 2. */
function watched(size: (i: number) => number): State {
	const events: Event[] = [
		{type: 'attached', target, t: 0},
		{type: 'watch-added', t: 0, id: 1, expression: 'sessions.size'},
		{type: 'watch-added', t: 0, id: 2, expression: 'config.mode'},
	];
	for (let i = 0; i <= 60; i++) {
		events.push({type: 'sample', sample: sample(i * 1000, 10_000_000), receivedAt: i * 1000});
		events.push({type: 'watch-values', t: i * 1000, readings: [{id: 1, reading: {value: size(i), text: String(size(i))}}, {id: 2, reading: {value: null, text: '"production"'}}]});
	}
	return run(events);
}

test('watch readings: numbers become a series, text is kept as the last reading, an error replaces it', () => {
	let state = watched(i => 100 + i);
	const [sessions, mode] = state.watches;
	assert.equal(sessions!.points.items.length, 61);
	assert.equal(sessions!.text, '160');
	assert.equal(mode!.points.items.length, 0);
	assert.equal(mode!.text, '"production"');
	state = reduce(state, {type: 'watch-values', t: 61_000, readings: [{id: 1, reading: {error: 'ReferenceError: sessions is not defined'}}]});
	assert.equal(state.watches[0]!.error, 'ReferenceError: sessions is not defined');
	assert.equal(state.watches[0]!.points.items.length, 61, 'the series keeps its readings');
	state = reduce(state, {type: 'watch-removed', t: 62_000, id: 2});
	assert.deepEqual(state.watches.map(w => w.id), [1]);
	assert.match(state.log.items.at(-1)!.text, /^watch 2 removed: config\.mode$/);
});

test('a watch whose value keeps rising is a growing signal, a flat one is not; neither makes the verdict a leak', () => {
	const growing = computeVerdict(watched(i => 100 + 3 * i));
	const signal = growing.signals.find(s => s.kind === 'watch' && s.series === 'sessions.size')!;
	assert.equal(signal.verdict, 'growing');
	assert.equal(signal.growth, 180);
	assert.ok(signal.slopePerHour > 10_000);
	assert.equal(growing.leak, false, 'a watched counter rises in healthy processes too: the panel and the report show it');
	assert.doesNotMatch(headline(growing), /sessions\.size/);
	const flat = computeVerdict(watched(i => 100 + (i % 3)));
	assert.equal(flat.signals.find(s => s.kind === 'watch')!.verdict, 'flat');
	assert.equal(flat.leak, false);
	assert.equal(flat.signals.filter(s => s.kind === 'watch').length, 1, 'a watch that reads text has no signal');
});

test('the report lists each watch with its last reading, range and verdict', () => {
	const state = watched(i => 100 + 3 * i);
	const report = buildReport(state, computeVerdict(state), {leaktopVersion: 'test', startedAt: 0, endedAt: 60_000, intervalMs: 1000, verdictOptions: defaultVerdictOptions});
	assert.deepEqual(report.watches[0], {id: 1, expression: 'sessions.size', last: '280', value: 280, error: null, min: 100, max: 280, growth: 180, slopePerHour: report.watches[0]!.slopePerHour, verdict: 'growing', readings: 61});
	assert.deepEqual({...report.watches[1], slopePerHour: 0}, {id: 2, expression: 'config.mode', last: '"production"', value: null, error: null, min: null, max: null, growth: 0, slopePerHour: 0, verdict: 'warming up', readings: 0});
});

test(':threshold overrides the memory threshold for the verdict and the report', () => {
	const state = run([{type: 'threshold-set', t: 1, bytesPerHour: 5e6}], watched(() => 1));
	const report = buildReport(state, computeVerdict(state), {leaktopVersion: 'test', startedAt: 0, endedAt: 1, intervalMs: 1000, verdictOptions: defaultVerdictOptions});
	assert.equal(report.thresholds.bytesPerHour, 5e6);
	assert.match(state.log.items.at(-1)!.text, /^leak threshold: floor growth of 5\.0 MB\/h or more$/);
});

test('an eval run with side effects and a count are audited; a side-effect-free eval and a declined one are not', () => {
	const state = run([
		{type: 'eval-result', t: 1, expression: 'queue.length', text: '3', sideEffects: false},
		{type: 'question', t: 2, question: {kind: 'eval', expression: 'queue.length = 0', reason: 'EvalError: Possible side-effect in debug-evaluate'}},
		{type: 'question-answered', t: 3, yes: false},
		{type: 'question', t: 4, question: {kind: 'eval', expression: 'cache.clear()', reason: 'EvalError: Possible side-effect in debug-evaluate'}},
		{type: 'question-answered', t: 4, yes: true},
		{type: 'eval-result', t: 5, expression: 'cache.clear()', text: 'undefined', sideEffects: true},
		{type: 'count-started', t: 6, expression: 'Agent', sideEffects: false},
		{type: 'count-result', t: 7, expression: 'Agent', name: 'Agent', count: 12, durationMs: 85},
	]);
	assert.equal(state.auditCounts.eval, 1);
	assert.equal(state.auditCounts.count, 1);
	assert.deepEqual(
		state.audit.items.map(e => [e.action, e.detail]),
		[
			['eval', 'Runtime.evaluate without the side-effect check: cache.clear()'],
			['count', 'Runtime.queryObjects on (Agent).prototype'],
		],
	);
	assert.equal(state.question, null);
	const texts = state.log.items.map(e => e.text);
	assert.ok(texts.includes('= queue.length -> 3'));
	assert.ok(texts.includes('y/N: run with side effects allowed? queue.length = 0 (V8 refused it: EvalError: Possible side-effect in debug-evaluate)'));
	assert.ok(texts.includes('not run: queue.length = 0'));
	assert.ok(texts.includes('ran (side effects allowed) cache.clear() -> undefined'));
	assert.ok(texts.includes('count: 12 live Agent instances (subclasses included) in 85 ms; the walk leaves a busy process slower for minutes'));
});

test('the command line: open, set, close; help pages', () => {
	let state = run([{type: 'prompt-open'}, {type: 'prompt-set', line: {text: 'watch a', cursor: 7}, candidates: ['a', 'ab']}]);
	assert.deepEqual(state.prompt, {text: 'watch a', cursor: 7, candidates: ['a', 'ab']});
	state = reduce(state, {type: 'prompt-close'});
	assert.equal(state.prompt, null);
	state = reduce(state, {type: 'toggle-help', page: 'commands'});
	assert.deepEqual([state.helpOpen, state.helpPage], [true, 'commands']);
	state = reduce(state, {type: 'toggle-help'});
	assert.deepEqual([state.helpOpen, state.helpPage], [false, 'keys'], '? or esc closes whichever page is open');
	state = reduce(state, {type: 'toggle-help'});
	assert.deepEqual([state.helpOpen, state.helpPage], [true, 'keys']);
});
