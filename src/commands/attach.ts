import {ConnectError} from '../errors.js';
import {formatAddress} from '../inspector/endpoint.js';
import {type Endpoint, Monitor, type MonitorOptions} from '../inspector/monitor.js';
import {openInspector} from '../inspector/pid.js';
import {type Event, initialState} from '../model/state.js';
import {createStore, type Store} from '../store.js';

export type WatchTarget = Endpoint | {kind: 'pid'; pid: number};

export interface AttachSettings {
	/** Samples the store keeps. */
	historySize: number;
	monitor: Omit<MonitorOptions, 'onEvent'>;
	/** Sees every event after the store has. */
	onEvent?: (event: Event) => void;
}

export interface Attached {
	monitor: Monitor;
	store: Store;
}

async function attachEndpoint(endpoint: Endpoint, {historySize, monitor: options, onEvent}: AttachSettings): Promise<Attached> {
	const store = createStore(initialState({historySize, samplingIntervalBytes: options.samplingIntervalBytes ?? null}));
	const monitor = await Monitor.attach(endpoint, {
		...options,
		onEvent(event) {
			store.dispatch(event);
			onEvent?.(event);
		},
	});
	return {monitor, store};
}

/** `--pid`: opens the process's inspector, then attaches to the port that really belongs to it. */
async function attachToPid(pid: number, settings: AttachSettings): Promise<Attached> {
	const addresses = await openInspector(pid);
	const seen: string[] = [];
	for (const address of addresses) {
		const attached = await attachEndpoint({kind: 'address', address}, settings);
		const targetPid = attached.store.getState().target?.pid;
		if (targetPid === pid) return attached;
		await attached.monitor.stop('wrong process');
		seen.push(`${formatAddress(address)} is pid ${targetPid}`);
	}
	throw new ConnectError(`could not find the inspector of pid ${pid} (${seen.join(', ')})`);
}

/** Attaches to an address, a WebSocket URL or a local pid, with a store fed by the monitor. */
export function attachTarget(target: WatchTarget, settings: AttachSettings): Promise<Attached> {
	return target.kind === 'pid' ? attachToPid(target.pid, settings) : attachEndpoint(target, settings);
}
