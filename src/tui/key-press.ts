import type {Key} from 'ink';
import type {KeyPress} from '../keymap.js';

/** What Ink's useInput reports, as the keymap reads it: the one translation for every screen. */
export function keyPress(input: string, key: Key): KeyPress {
	return {input, ctrl: key.ctrl, escape: key.escape, tab: key.tab, upArrow: key.upArrow, downArrow: key.downArrow, leftArrow: key.leftArrow, rightArrow: key.rightArrow, return: key.return, backspace: key.backspace, delete: key.delete};
}
