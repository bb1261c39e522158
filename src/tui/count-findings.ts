import {findingsFor} from '../model/findings.js';
import {computeVerdict, type VerdictOptions} from '../model/verdict.js';
import type {Store} from '../store.js';

/** The findings the screen shows now, counted as the App computes them (on enter only: it sorts every site). */
export function countFindings(store: Store, verdictOptions: VerdictOptions): number {
	const state = store.getState();
	return findingsFor(state, computeVerdict(state, verdictOptions), state.snapshotEvidence).length;
}
