/**
 * `--kube` as a user runs it, with a fake kubectl on PATH (no cluster here) that forwards to
 * real local targets and answers as kubectl does when a pod is missing, forbidden, without an
 * inspector, or when its port-forward dies.
 */
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import type {FleetReport} from '../../src/model/fleet-report.js';
import {test} from 'node:test';
import {assertFailsWith, assertOk, readReport, runCli, spawnCli} from '../helpers/cli.js';
import {type FakePod, fakeKubectlForFile} from '../helpers/fake-kubectl.js';
import {freePort} from '../helpers/fake-servers.js';
import {fixtureForFile, startTarget, tempDirForFile} from '../helpers/target.js';
import {isAlive, waitFor} from '../helpers/wait.js';
import {waitForOutput} from '../helpers/processes.js';

const dir = tempDirForFile('leaktop-cli-kube-');
const server = fixtureForFile('server');
const kubectl = fakeKubectlForFile();

const forwards = () => kubectl.calls().filter(c => c.args.includes('port-forward'));

test('--kube pod/NAME -n NS --context CTX: runs kubectl port-forward, attaches through it, and ends it on exit', async () => {
	kubectl.setPods({'pod/api-7d9': {port: server().port, namespace: 'prod'}});
	const report = join(dir, 'kube.json');
	const result = await runCli(['--kube', 'pod/api-7d9', '-n', 'prod', '--context', 'staging', '--headless', '--duration', '3s', '--report', report], {env: kubectl.env});
	assertOk(result);
	assert.equal(readReport(report).target?.pid, server().pid, 'attached to the pod\'s process');
	const [forward] = forwards();
	assert.equal(forward!.args, '--context staging --namespace prod port-forward pod/api-7d9 :9229 --address 127.0.0.1');
	await waitFor(() => !isAlive(forward!.pid), {what: 'kubectl port-forward ended with leaktop'});
});

test('kubectl\'s own messages: a missing pod, a forbidden one, and no kubectl at all; each exit 2 in one line', async () => {
	kubectl.setPods({'pod/locked': {port: server().port, forbidden: true}});
	assertFailsWith(await runCli(['--kube', 'pod/gone', '--headless'], {env: kubectl.env}), 'kubectl port-forward pod/gone failed: Error from server (NotFound): pods "gone" not found');
	assertFailsWith(await runCli(['--kube', 'gone', '-n', 'prod', '--headless'], {env: kubectl.env}), 'kubectl port-forward pod/gone in namespace prod failed: Error from server (NotFound): pods "gone" not found');
	assertFailsWith(
		await runCli(['--kube', 'pod/locked', '--headless'], {env: kubectl.env}),
		'kubectl port-forward pod/locked failed: Error from server (Forbidden): pods "locked" is forbidden: User "dev@example.com" cannot create resource "pods/portforward" in API group "" in the namespace "default"',
	);
	assertFailsWith(await runCli(['--kube', 'pod/api', '--headless'], {env: {...kubectl.env, PATH: dir}}), 'kubectl not found on PATH: --kube runs your own kubectl (or run kubectl port-forward yourself and use --port)');
});

test('a pod whose process has no inspector: how to open it, and --open-inspector opens it (SIGUSR1, logged and audited)', async () => {
	const inspectPort = await freePort();
	// Started without an inspector; SIGUSR1 opens one on inspectPort.
	const quiet = await startTarget('server', {nodeArgs: [`--inspect-port=127.0.0.1:${inspectPort}`], noInspect: true});
	try {
		kubectl.setPods({'pod/worker': {port: inspectPort, pid: quiet.pid}});
		const refused = await runCli(['--kube', 'pod/worker', '--headless', '--duration', '2s'], {env: kubectl.env});
		assertFailsWith(refused, 'nothing listens on port 9229 in pod/worker: its Node process has no inspector open. Open it with "kubectl exec pod/worker -- kill -USR1 1" (when node is the container\'s pid 1), or add --open-inspector for leaktop to do that');
		assert.ok(!kubectl.calls().some(c => c.args.includes('exec')), 'nothing was run in the pod without --open-inspector');
		assert.doesNotMatch(quiet.stderr(), /Debugger listening/, 'the target was not signalled');

		const report = join(dir, 'opened.json');
		const opened = await runCli(['--kube', 'pod/worker', '--open-inspector', '--headless', '--duration', '2s', '--report', report], {env: kubectl.env, timeoutMs: 30_000});
		assertOk(opened);
		assert.ok(kubectl.calls().some(c => c.args === 'exec pod/worker -- kill -USR1 1'));
		assert.match(quiet.stderr(), /Debugger listening on ws:\/\/127\.0\.0\.1:\d+/);
		const written = readReport(report);
		assert.equal(written.target?.pid, quiet.pid);
		assert.equal(written.audit.counts['open-inspector'], 1);
		assert.match(opened.stderr, /actions on the target: open-inspector 1, attach 1/);
	} finally {
		await quiet.kill();
	}
});

