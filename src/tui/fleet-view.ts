/** Which target the fleet overview has selected, and whether its full view is open. */
export interface FleetView {
	selected: number;
	open: boolean;
}

export interface FleetViewStore {
	get(): FleetView;
	/** Moves the selection by `delta` rows, within the table. */
	select(delta: number): void;
	open(): void;
	/** Back to the overview (esc in a target's view with nothing else to close). */
	close(): void;
	subscribe(listener: () => void): () => void;
}

export function createFleetView(count: number): FleetViewStore {
	let view: FleetView = {selected: 0, open: false};
	const listeners = new Set<() => void>();
	const set = (next: FleetView) => {
		if (next.selected === view.selected && next.open === view.open) return;
		view = next;
		for (const listener of listeners) listener();
	};
	return {
		get: () => view,
		select: delta => set({...view, selected: Math.min(count - 1, Math.max(0, view.selected + delta))}),
		open: () => set({...view, open: true}),
		close: () => set({...view, open: false}),
		subscribe(listener) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
	};
}
