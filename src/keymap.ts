/**
 * The one table of keys and of `:` commands: it drives input handling, the command line's
 * parser and completion, the footer and both help pages. Every key action can also be typed as
 * `:` and its command name (`:gc`, `:snapshot`); `typedCommands` are the ones only typed.
 */
export type Command =
	| 'gc'
	| 'baseline'
	| 'census'
	| 'snapshot'
	| 'diff'
	| 'near-limit'
	| 'panel'
	| 'select-up'
	| 'select-down'
	| 'stack'
	| 'internals'
	| 'export'
	| 'pause'
	| 'extend'
	| 'back'
	| 'forward'
	| 'play'
	| 'help'
	| 'escape'
	| 'confirm'
	| 'decline'
	| 'command-line'
	| 'prompt-run'
	| 'prompt-cancel'
	| 'prompt-complete'
	| 'prompt-older'
	| 'prompt-newer'
	| 'open-target'
	| 'quit';

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
	/**
	 * Where the key works: attached to a live target, in `leaktop replay`, or both (the
	 * default); `prompt` keys work only while the command line is open, `overview` ones on the
	 * table of several targets.
	 */
	mode?: Mode;
	/** Not reachable as a `:` command (answers to a question, the command line's own keys). */
	untyped?: true;
}

export type Mode = 'live' | 'replay' | 'prompt' | 'overview';

export const bindings: readonly Binding[] = [
	{keys: ['g'], command: 'gc', label: 'gc', help: 'force a full GC; logs heapUsed before -> after', inFooter: true, mode: 'live'},
	{keys: ['b'], command: 'baseline', label: 'baseline', help: 'mark now as the baseline; growth counts from here', inFooter: true},
	{keys: ['l'], command: 'census', label: 'listeners', help: 'count listeners now (walks the heap; leaves a busy process slower)', inFooter: true, mode: 'live'},
	{keys: ['s'], command: 'snapshot', label: 'snapshot', help: 'heap snapshot to disk, after a pause and memory risk check', inFooter: true, mode: 'live'},
	{keys: ['d'], command: 'diff', label: 'diff', help: 'diff snapshots: the baseline one (or two picked) with the latest', inFooter: false, mode: 'live'},
	{keys: ['n'], command: 'near-limit', label: 'near-limit', help: 'arm a snapshot the target writes near its heap limit (asks first)', inFooter: false, mode: 'live'},
	{keys: ['tab'], command: 'panel', label: 'panel', help: 'panels: chart, sites, resources, listeners, watches, snaps, findings', inFooter: true},
	{keys: ['up'], command: 'select-up', label: 'up', help: 'select the row above: site, snapshot, diff class, finding', inFooter: false},
	{keys: ['down'], command: 'select-down', label: 'down', help: 'select the row below: site, snapshot, diff class, finding', inFooter: false},
	{keys: ['enter'], command: 'stack', label: 'open', help: 'open: a finding, a site\'s stack, a diff class; pick a snapshot', inFooter: false},
	{keys: ['i'], command: 'internals', label: 'internals', help: 'allocations: show V8/Node internals, or fold them into callers', inFooter: false},
	{keys: ['e'], command: 'export', label: 'export', help: 'write the allocation profile as .heapprofile (DevTools loads it)', inFooter: false, mode: 'live'},
	{keys: [':'], command: 'command-line', label: 'command', help: 'command line: :watch, :eval, :count, :interval... (:help lists them)', inFooter: true, mode: 'live', untyped: true},
	{keys: ['p'], command: 'pause', label: 'pause', help: 'freeze the view (sampling goes on)', inFooter: false, mode: 'live'},
	{keys: ['left'], command: 'back', label: '-10s', help: 'replay: 10 seconds back', inFooter: true, mode: 'replay'},
	{keys: ['right'], command: 'forward', label: '+10s', help: 'replay: 10 seconds on', inFooter: true, mode: 'replay'},
	{keys: ['space'], command: 'play', label: 'play', help: 'replay: play at 10x or pause', inFooter: true, mode: 'replay'},
	{keys: ['+'], command: 'extend', label: '+5m', help: 'time box (--duration): 5 more minutes before leaktop detaches', inFooter: false, mode: 'live'},
	{keys: ['esc'], command: 'escape', label: 'back', help: 'back: close help/stack/diff/finding; abandon a snapshot; to overview', inFooter: false},
	{keys: ['y'], command: 'confirm', label: 'yes', help: 'yes, when leaktop asks (any other key is no)', inFooter: false, mode: 'live', untyped: true},
	{keys: ['enter'], command: 'prompt-run', label: 'run', help: 'command line: run it', inFooter: true, mode: 'prompt', untyped: true},
	{keys: ['tab'], command: 'prompt-complete', label: 'complete', help: 'command line: complete a command or a global name', inFooter: true, mode: 'prompt', untyped: true},
	{keys: ['up'], command: 'prompt-older', label: 'history', help: 'command line: the line before in the history', inFooter: true, mode: 'prompt', untyped: true},
	{keys: ['down'], command: 'prompt-newer', label: 'newer', help: 'command line: the line after in the history', inFooter: false, mode: 'prompt', untyped: true},
	{keys: ['esc'], command: 'prompt-cancel', label: 'cancel', help: 'command line: close it', inFooter: true, mode: 'prompt', untyped: true},
	{keys: ['up'], command: 'select-up', label: 'prev', help: 'overview: select the target above', inFooter: true, mode: 'overview', untyped: true},
	{keys: ['down'], command: 'select-down', label: 'next', help: 'overview: select the target below', inFooter: true, mode: 'overview', untyped: true},
	{keys: ['enter'], command: 'open-target', label: 'open', help: 'overview: the selected target\'s full view (esc comes back)', inFooter: true, mode: 'overview', untyped: true},
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
	leftArrow?: boolean;
	rightArrow?: boolean;
	return?: boolean;
	backspace?: boolean;
	delete?: boolean;
}

