import assert from 'node:assert/strict';
import {test} from 'node:test';
import {configuredInspectPort} from '../../src/inspector/pid.js';

test('reads the port Node opens on SIGUSR1 from its flags', () => {
	assert.equal(configuredInspectPort(['node', 'server.js']), undefined);
	assert.equal(configuredInspectPort(['--inspect-port=9333', 'node', 'x.js']), 9333);
	assert.equal(configuredInspectPort(['node', '--inspect=0.0.0.0:9444', 'x.js']), 9444);
	assert.equal(configuredInspectPort(['node', '--inspect=9555']), 9555);
	assert.equal(configuredInspectPort(['--inspect-brk=127.0.0.1:9666']), 9666);
	// The last one wins, as in Node's own option parsing (NODE_OPTIONS comes first).
	assert.equal(configuredInspectPort(['--inspect-port=1111', '--inspect-port=2222']), 2222);
	assert.equal(configuredInspectPort(['--inspect']), undefined);
});
