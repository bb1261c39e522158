import type {Server} from 'node:http';

/**
 * The bench targets end on SIGTERM or SIGINT: close the server, drop keep-alive connections, and
 * exit within a second even if something still holds the loop open.
 */
export function exitOnSignals(server: Server): void {
	const stop = () => {
		server.closeAllConnections();
		server.close(() => process.exit(0));
		setTimeout(() => process.exit(0), 1000).unref();
	};
	process.on('SIGTERM', stop);
	process.on('SIGINT', stop);
}
