/**
 * The agent's settings, from the environment: a preloaded module has no flags of its own.
 * Pure: the same parsers as the CLI's flags, with the variable's name in the message.
 */
import {UsageError} from '../errors.js';
import {parseInterval} from '../model/duration.js';
import {parseSampling} from '../model/size.js';
import {type ListenAddress, parseListenAddress} from '../metrics/address.js';

export interface AgentConfig {
	/** Where `/metrics` listens: every interface by default, so that Prometheus can reach a pod. */
	listen: ListenAddress;
	intervalMs: number;
	/** Allocation sampling interval in bytes; null (the default): off, since each profile read forces a GC. */
	samplingIntervalBytes: number | null;
	/** Automatic listener censuses (gated on a quiet event loop, as the CLI's `--census on`); off by default. */
	census: boolean;
	/** A full GC now and then for exact heap floors (on by default: see Monitor's floorProbe). */
	floorGc: boolean;
	/** The signal that toggles collection; null: none (nodemon, for one, restarts its child with SIGUSR2). */
	toggleSignal: NodeJS.Signals | null;
}

/** The seed's monitoring setup: heapUsed every 10 s. */
export const defaultAgentIntervalMs = 10_000;
/** The port OpenTelemetry's Prometheus exporter uses: a scrape config may already point at it. */
export const defaultMetricsPort = 9464;

function onOff(name: string, text: string | undefined): boolean {
	if (text === undefined || /^\s*(off|0|false|no)?\s*$/i.test(text)) return false;
	if (/^\s*(on|1|true|yes)\s*$/i.test(text)) return true;
	throw new UsageError(`invalid ${name}=${text}: use on or off`);
}

/** Signals a program may take for itself; SIGUSR1 is Node's own (it opens the inspector). */
const toggleSignals = ['SIGUSR2', 'SIGHUP', 'SIGWINCH', 'SIGTTIN', 'SIGTTOU'] as const;

function toggleSignal(text: string | undefined): NodeJS.Signals | null {
	if (text === undefined || text.trim() === '') return 'SIGUSR2';
	if (/^\s*off\s*$/i.test(text)) return null;
	const name = text.trim().toUpperCase().replace(/^(?!SIG)/, 'SIG');
	if ((toggleSignals as readonly string[]).includes(name)) return name as NodeJS.Signals;
	throw new UsageError(`invalid LEAKTOP_SIGNAL=${text}: use ${toggleSignals.join(', ')} or off`);
}

/** The flag's parser, with its message about the variable: `invalid LEAKTOP_INTERVAL=5: use a number with a unit...`. */
function variable<T>(name: string, text: string, parse: (text: string) => T): T {
	try {
		return parse(text);
	} catch (error) {
		if (!(error instanceof UsageError)) throw error;
		throw new UsageError(`invalid ${name}=${text}: ${error.message.replace(/^invalid .*?: /, '')}`);
	}
}

/** Reads the `LEAKTOP_*` variables the README lists; a bad value throws a UsageError. */
export function readAgentConfig(env: NodeJS.ProcessEnv): AgentConfig {
	const port = env['LEAKTOP_METRICS_PORT'];
	const listen = port === undefined || port.trim() === '' ? {host: undefined, port: defaultMetricsPort} : parseListenAddress(port);
	if (!listen) throw new UsageError(`invalid LEAKTOP_METRICS_PORT=${port}: use a port (9464) or host:port (127.0.0.1:9464)`);
	const interval = env['LEAKTOP_INTERVAL'];
	const sampling = env['LEAKTOP_SAMPLING'];
	return {
		listen,
		intervalMs: interval === undefined || interval.trim() === '' ? defaultAgentIntervalMs : variable('LEAKTOP_INTERVAL', interval, parseInterval),
		samplingIntervalBytes: sampling === undefined || sampling.trim() === '' ? null : variable('LEAKTOP_SAMPLING', sampling, parseSampling),
		census: onOff('LEAKTOP_CENSUS', env['LEAKTOP_CENSUS']),
		floorGc: env['LEAKTOP_FLOOR_GC'] === undefined || env['LEAKTOP_FLOOR_GC'].trim() === '' ? true : onOff('LEAKTOP_FLOOR_GC', env['LEAKTOP_FLOOR_GC']),
		toggleSignal: toggleSignal(env['LEAKTOP_SIGNAL']),
	};
}
