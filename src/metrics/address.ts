/** Where `/metrics` listens: `:9464` (every interface), `127.0.0.1:9464`, `[::1]:9464`. */
export interface ListenAddress {
	host: string | undefined;
	port: number;
}

/** `--metrics` and `LEAKTOP_METRICS_PORT`: a port, `:port` or `host:port`; null when it is none of them. */
export function parseListenAddress(text: string): ListenAddress | null {
	const match = /^(?:(\[[^\]]+\]|[^:]*):)?(\d{1,5})$/.exec(text.trim());
	if (!match) return null;
	const port = Number(match[2]);
	if (port > 65_535) return null;
	const host = match[1]?.replace(/^\[|\]$/g, '');
	return {host: host === undefined || host === '' ? undefined : host, port};
}
