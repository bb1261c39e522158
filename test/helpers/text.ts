/** `text` as a RegExp source that matches it literally. */
export const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The exit summary's lines (src/model/summary.ts): what leaktop prints on stderr as it ends. */
const summaryLine = /^leaktop: (session|verdict|growing|top allocation sites|files|actions on the target): /;

/** leaktop's stderr lines in `text` that are not its exit summary: errors, stack traces. */
export function linesBesidesSummary(text: string): string[] {
	return text.split('\n').filter(line => (/leaktop: /.test(line) && !summaryLine.test(line.trimStart())) || /^\s+at /.test(line));
}
