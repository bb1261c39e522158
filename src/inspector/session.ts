import CDP from 'chrome-remote-interface';
import type {ProtocolMapping} from 'devtools-protocol/types/protocol-mapping.js';
import {ConnectError, TargetGoneError, TimeoutError} from '../errors.js';

type Commands = ProtocolMapping.Commands;
export type Method = keyof Commands;
export type Params<M extends Method> = Commands[M]['paramsType'][0];
export type Result<M extends Method> = Commands[M]['returnType'];

export const connectTimeoutMs = 5000;
export const defaultCallTimeoutMs = 10_000;

/** Rejects with a TimeoutError when `promise` has not settled within `ms`; clears its timer either way. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const deadline = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new TimeoutError(`${what} did not answer within ${ms / 1000}s`)), ms);
	});
	try {
		return await Promise.race([promise, deadline]);
	} finally {
		clearTimeout(timer);
	}
}

/**
 * What a session needs of its connection. chrome-remote-interface's client has this shape; so
 * does the agent's in-process one (in-process.ts). A `disconnect` event says the connection is gone.
 */
export interface Transport {
	send(method: string, params?: object): Promise<unknown>;
	on(event: string, listener: (params: unknown) => void): unknown;
	removeListener(event: string, listener: (params: unknown) => void): unknown;
	close(): Promise<void>;
}

/**
 * One CDP connection to one target. Every call has a deadline; `onClose` tells its listeners
 * once when the socket goes away for any reason; `close()` is safe to call more than once.
 */
export class InspectorSession {
	#client: Transport;
	#closed = false;
	#spentMs = 0;
	#closeListeners = new Set<(reason: string) => void>();

	constructor(client: Transport) {
		this.#client = client;
		client.on('disconnect', () => this.#markClosed('connection to the target closed: the process exited or the port-forward dropped'));
	}

	static async connect(webSocketUrl: string, timeoutMs = connectTimeoutMs): Promise<InspectorSession> {
		const pending = CDP({target: webSocketUrl, local: true});
		try {
			// The client is an EventEmitter at run time; its typings declare only its own `on` overloads.
			return new InspectorSession((await withTimeout(pending, timeoutMs, `the inspector WebSocket ${webSocketUrl}`)) as unknown as Transport);
		} catch (error) {
			// A connection that completes after we gave up must not linger as a second session.
			pending.then(client => client.close(), () => undefined);
			if (error instanceof TimeoutError) throw new ConnectError(error.message);
			throw new ConnectError(`cannot open the inspector WebSocket ${webSocketUrl}: ${(error as Error).message}`);
		}
	}

	get closed(): boolean {
		return this.#closed;
	}

	async send<M extends Method>(method: M, params?: Params<M>, timeoutMs = defaultCallTimeoutMs): Promise<Result<M>> {
		if (this.#closed) throw new TargetGoneError(`${method}: the connection to the target is closed`);
		const started = performance.now();
		const call = this.#client.send(method, params) as Promise<Result<M>>;
		try {
			return await withTimeout(call, timeoutMs, method);
		} catch (error) {
			if (this.#closed) throw new TargetGoneError(`${method}: the connection to the target closed`);
			throw error;
		} finally {
			this.#spentMs += performance.now() - started;
		}
	}

	/**
	 * Time the calls took until answered: in-process, time on the app's main thread; over a
	 * WebSocket, round trips (an upper bound on the target's share).
	 */
	get spentMs(): number {
		return this.#spentMs;
	}

	/**
	 * Node-only domains (NodeRuntime, NodeWorker) are not in devtools-protocol's typings, so
	 * they go through here with the same deadline.
	 */
	async sendNode(method: `Node${string}`, params: object, timeoutMs = defaultCallTimeoutMs): Promise<unknown> {
		if (this.#closed) throw new TargetGoneError(`${method}: the connection to the target is closed`);
		return withTimeout(this.#client.send(method, params), timeoutMs, method);
	}

	/** Listens to one CDP event by name; returns an unsubscribe, like chrome-remote-interface's helpers. */
	on(event: string, listener: (params: unknown) => void): () => void {
		this.#client.on(event, listener);
		return () => {
			this.#client.removeListener(event, listener);
		};
	}

	/** Calls `listener` once when the connection closes; returns an unsubscribe. */
	onClose(listener: (reason: string) => void): () => void {
		this.#closeListeners.add(listener);
		return () => this.#closeListeners.delete(listener);
	}

	async close(): Promise<void> {
		if (this.#closed) return;
		this.#markClosed('detached');
		await withTimeout(this.#client.close(), 2000, 'closing the inspector WebSocket').catch(() => undefined);
	}

	#markClosed(reason: string): void {
		if (this.#closed) return;
		this.#closed = true;
		for (const listener of this.#closeListeners) listener(reason);
		this.#closeListeners.clear();
	}
}
