import assert from 'node:assert/strict';
import {test} from 'node:test';
import {render} from 'ink-testing-library';
import stringWidth from 'string-width';
import {Screen} from '../../src/views/Screen.js';
import {initialState, reduce, type Event, type State} from '../../src/model/state.js';
import {bindingsFor} from '../../src/keymap.js';
import {computeVerdict} from '../../src/model/verdict.js';
import {findingsFor} from '../../src/model/findings.js';
import {sample, target} from '../model/samples.js';

function stateWith(count: number, extra: Event[] = []): State {
	const events: Event[] = [{type: 'attached', target, t: 0}];
	for (let i = 0; i < count; i++) events.push({type: 'sample', sample: sample(i * 1000, 40_000_000 + i * 250_000, {uptime: 3600 + i}), receivedAt: i * 1000});
	return [...events, ...extra].reduce(reduce, initialState({historySize: 3600}));
}

function frame(state: State, columns = 80, rows = 23): string {
	const {lastFrame, unmount} = render(<Screen state={state} verdict={computeVerdict(state)} columns={columns} rows={rows} />);
	const text = lastFrame() ?? '';
	unmount();
	return text;
}

test('fits 80x24 and shows target, every series, the chart and the keys', () => {
	const text = frame(stateWith(120));
	const lines = text.split('\n');
	assert.ok(lines.length <= 23, `${lines.length} lines`);
	for (const line of lines) assert.ok(stringWidth(line) <= 80, `line too wide: ${JSON.stringify(line)}`);
	assert.match(text, /pid 4242/);
	assert.match(text, /node v20\.20\.2/);
	assert.match(text, /up 1h 01m/);
	assert.match(text, /127\.0\.0\.1:9229/);
	assert.match(text, /heap limit 4\.3 GB/);
	assert.match(text, /memory limit 536\.9 MB/);
	for (const series of ['heapUsed', 'heapTotal', 'rss', 'external', 'arrayBuffers']) assert.match(text, new RegExp(`${series}\\s+[\\d.]+ [KMG]?B`));
	assert.match(text, /heapUsed\s+69\.8 MB\s+\+29\.8 MB/);
	assert.match(text, /heapUsed over the last 1m 59s/);
	assert.match(text, /-1m 59s.*now/);
	assert.match(text, /[▁▂▃▄▅▆▇█]{10}/);
	for (const b of bindingsFor('live').filter(b => b.inFooter)) assert.match(text, new RegExp(`${b.keys[0]!.replace('?', '\\?')} +${b.label}`));
});

test('the chart axis labels tell neighbouring rows apart on a small range', () => {
	const text = frame(stateWith(30));
	const labels = [...text.matchAll(/^\s*([\d.]+ MB)[┤┼]/gm)].map(m => m[1]);
	assert.ok(labels.length >= 4, `labels: ${labels.join(', ')}`);
	assert.equal(new Set(labels).size, labels.length, `repeated labels: ${labels.join(', ')}`);
});

test('redraws to a wider terminal', () => {
	const wide = frame(stateWith(200), 160, 40);
	assert.ok(wide.split('\n').some(line => stringWidth(line) > 100));
	assert.ok(wide.split('\n').length <= 40);
});

test('before the first sample it says it is waiting', () => {
	assert.match(frame(stateWith(0)), /waiting for samples/);
});

test('pause, GC, help and a closed connection show in the frame', () => {
	assert.match(frame(stateWith(5, [{type: 'toggle-pause', t: 9}])), /PAUSED/);
	assert.match(frame(stateWith(5, [{type: 'gc-started', t: 9}])), /GC running/);
	const help = frame(stateWith(5, [{type: 'toggle-help'}]));
	for (const b of bindingsFor('live')) assert.ok(help.includes(b.help), b.help);
	const closed = frame(stateWith(5, [{type: 'closed', t: 9, reason: 'connection to the target closed'}]));
	assert.match(closed, /● closed/);
	assert.match(closed, /connection to the target closed/);
});

test('the event log shows the newest lines', () => {
	const extra: Event[] = Array.from({length: 10}, (_, i) => ({type: 'log', t: 1000 * i, level: 'info', text: `line ${i}`}) as Event);
	const text = frame(stateWith(5, extra));
	assert.match(text, /line 9/);
	assert.doesNotMatch(text, /line 0\b/);
});

