/**
 * Things that listen on a port but are not a Node inspector: a plain HTTP server, a raw TCP
 * server, a WebSocket echo server, and a fake Chrome DevTools endpoint (the one thing the tests
 * cannot have for real).
 * They live in the test process; `close()` ends every connection they hold.
 */
import {createHash} from 'node:crypto';
import http from 'node:http';
import net, {type AddressInfo} from 'node:net';

export interface FakeServer {
	port: number;
	/** Connections accepted so far. */
	connections(): number;
	close(): Promise<void>;
}

function listen(server: net.Server, port = 0): Promise<number> {
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
	});
}

function wrap(server: net.Server, port: number): FakeServer {
	const sockets = new Set<net.Socket>();
	let accepted = 0;
	server.on('connection', socket => {
		accepted++;
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		socket.on('error', () => undefined);
	});
	return {
		port,
		connections: () => accepted,
		close: () =>
			new Promise(resolve => {
				for (const socket of sockets) socket.destroy();
				server.close(() => resolve());
			}),
	};
}

/** A port nothing listens on: bound to 0, read, and released again. */
export async function freePort(): Promise<number> {
	const server = net.createServer();
	const port = await listen(server);
	await new Promise<void>(resolve => server.close(() => resolve()));
	return port;
}

export async function fakeHttp(handler: http.RequestListener): Promise<FakeServer> {
	const server = http.createServer(handler);
	const result = wrap(server, 0);
	result.port = await listen(server);
	return result;
}

export async function fakeTcp(onConnection: (socket: net.Socket) => void): Promise<FakeServer> {
	const server = net.createServer(onConnection);
	const result = wrap(server, 0);
	result.port = await listen(server);
	return result;
}

/** Answers `/json/version` and `/json/list` the way Chrome 126 started with --remote-debugging-port does. */
export async function fakeChrome(): Promise<FakeServer & {requests: string[]}> {
	const requests: string[] = [];
	let port = 0;
	const pageId = '6C1A6FE4A3C1D5B9E3E4F1D2C3B4A596';
	const server = await fakeHttp((req, res) => {
		requests.push(req.url ?? '');
		const json = (body: unknown) => {
			res.setHeader('Content-Type', 'application/json; charset=UTF-8');
			res.end(JSON.stringify(body));
		};
		if (req.url === '/json/version') {
			json({
				Browser: 'Chrome/126.0.6478.126',
				'Protocol-Version': '1.3',
				'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.126 Safari/537.36',
				'V8-Version': '12.6.228.28',
				'WebKit-Version': '537.36 (@5fcb0ad5b1c4e7c0b0b6d95b31c6c4b3ea1e1a4f)',
				webSocketDebuggerUrl: `ws://127.0.0.1:${port}/devtools/browser/0d4f3a6e-8d0b-4f8e-9a54-4c1f9d2a7b11`,
			});
		} else if (req.url === '/json/list' || req.url === '/json') {
			json([
				{
					description: '',
					devtoolsFrontendUrl: `/devtools/inspector.html?ws=127.0.0.1:${port}/devtools/page/${pageId}`,
					id: pageId,
					title: 'about:blank',
					type: 'page',
					url: 'about:blank',
					webSocketDebuggerUrl: `ws://127.0.0.1:${port}/devtools/page/${pageId}`,
				},
			]);
		} else {
			res.statusCode = 404;
			res.end();
		}
	});
	port = server.port;
	return {...server, requests};
}

/**
 * A WebSocket server that is not an inspector: it lists itself at `/json/list` as Node's
 * inspector does, accepts the upgrade, and echoes every text message back, so each CDP request
 * comes back as an answer with its own id and no result. `port` binds a given port (the one a
 * dead target left).
 */
export async function fakeEchoWebSocket(port = 0): Promise<FakeServer & {url: string; messages(): number}> {
	let messages = 0;
	let url = '';
	const server = http.createServer((req, res) => {
		res.setHeader('Content-Type', 'application/json; charset=UTF-8');
		if (req.url === '/json/version') {
			res.end(JSON.stringify({Browser: 'node.js/v20.20.2', 'Protocol-Version': '1.1'}));
		} else if (req.url === '/json/list' || req.url === '/json') {
			res.end(JSON.stringify([{description: 'node.js instance', id: 'echo', title: 'echo', type: 'node', url: 'file://', webSocketDebuggerUrl: url}]));
		} else {
			res.statusCode = 404;
			res.end();
		}
	});
	server.on('upgrade', (req, socket) => {
		const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
		socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
		let buffered = Buffer.alloc(0);
		socket.on('data', (chunk: Buffer) => {
			buffered = Buffer.concat([buffered, chunk]);
			for (let frame = readFrame(buffered); frame; frame = readFrame(buffered)) {
				buffered = buffered.subarray(frame.length);
				if (frame.opcode === 0x8) return void socket.end();
				if (frame.opcode !== 0x1) continue;
				messages++;
				socket.write(textFrame(frame.payload));
			}
		});
	});
	const result = wrap(server, 0);
	result.port = await listen(server, port);
	url = `ws://127.0.0.1:${result.port}/echo`;
	return {...result, url, messages: () => messages};
}

/** One masked client frame from the front of `data`, or undefined until all of it has come. */
function readFrame(data: Buffer): {opcode: number; payload: Buffer; length: number} | undefined {
	if (data.length < 2) return undefined;
	let length = data[1]! & 0x7f;
	let offset = 2;
	if (length === 126) {
		if (data.length < 4) return undefined;
		length = data.readUInt16BE(2);
		offset = 4;
	} else if (length === 127) {
		if (data.length < 10) return undefined;
		length = Number(data.readBigUInt64BE(2));
		offset = 10;
	}
	const masked = (data[1]! & 0x80) !== 0;
	const mask = masked ? data.subarray(offset, offset + 4) : undefined;
	if (masked) offset += 4;
	if (data.length < offset + length) return undefined;
	const payload = Buffer.from(data.subarray(offset, offset + length));
	if (mask) for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i % 4]!;
	return {opcode: data[0]! & 0x0f, payload, length: offset + length};
}

function textFrame(payload: Buffer): Buffer {
	const header = payload.length < 126 ? Buffer.from([0x81, payload.length]) : Buffer.from([0x81, 126, payload.length >> 8, payload.length & 0xff]);
	return Buffer.concat([header, payload]);
}
