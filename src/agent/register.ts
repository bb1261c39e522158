/**
 * `node --import leaktop/agent app.js`: starts the agent from the environment. Nothing here may
 * stop or crash the app: a bad setting or a taken port is one line on stderr, and the app runs on.
 */
import {isMainThread} from 'node:worker_threads';
import {describeError} from '../errors.js';
import {startAgent} from './agent.js';
import {readAgentConfig} from './config.js';

const log = (line: string) => process.stderr.write(`leaktop agent: ${line}\n`);

// Preloads run in every worker thread too; the process has one heap to watch, and one port.
if (isMainThread) {
	try {
		const config = readAgentConfig(process.env);
		// Not awaited: the app starts now, the endpoint a moment later.
		startAgent(config, log).then(
			agent => log(`serving ${agent.url} (every ${config.intervalMs / 1000}s; allocation sampling ${config.samplingIntervalBytes === null ? 'off' : 'on'}, census ${config.census ? 'on' : 'off'}; ${config.toggleSignal ? `${config.toggleSignal} toggles collection` : 'no toggle signal'})`),
			(error: unknown) => log(`${describeError(error)}; the agent is off`),
		);
	} catch (error) {
		log(`${describeError(error)}; the agent is off`);
	}
}
