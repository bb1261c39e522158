/** The one table of keys: it drives input handling, the footer and the help overlay. */
export type Command = 'gc' | 'baseline' | 'census' | 'panel' | 'select-up' | 'select-down' | 'stack' | 'internals' | 'export' | 'pause' | 'help' | 'quit';

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
	{keys: ['tab'], command: 'panel', label: 'panel', help: 'cycle the lower panel: chart, allocations, resources, listeners', inFooter: true},
	{keys: ['up'], command: 'select-up', label: 'up', help: 'allocations: select the site above', inFooter: false},
	{keys: ['down'], command: 'select-down', label: 'down', help: 'allocations: select the site below', inFooter: false},
	{keys: ['enter'], command: 'stack', label: 'stack', help: 'allocations: full stack of the selected site (esc closes)', inFooter: false},
	{keys: ['i'], command: 'internals', label: 'internals', help: 'allocations: show V8/Node internals, or fold them into callers', inFooter: false},
	{keys: ['e'], command: 'export', label: 'export', help: 'write the allocation profile as .heapprofile (DevTools loads it)', inFooter: true},
	{keys: ['p'], command: 'pause', label: 'pause', help: 'freeze the view (sampling goes on)', inFooter: true},
	{keys: ['?'], command: 'help', label: 'help', help: 'show or hide this help', inFooter: true},
	{keys: ['q', 'ctrl+c'], command: 'quit', label: 'quit', help: 'detach safely and exit (a second ctrl+c exits at once)', inFooter: true},
];

export interface KeyPress {
	input: string;
	ctrl: boolean;
	escape: boolean;
	tab?: boolean;
	upArrow?: boolean;
	downArrow?: boolean;
	return?: boolean;
}

export function keyName({input, ctrl, tab, upArrow, downArrow, return: enter}: KeyPress): string {
	if (tab) return 'tab';
	if (upArrow) return 'up';
	if (downArrow) return 'down';
	if (enter) return 'enter';
	return ctrl ? `ctrl+${input}` : input;
}

/** What is open on screen, for the keys that close it. */
export interface OpenViews {
	helpOpen: boolean;
	stackOpen: boolean;
}

export function commandFor(press: KeyPress, {helpOpen, stackOpen}: OpenViews): Command | undefined {
	// Esc closes the overlay and the stack view, as it closes DevTools dialogs.
	if (helpOpen && press.escape) return 'help';
	if (stackOpen && press.escape) return 'stack';
	const name = keyName(press);
	return bindings.find(b => b.keys.includes(name))?.command;
}