test('the verdict line, resources and listeners panels', () => {
	const census = (t: number, count: number) => ({t, durationMs: 220, emitterCount: 2, rows: [{emitter: 'OrderBus', event: 'update', count, emitters: 1, maxPerEmitter: count, overLimit: 0, limitDisabled: 1}]});
	const base = Array.from({length: 61}, (_, i) => ({type: 'sample', sample: sample(i * 1000, 20_000_000 + i * 200_000, {resources: {Timeout: 2 + i, TCPServerWrap: 1}}), receivedAt: i * 1000}) as Event);
	let state = stateWith(0, [...base, {type: 'census', census: census(1000, 10)}, {type: 'census', census: census(50_000, 600)}]);
	const chart = frame(state);
	assert.match(chart, /LEAK +heap floor \+720\.0 MB\/h, \d+ % confidence/);
	assert.match(chart, /heapUsed +32\.0 MB +\+12\.0 MB +\+720\.0 MB\/h/);
	state = reduce(state, {type: 'cycle-panel'});
	const allocations = frame(state);
	assert.match(allocations, /allocation sampling is off/);
	state = reduce(state, {type: 'cycle-panel'});
	const resources = frame(state);
	assert.match(resources, /Timeout +62 +\+60 +\+3600/);
	assert.match(resources, /TCPServerWrap +1 +0 +0/);
	state = reduce(state, {type: 'cycle-panel'});
	const listeners = frame(state);
	assert.match(listeners, /last census 10s ago \(220 ms, 2 emitters\)/);
	assert.match(listeners, /OrderBus\.update +600 +\+590 +1 +disabled/);
	const paused = frame(reduce(state, {type: 'census-paused', t: 60_000, utilization: 0.87}));
	assert.match(paused, /last census 10s ago \(220 ms, 2 emitters\); auto paused, loop 87 % busy/);
	for (const text of [chart, allocations, resources, listeners, paused]) for (const line of text.split('\n')) assert.ok(stringWidth(line) <= 80, line);
	const tall = frame(state, 100, 50);
	assert.match(tall, /heapUsed over the last/);
	assert.match(tall, /active resources/);
	assert.match(tall, /allocation sampling is off/);
	assert.match(tall, /OrderBus\.update/);
});

test('a time box counts down in the header, yellow in its last minute', () => {
	const state = stateWith(30, [{type: 'time-box-started', t: 0, limitMs: 15 * 60_000}]);
	const at = (now: number) => {
		const {lastFrame, unmount} = render(<Screen state={state} verdict={computeVerdict(state)} columns={80} rows={23} now={now} />);
		const text = lastFrame() ?? '';
		unmount();
		return text;
	};
	const early = at(28_000);
	assert.match(early.split('\n')[0]!, /ends in 14:32 +● connected$/);
	assert.ok(early.split('\n').every(line => stringWidth(line) <= 80));
	assert.match(at(14 * 60_000 + 30_000), /ends in 0:30/);
	assert.doesNotMatch(frame(stateWith(30)), /ends in/, 'no time box, no countdown');
});

test('findings: the first two under the verdict, most confident first, and the screen still fits 80x24', () => {
	const state = stateWith(120);
	const verdict = computeVerdict(state);
	const findings = findingsFor(state, verdict);
	assert.equal(findings[0]?.pattern, 'unknown', 'a growing heap alone');
	const {lastFrame, unmount} = render(<Screen state={state} verdict={verdict} columns={80} rows={23} findings={findings} />);
	const text = lastFrame() ?? '';
	unmount();
	const lines = text.split('\n');
	assert.ok(lines.length <= 23, `${lines.length} lines`);
	for (const line of lines) assert.ok(stringWidth(line) <= 80, `line too wide: ${JSON.stringify(line)}`);
	const verdictAt = lines.findIndex(line => /LEAK/.test(line));
	assert.match(lines[verdictAt + 1]!, /^» unknown 50 %: heap floor grows \+900\.0 MB\/h; not enough evidence/);
	assert.doesNotMatch(frame(state), /» /, 'no findings given, no line');
});

test('the findings panel: the list, most confident first, and a finding\'s evidence, fitting 80 columns', () => {
	const growing = stateWith(120);
	const verdict = computeVerdict(growing);
	const findings = findingsFor(growing, verdict);
	const shown = (state: State, given = findings) => {
		// 38 rows: below the four-panel layout, and room for the evidence.
		const {lastFrame, unmount} = render(<Screen state={state} verdict={verdict} columns={80} rows={38} findings={given} />);
		const text = lastFrame() ?? '';
		unmount();
		for (const line of text.split('\n')) assert.ok(stringWidth(line) <= 80, `line too wide: ${JSON.stringify(line)}`);
		return text;
	};
	const list = shown(reduce(growing, {type: 'show-panel', panel: 'findings'}));
	assert.match(list, /^findings \(most confident first; enter: the evidence\)/m);
	assert.match(list, /^> unknown 50 %: heap floor grows/m);
	const open = shown(reduce(growing, {type: 'toggle-finding'}));
	assert.match(open, /^finding 1\/1: unknown \(esc: back to the list\)/m);
	assert.match(open, /^heapUsed [▁▂▃▄▅▆▇█]{20,}$/m, 'the chart of the series that grows');
	assert.match(open, /^evidence:$/m);
	assert.match(open, /^ {2}heap floor grows \+900\.0 MB\/h \(\d+ % confidence\)/m);
	assert.match(open, /^site: not known$/m, 'no allocation sampling in this state');
	const none = shown(reduce(stateWith(3), {type: 'show-panel', panel: 'findings'}), []);
	assert.match(none, /none: nothing grows that names a pattern yet/);
});
