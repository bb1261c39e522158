/** The overview of several targets at the sizes users run it: columns, narrow names, scrolling, the selected row. */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {render} from 'ink-testing-library';
import stringWidth from 'string-width';
import type {FleetRow} from '../../src/model/fleet.js';
import {fleetVerdict} from '../../src/model/fleet.js';
import {FleetScreen} from '../../src/views/FleetScreen.js';

const ansi = /\u001b\[[0-9;]*m/g;
const plain = (text: string) => text.replace(ansi, '');

function row(i: number, overrides: Partial<FleetRow> = {}): FleetRow {
	return {
		name: `pod/api-7d9f8c6b5-x${i}z4q`,
		pid: 1,
		heapUsed: 60_000_000 + i * 1_000_000,
		floorSlopePerHour: 11_000_000 + i * 500_000,
		resources: 14,
		resourcesGrowth: i === 2 ? 3 : 0,
		status: 'no leak',
		headline: 'no sustained growth yet',
		verdictText: 'no leak',
		restarts: i === 1 ? 2 : 0,
		leading: null,
		...overrides,
	};
}

function frame(targets: FleetRow[], {columns = 80, rows = 24, selected = 0} = {}): string {
	const {lastFrame, unmount} = render(<FleetScreen title={`deployment/api -n prod: ${targets.length} pods`} targets={targets} fleet={fleetVerdict(targets, 'pods')} selected={selected} columns={columns} rows={rows} timeLeftMs={null} />);
	const text = plain(lastFrame() ?? '');
	unmount();
	return text;
}

const heapSignal: FleetRow['leading'] = {kind: 'heap', series: 'heapUsed', verdict: 'growing', slopePerHour: 11_000_000, unit: 'bytes', confidence: 0.98, points: 12, spanMs: 3_600_000, current: 60_000_000, floor: 58_000_000, growth: 11_000_000, limit: null, timeToLimitMs: null};

test('80 columns: every column and a readable verdict fit; long pod names keep their distinct end', () => {
	const text = frame([row(0, {status: 'leak', verdictText: 'leak (98 %)', leading: heapSignal}), row(1), row(2, {status: 'reconnecting', verdictText: 'reconnecting'})]);
	for (const line of text.split('\n')) assert.ok(stringWidth(line) <= 80, `wider than 80: ${line}`);
	assert.match(text, /^leaktop deployment\/api -n prod: 3 pods/m);
	assert.match(text, /^ LEAK  1 of 3 pods grow 11 MB\/h/m);
	assert.match(text, /TARGET +PID +HEAP +FLOOR RESOURCES RESTARTS +VERDICT/);
	// `pod/api-7d9f8c6b5-x0z4q` is 23 columns; the name column keeps its end, where pods differ.
	assert.match(text, /^…\S*x0z4q +1 +60\.0 MB +\+11\.0 MB\/h +14 +0 +leak \(98 %\)$/m);
	assert.match(text, /^…\S*x1z4q .* 2 +no leak$/m, 'restarts');
	assert.match(text, /^…\S*x2z4q .* 14 \+3 +0 +reconnecting$/m, 'resources grow since the baseline');
	assert.match(text, /up prev +down next +enter open +q quit/);
});

test('wide: whole names; more targets than rows: the selected one stays in view, and the footer says which are shown', () => {
	const many = Array.from({length: 30}, (_, i) => row(i));
	const top = frame(many, {columns: 120, rows: 20});
	assert.match(top, /^pod\/api-7d9f8c6b5-x0z4q /m);
	assert.match(top, /1-14 of 30/);
	const bottom = frame(many, {columns: 120, rows: 20, selected: 29});
	assert.match(bottom, /^pod\/api-7d9f8c6b5-x29z4q /m);
	assert.doesNotMatch(bottom, /^pod\/api-7d9f8c6b5-x0z4q /m);
	assert.match(bottom, /17-30 of 30/);
});

test('no leak, but a target ended: GONE, not OK', () => {
	assert.match(frame([row(0), row(1, {status: 'ended', verdictText: 'ended: the target exited'})], {columns: 100}), /^ GONE  0 of 2 pods grow \(1 ended\)/m);
	assert.match(frame([row(0), row(1)], {columns: 100}), /^ OK  0 of 2 pods grow$/m);
});

test('nothing read yet: dashes, not zeros', () => {
	const text = frame([row(0, {pid: null, heapUsed: null, floorSlopePerHour: null, resources: null, status: 'collecting evidence', verdictText: 'warming up'})], {columns: 100});
	assert.match(text, /^pod\/api-7d9f8c6b5-x0z4q +- +- +- +- +0 +warming up$/m);
	assert.match(text, /^ WAIT  0 of 1 pods grow \(1 still collecting evidence\)/m);
});
