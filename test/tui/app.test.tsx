import assert from 'node:assert/strict';
import {test} from 'node:test';
import {render} from 'ink-testing-library';
import {App} from '../../src/tui/App.js';
import {createStore} from '../../src/store.js';
import {initialState} from '../../src/model/state.js';
import {defaultVerdictOptions} from '../../src/model/verdict.js';
import type {Command, KeyPress} from '../../src/keymap.js';
import {waitFor} from '../helpers/wait.js';
import {sample, target} from '../model/samples.js';

test('keys from the keymap become commands, and store updates redraw', async () => {
	const store = createStore(initialState({historySize: 100}));
	const commands: Command[] = [];
	const {stdin, lastFrame, unmount} = render(<App store={store} onCommand={c => commands.push(c)} onPromptKey={() => assert.fail('no command line is open')} verdictOptions={defaultVerdictOptions} />);
	try {
		store.dispatch({type: 'attached', target, t: 0});
		store.dispatch({type: 'sample', sample: sample(0, 12_345_678), receivedAt: 0});
		await waitFor(() => lastFrame()?.includes('12.3 MB'), {what: 'the sample on screen'});
		// useInput subscribes in an effect; keys typed before it runs are lost.
		await waitFor(() => {
			stdin.write('g');
			return commands.includes('gc');
		}, {what: 'g -> gc'});
		stdin.write('p');
		stdin.write('?');
		stdin.write('q');
		stdin.write('\u0003');
		stdin.write('x');
		await waitFor(() => commands.filter(c => c === 'quit').length === 2, {what: 'q and ctrl+c -> quit'});
		assert.deepEqual(commands.filter(c => c !== 'gc'), ['pause', 'help', 'quit', 'quit']);
	} finally {
		unmount();
	}
});

test('while the command line is open, keys are its text; enter, tab, up and esc are its commands; ctrl+c still quits', async () => {
	const store = createStore(initialState({historySize: 100}));
	const commands: Command[] = [];
	const typed: KeyPress[] = [];
	const {stdin, lastFrame, unmount} = render(<App store={store} onCommand={c => commands.push(c)} onPromptKey={press => typed.push(press)} verdictOptions={defaultVerdictOptions} />);
	try {
		await waitFor(() => {
			stdin.write(':');
			return commands.includes('command-line');
		}, {what: ': -> command-line'});
		store.dispatch({type: 'prompt-open'});
		store.dispatch({type: 'prompt-set', line: {text: 'watch cache.size', cursor: 16}, candidates: []});
		await waitFor(() => /^:watch cache\.size/m.test(lastFrame() ?? ''), {what: 'the line on screen'});
		for (const key of ['g', 'q', '\r', '\t', '\u001B[A', '\u0003']) stdin.write(key);
		await waitFor(() => commands.includes('quit'), {what: 'ctrl+c -> quit'});
		assert.deepEqual(typed.map(t => t.input), ['g', 'q'], 'g and q are text on the line');
		assert.deepEqual(commands.slice(1), ['prompt-run', 'prompt-complete', 'prompt-older', 'quit']);
	} finally {
		unmount();
	}
});
