import assert from 'node:assert/strict';
import {test} from 'node:test';
import {defaultAgentIntervalMs, defaultMetricsPort, readAgentConfig} from '../../src/agent/config.js';
import {parseListenAddress} from '../../src/metrics/address.js';

test('defaults: every interface on 9464, a sample every 10 s, sampling and census off', () => {
	assert.deepEqual(readAgentConfig({}), {listen: {host: undefined, port: defaultMetricsPort}, intervalMs: defaultAgentIntervalMs, samplingIntervalBytes: null, census: false, floorGc: true, toggleSignal: 'SIGUSR2'});
	assert.equal(defaultMetricsPort, 9464);
	assert.equal(defaultAgentIntervalMs, 10_000);
});

test('settings from the environment', () => {
	assert.deepEqual(readAgentConfig({LEAKTOP_METRICS_PORT: '127.0.0.1:9100', LEAKTOP_INTERVAL: '2s', LEAKTOP_SAMPLING: '256KiB', LEAKTOP_CENSUS: 'on'}), {
		listen: {host: '127.0.0.1', port: 9100},
		intervalMs: 2000,
		samplingIntervalBytes: 256 * 1024,
		census: true,
		floorGc: true,
		toggleSignal: 'SIGUSR2',
	});
	assert.equal(readAgentConfig({LEAKTOP_FLOOR_GC: 'off'}).floorGc, false);
	// nodemon restarts its child with SIGUSR2: another signal, or none.
	assert.equal(readAgentConfig({LEAKTOP_SIGNAL: 'hup'}).toggleSignal, 'SIGHUP');
	assert.equal(readAgentConfig({LEAKTOP_SIGNAL: 'SIGWINCH'}).toggleSignal, 'SIGWINCH');
	assert.equal(readAgentConfig({LEAKTOP_SIGNAL: 'off'}).toggleSignal, null);
	assert.equal(readAgentConfig({LEAKTOP_SAMPLING: 'off'}).samplingIntervalBytes, null);
	assert.equal(readAgentConfig({LEAKTOP_CENSUS: 'off'}).census, false);
});

test('a bad value names the variable in one line', () => {
	assert.throws(() => readAgentConfig({LEAKTOP_METRICS_PORT: 'http://x'}), {name: 'UsageError', message: 'invalid LEAKTOP_METRICS_PORT=http://x: use a port (9464) or host:port (127.0.0.1:9464)'});
	assert.throws(() => readAgentConfig({LEAKTOP_INTERVAL: '5'}), {name: 'UsageError', message: /^invalid LEAKTOP_INTERVAL=5: use a number with a unit, e\.g\. 500ms, 30s, 15m, 2h$/});
	assert.throws(() => readAgentConfig({LEAKTOP_INTERVAL: '10ms'}), {message: /^invalid LEAKTOP_INTERVAL=10ms: must be at least 100ms/});
	assert.throws(() => readAgentConfig({LEAKTOP_SAMPLING: '12 parsecs'}), {message: /^invalid LEAKTOP_SAMPLING=12 parsecs: use a size such as 512KiB/});
	assert.throws(() => readAgentConfig({LEAKTOP_CENSUS: 'sometimes'}), {message: 'invalid LEAKTOP_CENSUS=sometimes: use on or off'});
	assert.throws(() => readAgentConfig({LEAKTOP_SIGNAL: 'SIGUSR1'}), {message: 'invalid LEAKTOP_SIGNAL=SIGUSR1: use SIGUSR2, SIGHUP, SIGWINCH, SIGTTIN, SIGTTOU or off'});
});

test('listen addresses: a port, :port, host:port, [v6]:port; nothing else', () => {
	assert.deepEqual(parseListenAddress('9464'), {host: undefined, port: 9464});
	assert.deepEqual(parseListenAddress(':9464'), {host: undefined, port: 9464});
	assert.deepEqual(parseListenAddress('0.0.0.0:1'), {host: '0.0.0.0', port: 1});
	assert.deepEqual(parseListenAddress('[::1]:9464'), {host: '::1', port: 9464});
	for (const bad of ['', 'x', '70000', 'host:', ':x', 'a:b:1']) assert.equal(parseListenAddress(bad), null, bad);
});
