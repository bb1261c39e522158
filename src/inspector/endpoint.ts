import http from 'node:http';
import {ConnectError, NotNodeError} from '../errors.js';

/** What the inspector's HTTP endpoint says about one debuggable target (`/json/list`). */
export interface InspectorTarget {
	id: string;
	type: string;
	title: string;
	url: string;
	description?: string;
	webSocketDebuggerUrl: string;
	devtoolsFrontendUrl?: string;
}

export interface InspectorVersion {
	Browser: string;
	'Protocol-Version': string;
}

export interface Address {
	host: string;
	port: number;
}

export const httpTimeoutMs = 3000;

export function formatAddress({host, port}: Address): string {
	return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

const openHint = 'start the target with --inspect, or open the inspector of a running process with `kill -USR1 <pid>` or `leaktop --pid <pid>`';

/**
 * GETs a JSON document from the inspector's HTTP side and turns every way that can fail into
 * one sentence a user can act on: refused, unresolvable, silent, not HTTP, not JSON.
 */
export async function getJson(address: Address, path: string, timeoutMs = httpTimeoutMs): Promise<unknown> {
	const where = formatAddress(address);
	return new Promise((resolve, reject) => {
		const request = http.get({host: address.host, port: address.port, path, timeout: timeoutMs, headers: {accept: 'application/json'}}, response => {
			const chunks: Buffer[] = [];
			let size = 0;
			response.on('data', (chunk: Buffer) => {
				size += chunk.length;
				// An inspector's listing is a few KB; anything huge is some other server.
				if (size > 4 * 1024 * 1024) {
					request.destroy();
					reject(new ConnectError(`${where} is not a V8 inspector endpoint (GET ${path} sent more than 4 MB)`));
					return;
				}
				chunks.push(chunk);
			});
			response.on('end', () => {
				if (response.statusCode !== 200) {
					reject(new ConnectError(`${where} answered HTTP ${response.statusCode} to GET ${path}: not a V8 inspector endpoint`));
					return;
				}
				try {
					resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
				} catch {
					reject(new ConnectError(`${where} answered GET ${path} with something that is not JSON: not a V8 inspector endpoint`));
				}
			});
			response.on('error', error => reject(new ConnectError(`${where}: connection failed while reading ${path}: ${error.message}`)));
		});
		request.on('timeout', () => {
			request.destroy();
			reject(new ConnectError(`${where} accepted the connection but did not answer GET ${path} within ${timeoutMs / 1000}s: not a V8 inspector, or the process is frozen`));
		});
		request.on('error', (error: NodeJS.ErrnoException) => {
			switch (error.code) {
				case 'ECONNREFUSED':
					reject(new ConnectError(`nothing is listening on ${where}: ${openHint}`));
					break;
				case 'ENOTFOUND':
				case 'EAI_AGAIN':
					reject(new ConnectError(`cannot resolve host "${address.host}"`));
					break;
				case 'ECONNRESET':
					reject(new ConnectError(`${where} closed the connection without answering GET ${path}: not a V8 inspector endpoint`));
					break;
				default:
					// Parser errors (HPE_*) mean the port speaks something other than HTTP.
					if (error.code?.startsWith('HPE_')) reject(new ConnectError(`${where} does not speak HTTP: not a V8 inspector endpoint`));
					else reject(new ConnectError(`cannot reach ${where}: ${error.message}`));
			}
		});
	});
}

function isTarget(value: unknown): value is InspectorTarget {
	if (typeof value !== 'object' || value === null) return false;
	const v = value as Record<string, unknown>;
	return typeof v.id === 'string' && typeof v.type === 'string' && typeof v.webSocketDebuggerUrl === 'string';
}

export async function listTargets(address: Address): Promise<InspectorTarget[]> {
	const body = await getJson(address, '/json/list');
	if (!Array.isArray(body)) throw new ConnectError(`${formatAddress(address)} answered /json/list with something other than a list: not a V8 inspector endpoint`);
	return body.filter(isTarget);
}

export async function getVersion(address: Address): Promise<InspectorVersion> {
	const body = await getJson(address, '/json/version');
	if (typeof body !== 'object' || body === null || typeof (body as Record<string, unknown>).Browser !== 'string') {
		throw new ConnectError(`${formatAddress(address)} answered /json/version without a "Browser" field: not a V8 inspector endpoint`);
	}
	return body as InspectorVersion;
}

/**
 * Finds the one Node target behind an inspector port. Refuses browsers and other runtimes
 * up front: their CDP looks alike but `process.memoryUsage()` does not exist there.
 */
export async function resolveNodeTarget(address: Address): Promise<InspectorTarget> {
	const version = await getVersion(address);
	if (!/^node\.js\//i.test(version.Browser)) {
		throw new NotNodeError(`${formatAddress(address)} is ${version.Browser}, not Node.js: leaktop attaches to Node processes only`);
	}
	const targets = await listTargets(address);
	const node = targets.find(t => t.type === 'node');
	if (!node) throw new ConnectError(`the inspector at ${formatAddress(address)} lists no Node target`);
	return node;
}
