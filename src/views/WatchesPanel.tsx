import {Box, Text} from 'ink';
import {formatSignedCount} from '../model/format.js';
import {sparkline} from '../model/sparkline.js';
import type {Signal} from '../model/verdict.js';
import type {WatchSeries} from '../model/watches.js';
import {verdictColor} from './MemoryPanel.js';
import {LiveText} from './LiveText.js';

export interface WatchesPanelProps {
	watches: readonly WatchSeries[];
	/** One signal per watch, by expression. */
	signals: readonly Signal[];
	width: number;
	lines: number;
}

const idWidth = 4;
const valueWidth = 16;
const slopeWidth = 10;

/** `:watch` expressions: the last reading, and for numbers a trend and their growth per hour. */
export function WatchesPanel({watches, signals, width, lines}: WatchesPanelProps) {
	const expressionWidth = Math.max(12, Math.floor((width - idWidth - valueWidth - slopeWidth) / 2));
	const sparkWidth = Math.max(4, width - idWidth - expressionWidth - valueWidth - slopeWidth - 2);
	const shown = watches.slice(0, Math.max(1, lines - 1));
	return (
		<Box flexDirection="column" width={width}>
			<Box>
				<Box width={idWidth}><Text dimColor>#</Text></Box>
				<Box width={expressionWidth}><Text dimColor>watch</Text></Box>
				<Box width={valueWidth} justifyContent="flex-end"><Text dimColor>now</Text></Box>
				<Box width={slopeWidth} justifyContent="flex-end"><Text dimColor>per hour</Text></Box>
				<Box marginLeft={2}><Text dimColor>trend</Text></Box>
			</Box>
			{shown.length === 0 && <Text dimColor wrap="truncate">no watches: type :watch EXPR (side-effect free, read every sample), or start with --watch</Text>}
			{shown.map(watch => {
				const signal = signals.find(s => s.kind === 'watch' && s.series === watch.expression);
				const numeric = watch.points.items.length > 0;
				return (
					<Box key={watch.id}>
						<Box width={idWidth}><Text dimColor>{watch.id}</Text></Box>
						<Box width={expressionWidth}><Text wrap="truncate">{watch.expression}</Text></Box>
						{watch.error ? (
							<Box flexGrow={1} marginLeft={1}><Text color="red" wrap="truncate">{watch.error}</Text></Box>
						) : (
							<>
								{numeric ? (
									<LiveText lines={[watch.text ?? '...']} width={valueWidth} align="right" bold />
								) : (
									// Text can hold wide characters, which LiveText's column count would misplace.
									<Box width={valueWidth} justifyContent="flex-end"><Text bold wrap="truncate">{watch.text ?? '...'}</Text></Box>
								)}
								<LiveText lines={[!numeric || !signal ? '' : signal.verdict === 'warming up' ? '...' : formatSignedCount(Math.round(signal.slopePerHour))]} width={slopeWidth} align="right" color={signal ? verdictColor[signal.verdict] : undefined} />
								<Box marginLeft={2}><LiveText lines={[sparkline(watch.points.items.map(p => p.v), sparkWidth)]} width={sparkWidth} color="cyan" /></Box>
							</>
						)}
					</Box>
				);
			})}
		</Box>
	);
}
