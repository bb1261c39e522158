import {Box, Text} from 'ink';
import {shortFrame} from '../model/allocations.js';
import type {Finding} from '../model/findings.js';
import {downsample, sparkline} from '../model/sparkline.js';
import {LiveText} from './LiveText.js';

export interface FindingsPanelProps {
	findings: readonly Finding[];
	selected: number;
	/** The selected finding's evidence instead of the list. */
	open: boolean;
	width: number;
	lines: number;
	/** The selected finding's series over the session: its chart. */
	series: readonly number[];
}

/** Wraps text to `width` columns at spaces: the sentences are longer than a line. */
function wrap(text: string, width: number, indent = ''): string[] {
	const out: string[] = [];
	let line = '';
	for (const word of text.split(' ')) {
		if (line !== '' && line.length + 1 + word.length > width) {
			out.push(line);
			line = indent + word;
		} else line = line === '' ? word : `${line} ${word}`;
	}
	if (line !== '') out.push(line);
	return out;
}

function evidenceLines(finding: Finding, width: number): string[] {
	const site = finding.site ? `${finding.site.functionName || '(anonymous)'} ${finding.site.url}:${finding.site.line}` : 'not known';
	return [
		...wrap(finding.sentence, width),
		'',
		'evidence:',
		...finding.evidence.flatMap(line => wrap(line, width - 2).map(part => `  ${part}`)),
		`site: ${site}`,
		...(finding.stack.length > 0 ? ['stack:', ...finding.stack.slice(0, 8).map(frame => `  ${shortFrame(frame)}`)] : []),
		...(finding.retainers.length > 0 ? ['retained (object first, then what holds it):', ...finding.retainers.slice(0, 8).map((line, i) => `  ${i === 0 ? '' : '<- '}${line}`)] : []),
		...wrap(`fix: ${finding.advice.text} (Node docs: ${finding.advice.docs}, ${finding.advice.url})`, width, '  '),
	];
}

/** Findings, most confident first: up/down select one, enter opens its evidence, esc closes it. */
export function FindingsPanel({findings, selected, open, width, lines, series}: FindingsPanelProps) {
	const index = Math.min(selected, Math.max(0, findings.length - 1));
	if (findings.length === 0) {
		return (
			<Box flexDirection="column">
				<Text bold>findings</Text>
				<Text dimColor>none: nothing grows that names a pattern yet (growth needs about 30 s of floors)</Text>
			</Box>
		);
	}
	const body = lines - 1;
	if (open) {
		const finding = findings[index]!;
		const label = finding.series ? `${finding.series.name} ` : '';
		const chart = series.length > 1 ? [`${label}${sparkline(downsample(series, width - label.length), width - label.length)}`] : [];
		const shown = [...chart, ...evidenceLines(finding, width)].slice(0, body);
		return (
			<Box flexDirection="column">
				<Text bold>finding {index + 1}/{findings.length}: {finding.pattern} <Text dimColor>(esc: back to the list)</Text></Text>
				<LiveText lines={shown} width={width} />
			</Box>
		);
	}
	const first = Math.min(Math.max(0, index - body + 1), Math.max(0, findings.length - body));
	return (
		<Box flexDirection="column">
			<Text bold>findings <Text dimColor>(most confident first; enter: the evidence)</Text></Text>
			{findings.slice(first, first + body).map((finding, i) => (
				<LiveText key={first + i} lines={[`${first + i === index ? '>' : ' '} ${finding.pattern} ${Math.round(finding.confidence * 100)} %: ${finding.sentence}`]} width={width} inverse={first + i === index} />
			))}
		</Box>
	);
}