test('a port-forward that dies mid-session is started again on the same port and the session goes on', async () => {
	kubectl.setPods({'pod/flaky': {port: server().port, dieAfterMs: 1500}});
	const report = join(dir, 'flaky.json');
	const run = spawnCli(['--kube', 'pod/flaky', '--headless', '--duration', '8s', '--report', report], {env: kubectl.env});
	const {code} = await run.closed;
	assert.equal(code, 0, run.stderr());
	const starts = forwards().filter(c => c.args.includes('pod/flaky'));
	assert.equal(starts.length, 2, 'kubectl started twice');
	assert.match(starts[0]!.args, / :9229 /, 'the first lets kubectl pick the port');
	assert.match(starts[1]!.args, / \d+:9229 /, `the restart asks for the same local port: ${starts[1]!.args}`);
	const {log} = readReport(report);
	assert.ok(log.some(e => /^kubectl port-forward exited \(error: lost connection to pod\); starting it again on 127\.0\.0\.1:\d+$/.test(e.text)));
	assert.ok(log.some(e => /^kubectl port-forward forwards again/.test(e.text)));
	assert.ok(log.some(e => /^reconnected after \d+s: the same process$/.test(e.text)));
	for (const {pid} of starts) assert.equal(isAlive(pid), false);
});

test('SIGTERM to leaktop ends its kubectl too', async () => {
	kubectl.setPods({'pod/api': {port: server().port}});
	const run = spawnCli(['--kube', 'pod/api', '--headless'], {env: kubectl.env});
	await waitForOutput(run, 'stderr', /attached to pid/);
	const forward = forwards().at(-1)!;
	assert.ok(isAlive(forward.pid));
	process.kill(run.pid, 'SIGTERM');
	await run.closed;
	await waitFor(() => !isAlive(forward.pid), {what: 'kubectl ended'});
});

const second = fixtureForFile('server');

test('--kube deployment/NAME: one port-forward and one section per ready pod, under the fleet verdict', async () => {
	kubectl.setPods({
		'deployment/api': {namespace: 'prod', selector: {matchLabels: {app: 'api'}, matchExpressions: [{key: 'track', operator: 'In', values: ['stable', 'canary']}]}},
		'pod/api-7d9-a': {port: server().port, namespace: 'prod', labels: {app: 'api', track: 'stable'}},
		'pod/api-7d9-b': {port: second().port, namespace: 'prod', labels: {app: 'api', track: 'canary'}},
		'pod/api-7d9-c': {port: 1, namespace: 'prod', labels: {app: 'api', track: 'stable'}, ready: false},
		'pod/api-6c1-old': {port: 1, namespace: 'prod', labels: {app: 'api', track: 'stable'}, terminating: true},
		'pod/api-dev': {port: 1, namespace: 'prod', labels: {app: 'api', track: 'dev'}},
		'pod/worker-1': {port: 1, namespace: 'prod', labels: {app: 'worker', track: 'stable'}},
	});
	const report = join(dir, 'deployment.json');
	const result = await runCli(['--kube', 'deployment/api', '-n', 'prod', '--headless', '--duration', '3s', '--report', report], {env: kubectl.env});
	assertOk(result);
	const written = JSON.parse(readFileSync(report, 'utf8')) as FleetReport;
	assert.equal(written.title, 'deployment/api -n prod: 2 pods');
	assert.deepEqual(
		written.targets.map(t => [t.name, t.target?.pid]),
		[['pod/api-7d9-a', server().pid], ['pod/api-7d9-b', second().pid]],
	);
	assert.deepEqual(written.fleet.rows.map(r => r.name), ['pod/api-7d9-a', 'pod/api-7d9-b']);
	assert.match(written.fleet.headline, /^0 of 2 pods grow/);
	assert.ok(kubectl.calls().some(c => c.args === '--namespace prod get deployment/api -o json'));
	assert.ok(kubectl.calls().some(c => c.args === '--namespace prod get pods -l app=api,track in (stable,canary) -o json'));
	const started = forwards().filter(c => /api-7d9-[ab] /.test(c.args));
	assert.equal(started.length, 2, 'a port-forward per ready pod, none for the others');
	for (const {pid} of started) await waitFor(() => !isAlive(pid), {what: `kubectl ${pid} ended with leaktop`});
	assert.match(result.stderr, /^leaktop: attached to deployment\/api -n prod: 2 pods: pod\/api-7d9-a \(pid \d+\), pod\/api-7d9-b \(pid \d+\)/m);
	assert.match(result.stderr, /^leaktop: pod\/api-7d9-a: (no leak|collecting evidence); pid \d+/m);
});

