/**
 * Ports that are not a Node inspector: nothing there, some other server, a silent socket, a
 * browser. Each is exit 2 with one line a user can act on, and none of them hangs.
 */
import assert from 'node:assert/strict';
import {after, describe, test} from 'node:test';
import {assertCleanStderr, assertFailsWith, lines, runCli} from '../helpers/cli.js';
import {fakeChrome, fakeEchoWebSocket, fakeHttp, fakeTcp, type FakeServer, freePort} from '../helpers/fake-servers.js';

const servers: FakeServer[] = [];
after(async () => {
	await Promise.all(servers.map(s => s.close()));
});

async function keep<T extends FakeServer>(server: Promise<T>): Promise<T> {
	const s = await server;
	servers.push(s);
	return s;
}

describe('leaktop against ports that are not a Node inspector', () => {
	test('nothing listening: exit 2 within 10 s, naming the address', async () => {
		const port = await freePort();
		const result = await runCli(['--port', String(port), '--headless'], {timeoutMs: 15_000});
		assertFailsWith(result, `nothing is listening on 127.0.0.1:${port}`);
		assert.ok(result.elapsedMs < 10_000, `took ${result.elapsedMs} ms`);
	});

	test('an HTTP server that answers 404 is not a V8 inspector', async () => {
		const server = await keep(
			fakeHttp((_req, res) => {
				res.statusCode = 404;
				res.end('Not Found');
			}),
		);
		const result = await runCli(['--port', String(server.port)]);
		assertFailsWith(result, /^127\.0\.0\.1:\d+ answered HTTP 404 to GET \/json\/version: not a V8 inspector/);
		assert.ok(server.connections() >= 1, 'leaktop never connected to the server');
	});

	test('an HTTP server that answers 200 with HTML is not a V8 inspector', async () => {
		const server = await keep(fakeHttp((_req, res) => res.end('<html>hello</html>')));
		const result = await runCli(['--port', String(server.port)]);
		assertFailsWith(result, 'not a V8 inspector');
	});

	test('a TCP server that writes garbage and closes: exit 2, one line', async () => {
		const server = await keep(fakeTcp(socket => socket.end('\x00\x01garbage, not HTTP at all\r\n\r\n')));
		const result = await runCli(['--port', String(server.port)]);
		assertFailsWith(result, /not a V8 inspector|does not speak HTTP|closed the connection/);
		assert.ok(server.connections() >= 1, 'leaktop never connected to the server');
	});

	test('a TCP server that closes at once without a byte: exit 2, one line', async () => {
		const server = await keep(fakeTcp(socket => socket.destroy()));
		const result = await runCli(['--port', String(server.port)]);
		assertFailsWith(result, /not a V8 inspector/);
	});

	test('a WebSocket server that lists itself as Node but echoes instead of answering: exit 2, "not as a V8 inspector", with --port and --url', async () => {
		const server = await keep(fakeEchoWebSocket());
		for (const target of [['--port', String(server.port)], ['--url', server.url]]) {
			const result = await runCli([...target, '--headless']);
			assertFailsWith(result, `the WebSocket at 127.0.0.1:${server.port} answered, but not as a V8 inspector (its answer to Runtime.evaluate has no result): is the port right?`);
		}
		assert.ok(server.messages() >= 2, 'leaktop spoke to the WebSocket both times');
	});

	test('a TCP server that accepts and never answers: exit 2 within ~5 s, "did not answer"', async () => {
		const server = await keep(fakeTcp(() => undefined));
		const result = await runCli(['--port', String(server.port)], {timeoutMs: 15_000});
		assertFailsWith(result, /^127\.0\.0\.1:\d+ accepted the connection but did not answer GET \/json\/version within 3s/);
		// leaktop's HTTP deadline is 3 s, plus node start-up. (Node's default agent would give up
		// after 5 s on its own: the upper bound tells the two apart.)
		assert.ok(result.elapsedMs >= 2900 && result.elapsedMs < 4800, `took ${result.elapsedMs} ms`);
	});

	test('a Chrome browser inspector is refused as not Node.js', async () => {
		const chrome = await keep(fakeChrome());
		const result = await runCli(['--port', String(chrome.port)]);
		const message = assertFailsWith(result, 'not Node.js');
		assert.match(message, /Chrome\/126\.0\.6478\.126, not Node\.js/);
		assert.ok(chrome.requests.includes('/json/version'), `requests: ${chrome.requests.join(', ')}`);
	});

	test('`leaktop targets` reports the same failures in one line', async () => {
		const port = await freePort();
		assertFailsWith(await runCli(['targets', '--port', String(port)]), `nothing is listening on 127.0.0.1:${port}`);
	});
});

describe('non-loopback warning', () => {
	test('--host 0.0.0.0 warns "not loopback" before failing', async () => {
		const port = await freePort();
		const result = await runCli(['--host', '0.0.0.0', '--port', String(port)]);
		assert.equal(result.code, 2);
		assertCleanStderr(result);
		const all = lines(result.stderr);
		assert.equal(all.length, 2, result.stderr);
		assert.match(all[0]!, /^leaktop: warning: 0\.0\.0\.0 is not loopback/);
		assert.match(all[1]!, new RegExp(`^leaktop: nothing is listening on 0\\.0\\.0\\.0:${port}`));
	});

	test('a non-loopback --url warns too', async () => {
		const port = await freePort();
		const result = await runCli(['--url', `ws://0.0.0.0:${port}/x`]);
		assert.equal(result.code, 2);
		assertCleanStderr(result);
		const all = lines(result.stderr);
		assert.equal(all.length, 2, result.stderr);
		assert.match(all[0]!, /^leaktop: warning: 0\.0\.0\.0 is not loopback/);
	});

	test('loopback addresses do not warn', async () => {
		const port = await freePort();
		for (const host of ['127.0.0.1', 'localhost']) {
			const result = await runCli(['--host', host, '--port', String(port)]);
			assertFailsWith(result, 'nothing is listening');
		}
	});
});
