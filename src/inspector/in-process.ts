import {EventEmitter} from 'node:events';
import {Session} from 'node:inspector';
import {LeaktopError} from '../errors.js';
import {InspectorSession, type Transport} from './session.js';

/**
 * The agent's connection: Node's in-process `inspector.Session`, which talks to this process's
 * own V8 inspector without opening a port. Debugger methods are refused here, whoever asks:
 * in-process, a pause would stop the very thread that would have to resume it.
 */
class InProcessTransport extends EventEmitter implements Transport {
	readonly #session = new Session();
	#connected = true;

	constructor() {
		super();
		this.#session.connect();
		this.#session.on('inspectorNotification', message => this.emit(message.method, message.params));
	}

	send(method: string, params?: object): Promise<unknown> {
		if (method.startsWith('Debugger.')) return Promise.reject(new LeaktopError(`${method}: the agent never uses the Debugger domain`));
		if (!this.#connected) return Promise.reject(new LeaktopError(`${method}: the in-process session is closed`));
		return new Promise((resolve, reject) => {
			// node's typings overload post per method; this bridge takes any method by name.
			(this.#session.post as (m: string, p: object | undefined, cb: (error: Error | null, result?: unknown) => void) => void)(method, params, (error, result) => (error ? reject(error) : resolve(result)));
		});
	}

	async close(): Promise<void> {
		if (!this.#connected) return;
		this.#connected = false;
		this.#session.disconnect();
		this.emit('disconnect');
	}
}

/** A session with this process's own inspector: no port, no WebSocket. */
export function inProcessSession(): InspectorSession {
	return new InspectorSession(new InProcessTransport());
}
