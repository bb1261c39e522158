import {ConnectError} from '../errors.js';
import {type KubeTarget, openInspectorInPod, PortForward, refusedInPod} from '../kube/port-forward.js';
import {formatAddress} from '../inspector/endpoint.js';
import {type Endpoint, Monitor, type MonitorOptions} from '../inspector/monitor.js';
import {openInspector} from '../inspector/pid.js';
import {type Event, initialState} from '../model/state.js';
import {createStore, type Store} from '../store.js';

export type WatchTarget = Endpoint | {kind: 'pid'; pid: number} | {kind: 'kube'; kube: KubeTarget; openInspector: boolean; kubectl?: string};

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
	/** Ends what the attach started besides the session (kubectl port-forward); call after `monitor.stop`. */
	release?: () => Promise<void>;
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

/** How long a freshly signalled process may take to open its inspector. */
const inspectorOpensWithinMs = 10_000;

/**
 * `--kube`: starts kubectl port-forward, attaches through it, and hands back its stop. A pod
 * whose process has no inspector open shows as "connection refused" in kubectl's stderr.
 */
async function attachToKube({kube, openInspector, kubectl}: Extract<WatchTarget, {kind: 'kube'}>, settings: AttachSettings): Promise<Attached> {
	let store: Store | undefined;
	const forward = await PortForward.start(kube, {kubectl, onLog: (level, text) => store?.dispatch({type: 'log', t: Date.now(), level, text})});
	const endpoint: Endpoint = {kind: 'address', address: {host: '127.0.0.1', port: forward.localPort}};
	try {
		let attached: Attached;
		let opened: string | undefined;
		try {
			attached = await attachEndpoint(endpoint, settings);
		} catch (error) {
			// kubectl writes its "connection refused" a moment after it closes the local socket.
			const refused = error instanceof ConnectError && (await waitUntil(() => refusedInPod(forward.stderr), 1000));
			if (!refused) throw error;
			const where = `${kube.resource}${kube.namespace ? ` -n ${kube.namespace}` : ''}`;
			if (!openInspector) {
				throw new ConnectError(`nothing listens on port ${kube.remotePort} in ${kube.resource}: its Node process has no inspector open. Open it with "kubectl exec ${where} -- kill -USR1 1" (when node is the container's pid 1), or add --open-inspector for leaktop to do that`);
			}
			opened = await openInspectorInPod(kube, {kubectl});
			attached = await retryAttach(endpoint, settings, inspectorOpensWithinMs);
		}
		store = attached.store;
		if (opened) store.dispatch({type: 'inspector-opened', t: Date.now(), how: opened});
		return {...attached, release: () => forward.stop()};
	} catch (error) {
		await forward.stop();
		throw error;
	}
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) return false;
		await new Promise(resolve => setTimeout(resolve, 25));
	}
	return true;
}

/** Attaches, trying again while the endpoint refuses, until `timeoutMs` has passed. */
async function retryAttach(endpoint: Endpoint, settings: AttachSettings, timeoutMs: number): Promise<Attached> {
	const deadline = Date.now() + timeoutMs;
	for (let attempt = 1; ; attempt++) {
		try {
			return await attachEndpoint(endpoint, settings);
		} catch (error) {
			if (!(error instanceof ConnectError) || Date.now() > deadline) throw error;
			await new Promise(resolve => setTimeout(resolve, Math.min(1000, 100 * attempt)));
		}
	}
}

/** Attaches to an address, a WebSocket URL, a local pid or a Kubernetes pod, with a store fed by the monitor. */
export function attachTarget(target: WatchTarget, settings: AttachSettings): Promise<Attached> {
	if (target.kind === 'pid') return attachToPid(target.pid, settings);
	if (target.kind === 'kube') return attachToKube(target, settings);
	return attachEndpoint(target, settings);
}
