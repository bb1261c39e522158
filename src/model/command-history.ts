/**
 * The command line's history, pure: up and down walk it like a shell's, and the line being
 * typed comes back after the newest entry. The TUI keeps it in a file between runs.
 */

/** Lines kept: enough for weeks of sessions, small enough to read at every start. */
export const historyLimit = 500;

/** Adds a run line: not blank lines, not the same line twice in a row; the oldest go first. */
export function withLine(entries: readonly string[], line: string): string[] {
	const trimmed = line.trim();
	if (trimmed === '' || entries.at(-1) === trimmed) return [...entries];
	return [...entries, trimmed].slice(-historyLimit);
}

export interface HistoryWalk {
	/** Index of the entry shown; null while on the line being typed. */
	index: number | null;
	/** The line being typed, kept while the walk shows older ones. */
	draft: string;
}

export const startWalk: HistoryWalk = {index: null, draft: ''};

/** `up`: the entry before the one shown (from the typed line: the newest); the text to show. */
export function older(entries: readonly string[], walk: HistoryWalk, current: string): {walk: HistoryWalk; text: string} {
	if (entries.length === 0) return {walk, text: current};
	const index = walk.index === null ? entries.length - 1 : Math.max(0, walk.index - 1);
	const draft = walk.index === null ? current : walk.draft;
	return {walk: {index, draft}, text: entries[index]!};
}

/** `down`: the entry after the one shown, then the typed line again. */
export function newer(entries: readonly string[], walk: HistoryWalk, current: string): {walk: HistoryWalk; text: string} {
	if (walk.index === null) return {walk, text: current};
	if (walk.index + 1 >= entries.length) return {walk: startWalk, text: walk.draft};
	return {walk: {index: walk.index + 1, draft: walk.draft}, text: entries[walk.index + 1]!};
}
