import assert from 'node:assert/strict';
import {test} from 'node:test';
import {isReady, isWorkload, selectorText} from '../../src/kube/pods.js';

test('workloads are attached pod by pod; a pod or a service is one target', () => {
	for (const resource of ['deployment/api', 'deploy/api', 'statefulset/db', 'sts/db', 'daemonset/agent', 'ds/agent', 'replicaset/api-7d9', 'Deployment/api']) assert.ok(isWorkload(resource), resource);
	for (const resource of ['pod/api', 'svc/api', 'service/api']) assert.ok(!isWorkload(resource), resource);
});

test('a label selector as kubectl get -l takes it: labels, then set-based expressions', () => {
	assert.equal(selectorText({matchLabels: {app: 'api', tier: 'web'}}), 'app=api,tier=web');
	assert.equal(
		selectorText({
			matchLabels: {app: 'api'},
			matchExpressions: [
				{key: 'track', operator: 'In', values: ['stable', 'canary']},
				{key: 'zone', operator: 'NotIn', values: ['eu']},
				{key: 'managed', operator: 'Exists'},
				{key: 'legacy', operator: 'DoesNotExist'},
			],
		}),
		'app=api,track in (stable,canary),zone notin (eu),managed,!legacy',
	);
	assert.equal(selectorText({}), '');
});

test('ready: running, Ready, and not terminating (old pods of a rollout stay Ready while they go)', () => {
	const pod = (phase: string, ready: string, deletionTimestamp?: string) => ({metadata: {name: 'p', ...(deletionTimestamp ? {deletionTimestamp} : {})}, status: {phase, conditions: [{type: 'PodScheduled', status: 'True'}, {type: 'Ready', status: ready}]}});
	assert.ok(isReady(pod('Running', 'True')));
	assert.ok(!isReady(pod('Running', 'False')));
	assert.ok(!isReady(pod('Pending', 'False')));
	assert.ok(!isReady(pod('Running', 'True', '2026-11-26T06:00:00Z')));
	assert.ok(!isReady({}));
});
