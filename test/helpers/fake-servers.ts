/**
 * Things that listen on a port but are not a Node inspector: a plain HTTP server, a raw TCP
 * server, and a fake Chrome DevTools endpoint (the one thing the tests cannot have for real).
 * They live in the test process; `close()` ends every connection they hold.
 */
import http from 'node:http';
import net, {type AddressInfo} from 'node:net';

export interface FakeServer {
	port: number;
	/** Connections accepted so far. */
	connections(): number;
	close(): Promise<void>;
}

function listen(server: net.Server): Promise<number> {
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
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
