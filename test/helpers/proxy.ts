import net from 'node:net';
import type {AddressInfo} from 'node:net';

export interface Proxy {
	port: number;
	/** Cuts every open connection, as a dying `kubectl port-forward` does. */
	drop(): void;
	close(): Promise<void>;
}

/** A TCP forwarder on loopback: the stand-in for a port-forward whose drop a test controls. */
export async function startProxy(targetPort: number): Promise<Proxy> {
	const sockets = new Set<net.Socket>();
	const server = net.createServer(client => {
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
		close: () =>
			new Promise<void>(resolve => {
				drop();
				server.close(() => resolve());
			}),
	};
}
