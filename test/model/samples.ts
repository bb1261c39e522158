import type {MemorySample, TargetInfo} from '../../src/model/types.js';

export function sample(t: number, heapUsed: number, extra: Partial<MemorySample> = {}): MemorySample {
	return {t, heapUsed, heapTotal: heapUsed * 2, rss: heapUsed * 4, external: 1_000_000, arrayBuffers: 10_000, uptime: t / 1000, resources: {Timeout: 2, TCPServerWrap: 1}, ...extra};
}

export const target: TargetInfo = {
	pid: 4242,
	nodeVersion: 'v20.20.2',
	title: 'node',
	argv: ['/usr/bin/node', 'server.js'],
	address: '127.0.0.1:9229',
	webSocketUrl: 'ws://127.0.0.1:9229/abc',
	cwd: '/srv/app',
	hostname: 'api-7d9',
	heapSizeLimit: 4_345_298_944,
	constrainedMemory: 536_870_912,
};
