/** The one table of keys: it drives input handling, the footer and the help overlay. */
export type Command = 'gc' | 'baseline' | 'census' | 'panel' | 'pause' | 'help' | 'quit';

export interface Binding {
	/** The key as typed; `ctrl+c` style for modified keys. */
	keys: readonly string[];
	command: Command;
	/** Short word for the footer. */
	label: string;
	/** One line for the help overlay. */
	help: string;
	/** Keys shown in the footer; the rest appear in help only. */
	inFooter: boolean;
}

export const bindings: readonly Binding[] = [
	{keys: ['g'], command: 'gc', label: 'gc', help: 'force a full GC; logs heapUsed before -> after', inFooter: true},
	{keys: ['b'], command: 'baseline', label: 'baseline', help: 'mark now as the baseline; growth counts from here', inFooter: true},
	{keys: ['l'], command: 'census', label: 'listeners', help: 'count listeners per emitter and event now (walks the heap)', inFooter: true},
	{keys: ['tab'], command: 'panel', label: 'panel', help: 'cycle the lower panel: chart, resources, listeners', inFooter: true},
	{keys: ['p'], command: 'pause', label: 'pause', help: 'freeze the view (sampling goes on)', inFooter: true},
	{keys: ['?'], command: 'help', label: 'help', help: 'show or hide this help', inFooter: true},
	{keys: ['q', 'ctrl+c'], command: 'quit', label: 'quit', help: 'detach safely and exit (a second ctrl+c exits at once)', inFooter: true},
];

export interface KeyPress {
	input: string;
	ctrl: boolean;
	escape: boolean;
	tab?: boolean;
}

export function keyName({input, ctrl, tab}: KeyPress): string {
	if (tab) return 'tab';
	return ctrl ? `ctrl+${input}` : input;
}

export function commandFor(press: KeyPress, helpOpen: boolean): Command | undefined {
	// Esc closes the overlay like it does in DevTools dialogs.
	if (helpOpen && press.escape) return 'help';
	const name = keyName(press);
	return bindings.find(b => b.keys.includes(name))?.command;
}
