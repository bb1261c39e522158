import {type Address, formatAddress, getVersion, listTargets} from '../inspector/endpoint.js';

/** `leaktop targets`: what the inspector endpoint offers, as a table or as JSON. */
export async function targets(address: Address, json: boolean): Promise<string> {
	const [version, list] = await Promise.all([getVersion(address), listTargets(address)]);
	if (json) return `${JSON.stringify({address: formatAddress(address), runtime: version.Browser, targets: list}, null, 2)}\n`;
	const rows = list.map(t => [t.type, t.title, t.url, t.webSocketDebuggerUrl]);
	const header = ['TYPE', 'TITLE', 'URL', 'WEBSOCKET'];
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i]!.length)));
	const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
	const lines = [`${formatAddress(address)}: ${version.Browser}, ${list.length} target${list.length === 1 ? '' : 's'}`, line(header), ...rows.map(line)];
	return `${lines.join('\n')}\n`;
}
