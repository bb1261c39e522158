import {Text} from 'ink';
import {headline, isCollectingEvidence, type LeakVerdict} from '../model/verdict.js';

export interface VerdictLineProps {
	verdict: LeakVerdict;
	width: number;
}

export function VerdictLine({verdict, width}: VerdictLineProps) {
	const warming = isCollectingEvidence(verdict);
	const color = verdict.leak ? 'red' : warming ? 'yellow' : 'green';
	const label = verdict.leak ? 'LEAK' : warming ? 'WAIT' : 'OK';
	return (
		<Text wrap="truncate">
			<Text inverse bold color={color}> {label} </Text> <Text color={color}>{headline(verdict).slice(0, width - 8)}</Text>
		</Text>
	);
}
