import net from 'node:net';
import type {AddressInfo} from 'node:net';

export interface Proxy {
	port: number;
	/** Cuts every open connection, as a dying `kubectl port-forward` does. */
	drop(): void;
	/** Cuts every connection and refuses new ones until `resume()`: a port-forward that is down. */
	pause(): void;
	resume(): void;
	/** Connections refused while paused: how a test sees a client trying again. */
	readonly refused: number;
	close(): Promise<void>;
}

/** A TCP forwarder on loopback: the stand-in for a port-forward whose drop a test controls. */
export async function startProxy(targetPort: number): Promise<Proxy> {
	const sockets = new Set<net.Socket>();
	let paused = false;
	let refused = 0;
	const server = net.createServer(client => {
		if (paused) {
			refused++;
			return void client.destroy();
		}
		const upstream = net.connect(targetPort, '127.0.0.1');
		for (const s of [client, upstream]) {
			sockets.add(s);
			s.on('close', () => sockets.delete(s));
			s.on('error', () => undefined);
		}
		client.pipe(upstream).pipe(client);
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const drop = () => {
		for (const s of sockets) s.destroy();
	};
	return {
		port: (server.address() as AddressInfo).port,
		drop,
		pause() {
			paused = true;
			drop();
		},
		resume() {
			paused = false;
		},
		get refused() {
			return refused;
		},
		close: () =>
			new Promise<void>(resolve => {
				drop();
				server.close(() => resolve());
			}),
	};
}
