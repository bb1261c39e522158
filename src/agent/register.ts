/**
 * `node --import leaktop/agent app.js`: starts the agent from the environment. Nothing here may
 * stop or crash the app: a bad setting, a taken port, even a Node built without the inspector
 * (the agent's modules are loaded here, inside the try) is one line on stderr, and the app runs on.
 */
import cluster from 'node:cluster';
import {isMainThread} from 'node:worker_threads';
import type {Agent} from './agent.js';

const log = (line: string) => process.stderr.write(`leaktop agent: ${line}\n`);

/**
 * Preloads run in every worker thread and cluster worker too. The process has one heap to
 * watch, and a cluster's workers would share one port, each scrape reaching another's store.
 */
if (isMainThread && !cluster.isWorker) {
	void (async () => {
		let agent: Agent | undefined;
		try {
			const {readAgentConfig} = await import('./config.js');
			const config = readAgentConfig(process.env);
			// Taken at once, so that the signal never falls back to its default action (ending the
			// app) while the agent starts, or when it could not.
			const signal = config.toggleSignal;
			if (signal) process.on(signal, () => (agent ? void agent.toggle() : log(`the agent is off; ${signal} does nothing`)));
			const {startAgent} = await import('./agent.js');
			agent = await startAgent(config, log);
			log(`serving ${agent.url} (every ${config.intervalMs / 1000}s; allocation sampling ${config.samplingIntervalBytes === null ? 'off' : 'on'}, census ${config.census ? 'on' : 'off'}; ${signal ? `${signal} toggles collection` : 'no toggle signal'})`);
		} catch (error) {
			log(`${error instanceof Error ? error.message : String(error)}; the agent is off`);
		}
	})();
}
