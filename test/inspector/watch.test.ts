/** `:watch`, `:eval`, `:count`, `:interval` and `:sampling` against a real target whose state the app itself reports. */
import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';
import {Monitor} from '../../src/inspector/monitor.js';
import {type Event, initialState, reduce} from '../../src/model/state.js';
import {httpGet, startTarget, type Target} from '../helpers/target.js';
import {waitFor} from '../helpers/wait.js';

interface AppState {
	counter: number;
	flag: string;
	sessions: number;
}

describe('typed expressions against a real target', () => {
	let target: Target;
	let monitor: Monitor;
	const events: Event[] = [];
	const of = <T extends Event['type']>(type: T) => events.filter((e): e is Extract<Event, {type: T}> => e.type === type);
	const appState = async () => JSON.parse(await httpGet(target.httpPort!, '/')) as AppState;

	before(async () => {
		target = await startTarget('globals');
		monitor = await Monitor.attach({kind: 'url', url: target.webSocketUrl}, {intervalMs: 200, onEvent: event => events.push(event)});
	});
	after(async () => {
		await monitor?.stop('test over');
		await target?.kill();
	});

	test('side-effecting expressions are refused without a yes, and the target is unchanged', async () => {
		await assert.rejects(monitor.addWatch('counter++'), /^LeaktopError: refused: V8 says it may have side effects \(EvalError: Possible side-effect in debug-evaluate\); a watch may only read$/);
		await assert.rejects(monitor.addWatch('sessions.clear()'), /refused: V8 says it may have side effects/);
		assert.deepEqual(await monitor.evaluate('flag = "changed"', {sideEffects: false}), {kind: 'refused', reason: 'EvalError: Possible side-effect in debug-evaluate'});
		assert.deepEqual(await monitor.evaluate('widgets.length = 0', {sideEffects: false}), {kind: 'refused', reason: 'EvalError: Possible side-effect in debug-evaluate'});
		assert.equal((await monitor.count("require('http').Agent", {sideEffects: false})).kind, 'refused', 'require may load a module');
		const {counter, flag} = await appState();
		assert.deepEqual({counter, flag}, {counter: 0, flag: 'original'});
		const state = events.reduce(reduce, initialState({historySize: 100}));
		assert.equal(state.auditCounts.eval, 0, 'nothing ran with side effects');
	});

	test('a watch on a growing Map shows its growth; its size is the number, its text the description', async () => {
		const mapId = await monitor.addWatch('sessions');
		const sizeId = await monitor.addWatch('sessions.size');
		const flagId = await monitor.addWatch('flag');
		const readings = (id: number) => of('watch-values').flatMap(e => e.readings.filter(r => r.id === id).map(r => r.reading));
		await waitFor(() => readings(sizeId).length >= 10, {what: 'ten rounds of watches'});
		const sizes = readings(sizeId).map(r => ('value' in r ? r.value : null));
		assert.ok(sizes.every(v => typeof v === 'number'));
		for (let i = 1; i < sizes.length; i++) assert.ok(sizes[i]! >= sizes[i - 1]!, `never shrinks: ${sizes.join(', ')}`);
		assert.ok(sizes.at(-1)! >= sizes[0]! + 10, `grew by 10 or more: ${sizes.join(', ')}`);
		const map = readings(mapId).at(-1)!;
		assert.ok('text' in map && /^Map\(\d+\)$/.test(map.text) && map.value === Number(/\d+/.exec(map.text)![0]));
		assert.deepEqual(readings(flagId).at(-1), {value: null, text: '"original"'});
		const state = events.reduce(reduce, initialState({historySize: 1000}));
		assert.deepEqual(state.watches.map(w => w.expression), ['sessions', 'sessions.size', 'flag']);
		assert.ok(monitor.removeWatch(mapId) && monitor.removeWatch(sizeId) && monitor.removeWatch(flagId));
		assert.equal(monitor.removeWatch(mapId), false, 'each watch is removed once');
	});

	test('a syntax error, an exception and an endless loop are one line each; the session goes on', async () => {
		await assert.rejects(monitor.addWatch('sessions.size +'), /^LeaktopError: SyntaxError: /);
		await assert.rejects(monitor.addWatch('missing.size'), /^LeaktopError: ReferenceError: missing is not defined$/);
		await assert.rejects(monitor.addWatch('(() => { while (true) {} })()'), /^LeaktopError: did not finish within 200 ms \(stopped in the target\); a watch runs with every sample, so it must be quick$/);
		const parsed = await monitor.evaluate('JSON.parse("{")', {sideEffects: false});
		assert.ok(parsed.kind === 'error' && /^SyntaxError: [^\n]*JSON/.test(parsed.message), JSON.stringify(parsed));
		const before = of('sample').length;
		await waitFor(() => of('sample').length >= before + 3, {what: 'samples go on'});
		assert.equal((await appState()).flag, 'original', 'the target serves');
	});

	test(':count counts live instances with the walk\'s cost; a non-constructor is one line', async () => {
		const widgets = await monitor.count('Widget', {sideEffects: false});
		assert.equal(widgets.kind === 'count' && widgets.count, 25);
		assert.equal(widgets.kind === 'count' && widgets.name, 'Widget');
		const agents = await monitor.count("require('http').Agent", {sideEffects: true});
		assert.ok(agents.kind === 'count' && agents.count >= 0 && agents.name === 'Agent');
		await assert.rejects(monitor.count('flag', {sideEffects: false}), /^LeaktopError: :count flag: not a constructor \(it is "original"\)$/);
		const result = of('count-result').find(e => e.expression === 'Widget')!;
		assert.ok(result.durationMs >= 0);
		const state = events.reduce(reduce, initialState({historySize: 100}));
		assert.ok(state.auditCounts.count >= 2, 'each walk is audited');
	});

	test(':eval after a yes runs with side effects, changes the target and is audited', async () => {
		assert.deepEqual(await monitor.evaluate('flag = "changed"', {sideEffects: true}), {kind: 'value', value: null, text: '"changed"'});
		assert.equal((await appState()).flag, 'changed');
		const state = events.reduce(reduce, initialState({historySize: 100}));
		assert.deepEqual(state.audit.items.filter(e => e.action === 'eval').map(e => e.detail), ['Runtime.evaluate without the side-effect check: flag = "changed"']);
		await monitor.evaluate('flag = "original"', {sideEffects: true});
	});

	test(':interval and :sampling change a live session', async () => {
		const gaps = (from: number) => {
			const times = of('sample').slice(from).map(e => e.receivedAt);
			return times.slice(1).map((t, i) => t - times[i]!);
		};
		// Changed while a sample is in flight (the target stopped): one sampling loop goes on, not two.
		process.kill(target.pid, 'SIGSTOP');
		const stoppedAt = of('sample').length;
		try {
			await waitFor(() => of('sample').length === stoppedAt && Date.now() - (of('sample').at(-1)?.receivedAt ?? 0) > 500, {what: 'a sample waiting on the stopped target'});
			monitor.setIntervalMs(1000);
		} finally {
			process.kill(target.pid, 'SIGCONT');
		}
		// The sample in flight when the interval changed may still come at the old pace.
		const slow = of('sample').length + 1;
		await waitFor(() => gaps(slow).length >= 3, {what: 'three gaps at 1 s', timeoutMs: 10_000});
		assert.ok(gaps(slow).every(gap => gap >= 900), `gaps at 1 s: ${gaps(slow).join(', ')}`);
		monitor.setIntervalMs(100);
		const fast = of('sample').length + 1;
		await waitFor(() => gaps(fast).length >= 5, {what: 'five gaps at 100 ms', timeoutMs: 5000});
		assert.ok(gaps(fast).every(gap => gap < 600), `gaps at 100 ms: ${gaps(fast).join(', ')}`);
		assert.ok(of('interval-set').length === 2);
		await monitor.setSampling(65_536);
		assert.equal(of('sampling-started').at(-1)?.intervalBytes, 65_536);
		await monitor.setSampling(null);
		assert.equal(of('sampling-stopped').length, 1);
	});
});
