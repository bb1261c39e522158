import type {Monitor} from './inspector/monitor.js';
import {writeOutputFile} from './output.js';

/**
 * Writes the live sampling profile as Chrome DevTools saves it (`{head, samples}`), so the
 * Memory panel's Load button opens it. Mode 0600: stacks and script paths describe the target.
 * Returns the bytes written.
 */
export async function writeHeapProfile(monitor: Monitor, path: string): Promise<number> {
	const text = JSON.stringify(await monitor.samplingProfile());
	await writeOutputFile(path, text, 'the heap profile');
	return Buffer.byteLength(text);
}
