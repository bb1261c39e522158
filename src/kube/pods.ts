/**
 * `--kube deployment/NAME` (or a statefulset, daemonset, replicaset): the workload's ready pods,
 * read with the user's own kubectl through the workload's label selector, one target each.
 */
import {ConnectError} from '../errors.js';
import {describeResource, type KubeTarget, kubectlArgs, kubectlMessage, runKubectl} from './kubectl.js';

/** Resource kinds whose pods leaktop attaches to one by one, as kubectl spells them. */
const workloadKinds = new Set(['deployment', 'deployments', 'deploy', 'statefulset', 'statefulsets', 'sts', 'daemonset', 'daemonsets', 'ds', 'replicaset', 'replicasets', 'rs']);

/** Whether `--kube` names a workload (several pods) rather than one pod or a service. */
export function isWorkload(resource: string): boolean {
	return workloadKinds.has(resource.split('/')[0]!.toLowerCase());
}

interface LabelSelector {
	matchLabels?: Record<string, string>;
	matchExpressions?: Array<{key: string; operator: string; values?: string[]}>;
}

/** A workload's selector as `kubectl get -l` takes it: `app=api,tier in (web,edge)`. */
export function selectorText({matchLabels = {}, matchExpressions = []}: LabelSelector): string {
	const parts = Object.entries(matchLabels).map(([key, value]) => `${key}=${value}`);
	for (const {key, operator, values = []} of matchExpressions) {
		if (operator === 'In') parts.push(`${key} in (${values.join(',')})`);
		else if (operator === 'NotIn') parts.push(`${key} notin (${values.join(',')})`);
		else if (operator === 'Exists') parts.push(key);
		else if (operator === 'DoesNotExist') parts.push(`!${key}`);
	}
	return parts.join(',');
}

interface PodItem {
	metadata?: {name?: string; deletionTimestamp?: string};
	status?: {phase?: string; conditions?: Array<{type?: string; status?: string}>};
}

/** Running, Ready, and not on its way out (a rollout's old pods keep Ready while they terminate). */
export function isReady(pod: PodItem): boolean {
	return pod.status?.phase === 'Running' && pod.metadata?.deletionTimestamp === undefined && (pod.status.conditions ?? []).some(c => c.type === 'Ready' && c.status === 'True');
}

const kubectlTimeoutMs = 30_000;

async function getJson(workload: KubeTarget, args: string[], {kubectl, signal}: KubectlOptions): Promise<unknown> {
	const {code, stdout, stderr} = await runKubectl(kubectlArgs(workload, 'get', ...args, '-o', 'json'), {kubectl, timeoutMs: kubectlTimeoutMs, signal});
	// `kubectl get deployment/api in namespace prod`: the workload's own name reads as the resource.
	const what = `kubectl get ${describeResource({...workload, resource: args.join(' ')})}`;
	if (code !== 0) throw new ConnectError(`${what} failed: ${kubectlMessage(stderr)}`);
	try {
		return JSON.parse(stdout) as unknown;
	} catch {
		throw new ConnectError(`${what} did not answer JSON`);
	}
}

/** The ready pods of a workload, `pod/NAME` each, sorted; a workload with none is an error. */
interface KubectlOptions {
	kubectl?: string;
	/** Ctrl-C while kubectl waits on a slow API server: it is ended at once. */
	signal?: AbortSignal;
}

export async function readyPods(workload: KubeTarget, options: KubectlOptions = {}): Promise<string[]> {
	const object = (await getJson(workload, [workload.resource], options)) as {spec?: {selector?: LabelSelector}};
	const selector = selectorText(object.spec?.selector ?? {});
	if (selector === '') throw new ConnectError(`${describeResource(workload)} has no label selector to find its pods by`);
	const list = (await getJson(workload, ['pods', '-l', selector], options)) as {items?: PodItem[]};
	const items = list.items ?? [];
	const ready = items
		.filter(isReady)
		.map(pod => `pod/${pod.metadata!.name!}`)
		.sort();
	if (ready.length === 0) throw new ConnectError(`${describeResource(workload)} has no ready pods (${items.length} pod${items.length === 1 ? '' : 's'} match ${selector})`);
	return ready;
}
