import assert from 'node:assert/strict';
import {test} from 'node:test';
import {normalizeLimit, parseFacts, parseSample} from '../../src/inspector/target-facts.js';
import {LeaktopError} from '../../src/errors.js';

test('an unlimited constrainedMemory is no limit', () => {
	assert.equal(normalizeLimit(2 ** 64), null);
	assert.equal(normalizeLimit(0), null);
	assert.equal(normalizeLimit(undefined), null);
	assert.equal(normalizeLimit(536_870_912), 536_870_912);
});

test('facts are read defensively', () => {
	const facts = parseFacts({pid: 7, nodeVersion: 'v22.1.0', title: 'api', argv: ['node', 1, 'a.js'], cwd: '/srv/app', hostname: 'api-7d9', heapSizeLimit: 100, constrainedMemory: 2 ** 64}, 'h:1', 'ws://h:1/x');
	assert.deepEqual(facts, {pid: 7, nodeVersion: 'v22.1.0', title: 'api', argv: ['node', 'a.js'], address: 'h:1', webSocketUrl: 'ws://h:1/x', cwd: '/srv/app', hostname: 'api-7d9', heapSizeLimit: 100, constrainedMemory: null});
	assert.throws(() => parseFacts(null, 'h:1', 'ws://h:1/x'), LeaktopError);
});

test('a sample is seven numbers and the resource counts', () => {
	assert.deepEqual(parseSample([1, 2, 3, 4, 5, 6, 7, {Timeout: 3, TCPSocketWrap: 1, bogus: 'x'}]), {t: 1, heapUsed: 2, heapTotal: 3, rss: 4, external: 5, arrayBuffers: 6, uptime: 7, resources: {Timeout: 3, TCPSocketWrap: 1}});
	assert.equal(parseSample([1, 2, 3, 4, 5, 6, 7, {}, 1234.5]).loopActiveMs, 1234.5);
	assert.equal('loopActiveMs' in parseSample([1, 2, 3, 4, 5, 6, 7, {}, null]), false, 'a target without eventLoopUtilization');
	assert.throws(() => parseSample([1, 2, 3]), LeaktopError);
	assert.throws(() => parseSample({heapUsed: 1}), LeaktopError);
});
