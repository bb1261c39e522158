/**
 * A session's time box: `--duration` in the TUI. It ends the session by itself, warns a minute
 * before, and `+` extends it. Pure: the runner (src/tui/time-box.ts) owns the timer.
 */

/** What `+` adds. */
export const extendStepMs = 5 * 60_000;
/** How long before the end the warning comes. */
export const warnBeforeMs = 60_000;

export interface TimeBox {
	/** The whole box as it stands, extensions included. */
	limitMs: number;
	/** Local clock, epoch ms. */
	endsAt: number;
	/** The one-minute warning was given for the current end. */
	warned: boolean;
}

export function startTimeBox(now: number, limitMs: number): TimeBox {
	// A box shorter than the warning lead has nothing to warn about.
	return {limitMs, endsAt: now + limitMs, warned: limitMs <= warnBeforeMs};
}

/** Adds `byMs`; the warning comes again before the new end if it is now further than a minute away. */
export function extendTimeBox(box: TimeBox, now: number, byMs = extendStepMs): TimeBox {
	const endsAt = box.endsAt + byMs;
	return {limitMs: box.limitMs + byMs, endsAt, warned: box.warned && endsAt - now <= warnBeforeMs};
}

export function timeLeftMs(box: TimeBox, now: number): number {
	return Math.max(0, box.endsAt - now);
}

/** What is due at `now`: the end, the warning, or nothing yet. */
export function timeBoxDue(box: TimeBox, now: number): 'expire' | 'warn' | null {
	if (now >= box.endsAt) return 'expire';
	if (!box.warned && box.endsAt - now <= warnBeforeMs) return 'warn';
	return null;
}

/** When the next thing is due, local clock: the warning, else the end. */
export function nextDueAt(box: TimeBox): number {
	return box.warned ? box.endsAt : box.endsAt - warnBeforeMs;
}

/** `14:32`, `1:02:03`: time left as a clock counts down, rounded up so it shows 0:00 only at the end. */
export function formatCountdown(ms: number): string {
	const total = Math.max(0, Math.ceil(ms / 1000));
	const hours = Math.floor(total / 3600);
	const minutes = Math.floor((total % 3600) / 60);
	const seconds = String(total % 60).padStart(2, '0');
	return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}