test('a deployment: no ready pods, kubectl refusing, or one pod without an inspector; each exit 2 in one line, every port-forward ended', async () => {
	kubectl.setPods({
		'deployment/idle': {selector: {matchLabels: {app: 'idle'}}},
		'pod/idle-1': {port: 1, labels: {app: 'idle'}, ready: false},
		'deployment/locked': {selector: {matchLabels: {app: 'x'}}, forbidden: true},
		'deployment/half': {selector: {matchLabels: {app: 'half'}}},
		'pod/half-1': {port: server().port, labels: {app: 'half'}},
		'pod/half-2': {port: await freePort(), labels: {app: 'half'}},
	});
	assertFailsWith(await runCli(['--kube', 'deployment/idle', '--headless'], {env: kubectl.env}), 'deployment/idle has no ready pods (1 pod match app=idle)');
	assertFailsWith(await runCli(['--kube', 'deploy/gone', '--headless'], {env: kubectl.env}), 'kubectl get deploy/gone failed: Error from server (NotFound): deployments.apps "gone" not found');
	assertFailsWith(await runCli(['--kube', 'deployment/locked', '--headless'], {env: kubectl.env}), /kubectl get deployment\/locked failed: Error from server \(Forbidden\): deployments\.apps "locked" is forbidden/);
	const half = await runCli(['--kube', 'deployment/half', '--headless', '--duration', '2s'], {env: kubectl.env});
	assertFailsWith(half, 'pod/half-2: nothing listens on port 9229 in pod/half-2: its Node process has no inspector open');
	for (const {pid} of forwards().filter(c => c.args.includes('pod/half-'))) await waitFor(() => !isAlive(pid), {what: 'the healthy pod\'s kubectl ended too'});
});

test('a deployment of 11 pods: one port-forward each, and no listener warning from Node', async () => {
	const pods: Record<string, FakePod> = {'deployment/big': {selector: {matchLabels: {app: 'big'}}}};
	// Every pod forwards to the same local target: the session cannot tell, as it cannot with real pods.
	for (let i = 0; i < 11; i++) pods[`pod/big-${String(i).padStart(2, '0')}`] = {port: server().port, labels: {app: 'big'}};
	kubectl.setPods(pods);
	const report = join(dir, 'big.json');
	const result = await runCli(['--kube', 'deployment/big', '--headless', '--duration', '2s', '--census', 'off', '--report', report], {env: kubectl.env, timeoutMs: 60_000});
	assertOk(result);
	assert.doesNotMatch(result.stderr, /MaxListenersExceededWarning|Warning/);
	const written = JSON.parse(readFileSync(report, 'utf8')) as FleetReport;
	assert.equal(written.targets.length, 11);
	for (const {pid} of forwards().filter(c => c.args.includes('pod/big-'))) await waitFor(() => !isAlive(pid), {what: `kubectl ${pid} ended`});
});

test('a pod deleted mid-session (a rollout): its row ends, its kubectl is not started again and again, the other pods go on', async () => {
	const pods: Record<string, FakePod> = {
		'deployment/roll': {selector: {matchLabels: {app: 'roll'}}},
		'pod/roll-a': {port: server().port, labels: {app: 'roll'}},
		'pod/roll-b': {port: second().port, labels: {app: 'roll'}, dieAfterMs: 1500},
	};
	kubectl.setPods(pods);
	const report = join(dir, 'roll.json');
	const run = spawnCli(['--kube', 'deployment/roll', '--headless', '--duration', '9s', '--no-reconnect', '--census', 'off', '--report', report], {env: kubectl.env});
	await waitForOutput(run, 'stderr', /attached to deployment\/roll: 2 pods/);
	// The pod is gone from the API: every kubectl started for it from now on says NotFound.
	const {'pod/roll-b': _deleted, ...rest} = pods;
	kubectl.setPods(rest);
	const {code} = await run.closed;
	assert.equal(code, 2, run.stderr());
	assert.match(run.stderr(), /^leaktop: pod\/roll-b went away: /m);
	const starts = forwards().filter(c => c.args.includes('pod/roll-b'));
	assert.ok(starts.length <= 2, `kubectl for the deleted pod started ${starts.length} times in 9 s`);
	const written = JSON.parse(readFileSync(report, 'utf8')) as FleetReport;
	assert.deepEqual(written.fleet.rows.map(r => [r.name, r.status]), [['pod/roll-a', 'collecting evidence'], ['pod/roll-b', 'ended']]);
	assert.ok(written.targets[0]!.samples.length >= 7, 'pod/roll-a was sampled to the end');
});
