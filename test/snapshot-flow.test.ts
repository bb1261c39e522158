/** The snapshot flow's outcomes, against a real target. */
import assert from 'node:assert/strict';
import {readdirSync} from 'node:fs';
import {test} from 'node:test';
import {attachTarget} from '../src/commands/attach.js';
import {takeSnapshot} from '../src/snapshot-flow.js';
import type {Event} from '../src/model/state.js';
import {fixtureForFile, tempDirForFile} from './helpers/target.js';

const dir = tempDirForFile('leaktop-snapshot-flow-');
const server = fixtureForFile('server');

test('abandoned before the capture starts: says the target was not paused, writes nothing', async () => {
	const {monitor, store} = await attachTarget({kind: 'address', address: {host: '127.0.0.1', port: server().port}}, {historySize: 10, monitor: {intervalMs: 1000}});
	try {
		const events: Event[] = [];
		const abandon = new AbortController();
		abandon.abort();
		const outcome = await takeSnapshot({
			monitor,
			dispatch: event => events.push(event),
			target: store.getState().target,
			dir,
			objectCount: null,
			confirm: async () => true,
			signal: abandon.signal,
		});
		assert.equal(outcome.kind, 'abandoned');
		assert.equal(outcome.kind === 'abandoned' && outcome.reason, 'heap snapshot abandoned before it started: the target was not paused');
		assert.ok(!events.some(e => e.type === 'snapshot-started'));
		assert.deepEqual(readdirSync(dir), []);
	} finally {
		await monitor.stop('test over');
	}
});
