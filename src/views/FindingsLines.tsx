import type {Finding} from '../model/findings.js';
import {LiveText} from './LiveText.js';

export interface FindingsLinesProps {
	findings: readonly Finding[];
	width: number;
}

/** The leak named, a line per finding under the verdict: pattern, confidence, the sentence. */
export function FindingsLines({findings, width}: FindingsLinesProps) {
	// Rates in the sentences change with every sample: LiveText keeps them out of Ink's caches.
	const lines = findings.map(f => `» ${f.pattern} ${Math.round(f.confidence * 100)} %: ${f.sentence}`);
	return <LiveText lines={lines} width={width} color={findings[0]!.pattern === 'unknown' ? 'yellow' : 'red'} />;
}