export function keyName({input, ctrl, escape, tab, upArrow, downArrow, leftArrow, rightArrow, return: enter}: KeyPress): string {
	if (escape) return 'esc';
	if (tab) return 'tab';
	if (upArrow) return 'up';
	if (downArrow) return 'down';
	if (leftArrow) return 'left';
	if (rightArrow) return 'right';
	if (enter) return 'enter';
	if (input === ' ') return 'space';
	return ctrl ? `ctrl+${input}` : input;
}

/** The bindings that work in `mode`: the footer and the help show these. The command line has only its own. */
export function bindingsFor(mode: Mode): Binding[] {
	if (mode === 'prompt') return bindings.filter(b => b.mode === 'prompt');
	// The overview has its own keys and quit; everything else acts on one target.
	if (mode === 'overview') return bindings.filter(b => b.mode === 'overview' || b.command === 'quit');
	return bindings.filter(b => b.mode === undefined || b.mode === mode);
}

/**
 * Whether a y/N question is on screen: then y says yes and any other key says no. In `prompt`
 * mode a key that is no binding is text for the line (undefined here).
 */
export function commandFor(press: KeyPress, asking = false, mode: Mode = 'live'): Command | undefined {
	const name = keyName(press);
	// ctrl+c still quits: neither a question nor the command line may trap the user.
	if (name === 'ctrl+c') return 'quit';
	if (asking) return name === 'y' ? 'confirm' : 'decline';
	return bindingsFor(mode).find(b => b.keys.includes(name))?.command;
}

/** A command only typed: what it takes, and one line for `:help`. */
export interface TypedCommand {
	name: TypedName;
	/** How its argument is written in `:help`; empty for none. */
	args: string;
	help: string;
}

export type TypedName = 'watch' | 'unwatch' | 'eval' | 'count' | 'interval' | 'sampling' | 'threshold';

export const typedCommands: readonly TypedCommand[] = [
	{name: 'watch', args: 'EXPR', help: 'evaluate EXPR every sample, side-effect free; numbers (and sizes) get a trend'},
	{name: 'unwatch', args: 'N', help: 'stop watch N (its number in the watches panel)'},
	{name: 'eval', args: 'EXPR', help: 'evaluate once, side-effect free; asks before running what V8 refuses'},
	{name: 'count', args: 'EXPR', help: 'count live instances of the constructor EXPR (walks the heap)'},
	{name: 'interval', args: 'D', help: 'time between samples: 500ms, 2s (at least 100ms)'},
	{name: 'sampling', args: 'SIZE', help: 'allocation sampling interval: 128KiB, 1MiB, off'},
	{name: 'threshold', args: 'RATE', help: 'floor growth that counts as a leak: 5MB/h, 500KB/min'},
];

/** The key bindings a `:` command names: every live action but answers and the line's own keys. */
export function typedBindings(): Binding[] {
	return bindingsFor('live').filter(b => !b.untyped);
}
