/**
 * Which class each node of a heap snapshot belongs to, and what size it shows, the way Chrome
 * DevTools' Summary and Comparison views decide (read from chrome-devtools-frontend 1.0.1705227,
 * HeapSnapshot.ts), so that leaktop's numbers can be checked against the tool users know:
 * - objects and native nodes are named by their constructor (`<div id=x>` becomes `<div>`);
 *   objects whose constructor has a source location are told apart by it, so two `Item`
 *   classes from two files are two rows;
 * - plain `Object`s are named by their shape (`{id, name}`) when enough objects share it;
 * - `hidden` is `(system)`, `code` is `(compiled code)`, `closure` is `Function`, `regexp` is
 *   `RegExp`, every other type is `(<type>)`: `(string)`, `(array)`, `(concatenated string)`,
 *   `(sliced string)`, `(number)`, `(object shape)`...;
 * - native nodes that V8 marks detached, and natives they alone reach, are `Detached <name>`;
 * - arrays and system objects reachable from exactly one other object are counted in that
 *   object's self size, not on their own; a node whose self size is then 0 is in no class total.
 *   Unreachable nodes are counted like any other.
 * One class id per node in a Uint32Array: no string or object per node.
 */
import {firstEdgeIndexes} from './graph.js';
import type {HeapSnapshot, StringTable} from './snapshot.js';

/** A named shape for plain objects: objects having all these properties take the name. */
export interface InterfaceDefinition {
	name: string;
	properties: readonly string[];
}

export interface SourceLocation {
	scriptId: number;
	line: number;
	column: number;
}

export interface ClassInfo {
	name: string;
	/** Where the constructor is defined, for objects that have one. */
	location: SourceLocation | undefined;
	/** The same class has the same key in every snapshot of one process: `script,line,column,name` or `,name`. */
	key: string;
}

export interface NodeClasses {
	classes: ClassInfo[];
	/** Class id (index into `classes`) per node ordinal. */
	classOf: Uint32Array;
	/**
	 * Self size per node ordinal as DevTools shows it (arrays and system objects folded into their
	 * single owner); 0 means left out of class totals. 32 bits per node when every size fits (it
	 * always has, but folding could overflow in principle), otherwise 64.
	 */
	selfSizes: Uint32Array | Float64Array;
	/** The plain-object shapes used for naming; a diff names the older snapshot's objects with the newer one's. */
	definitions: InterfaceDefinition[];
}

export interface ClassAggregate {
	classId: number;
	name: string;
	key: string;
	count: number;
	selfSize: number;
}

// DevTools' limits for naming plain-object shapes.
const maxShapeNameLength = 120;
const minObjectsPerShape = 2;
const minShareOfPlainObjects = 1 / 1000;
const maxUint32 = 0xffff_ffff;

/** The class of each node, computed once. Pass `definitions` to name plain objects with another snapshot's shapes. */
export function classifyNodes(snapshot: HeapSnapshot, definitions?: readonly InterfaceDefinition[]): NodeClasses {
	return finishClasses(snapshot, prepareClasses(snapshot), definitions);
}

/** What finishClasses reads of a snapshot: all but its edges. */
export type SnapshotWithoutEdges = Omit<HeapSnapshot, 'edges'>;

/**
 * A snapshot's classes as far as its edges decide them: shown self sizes, detached natives, and
 * each plain object's shape. The rest (naming the shapes, class ids) reads only nodes and
 * strings, so a diff can let go of the earlier snapshot's edges, half its memory, in between.
 * Plain data and typed arrays: a worker thread can post it.
 */
export interface PreparedClasses {
	/** The shape of each plain object (other nodes: unset) by ordinal; finishClasses turns it into class ids in place. */
	classOf: Uint32Array;
	selfSizes: Uint32Array | Float64Array;
	/** Bit per ordinal: a native node DevTools calls `Detached`; none if there are none. */
	detached: Uint8Array | undefined;
	/** The property names (canonical string ids) of each shape, by shape id. */
	shapes: Sequences;
	shapeCounts: number[];
	plainObjects: number;
	/** The string id `__proto__` has in the shapes, -1 if no plain object has one. */
	protoId: number;
	/** Set by finishClasses, which turns `classOf` into class ids: a second call would misread them. */
	finished: boolean;
}

/** The passes over a snapshot's edges. Read the snapshot's edges no more after it: finishClasses does not. */
export function prepareClasses(snapshot: HeapSnapshot): PreparedClasses {
	const {nodes, edges, nodeCount, nodeFieldCount: nf, edgeFieldCount: ef, strings, offsets: o, meta} = snapshot;
	const objectType = meta.nodeTypes.indexOf('object');
	const propertyEdge = meta.edgeTypes.indexOf('property');

	const classOf = new Uint32Array(nodeCount);
	const {detached, selfSizes} = nodeSizes(snapshot, classOf);
	const names = new ClassNames(strings);

	// The property names of each plain object, interned as a sequence, since DevTools names
	// plain objects by their shape and most objects share one of a few shapes.
	classOf.fill(0);
	const propertyNames = new PropertyNames(strings);
	const shapes = new SequenceIndex();
	const shapeCounts: number[] = [];
	let plainObjects = 0;
	let scratch = new Uint32Array(16);
	for (let i = 0, p = 0, e = 0; i < nodeCount; i++, p += nf) {
		const edgeEnd = e + nodes[p + o.nodeEdgeCount]! * ef;
		if (nodes[p + o.nodeType] === objectType && names.constructorNameId(nodes[p + o.nodeName]!) === names.plainObject) {
			let length = 0;
			for (; e < edgeEnd; e += ef) {
				if (edges[e + o.edgeType] !== propertyEdge) continue;
				if (length === scratch.length) scratch = grow(scratch);
				scratch[length++] = propertyNames.canonical(edges[e + o.edgeNameOrIndex]!);
			}
			const shape = shapes.id(scratch, length);
			shapeCounts[shape] = (shapeCounts[shape] ?? 0) + 1;
			classOf[i] = shape;
			plainObjects++;
		}
		e = edgeEnd;
	}
	return {classOf, selfSizes, detached, shapes: shapes.sequences(), shapeCounts, plainObjects, protoId: propertyNames.canonicalOf('__proto__'), finished: false};
}

/** Names the plain-object shapes (with `definitions`, another snapshot's, if given) and gives each node its class. Uses up `prepared`. */
export function finishClasses(snapshot: SnapshotWithoutEdges, prepared: PreparedClasses, definitions?: readonly InterfaceDefinition[]): NodeClasses {
	const {nodes, nodeCount, nodeFieldCount: nf, strings, offsets: o, meta} = snapshot;
	if (prepared.finished) throw new Error('finishClasses: these prepared classes were used already');
	prepared.finished = true;
	const {classOf, detached, shapes} = prepared;
	const names = new ClassNames(strings);
	const objectType = meta.nodeTypes.indexOf('object');
	const nativeType = meta.nodeTypes.indexOf('native');
	const typeNameId = meta.nodeTypes.map((type, t) => (t === objectType || t === nativeType ? -1 : names.id(typeClassName(type))));
	const used = definitions ? [...definitions] : inferDefinitions(shapes, prepared.shapeCounts, prepared.plainObjects, prepared.protoId, strings);
	const shapeNameId = matchShapes(shapes, used, strings).map(d => (d < 0 ? names.plainObject : names.id(used[d]!.name)));

	// A class is a name, plus the constructor's location for objects that have one.
	const classKeys = new SequenceIndex();
	const classes: ClassInfo[] = [];
	const key = new Uint32Array(4);
	const classId = (length: number): number => {
		const id = classKeys.id(key, length);
		if (id === classes.length) {
			const name = names.name(key[0]!);
			const location = length === 4 ? {scriptId: key[1]!, line: key[2]!, column: key[3]!} : undefined;
			classes.push({name, location, key: location ? `${location.scriptId},${location.line},${location.column},${name}` : `,${name}`});
		}
		return id;
	};
	const locations = new LocationCursor(snapshot);
	for (let i = 0, p = 0; i < nodeCount; i++, p += nf) {
		const type = nodes[p + o.nodeType]!;
		let nameId = typeNameId[type] ?? names.id(typeClassName(`type ${type}`));
		if (nameId < 0) {
			if (detached && type === nativeType && isSet(detached, i)) {
				nameId = names.detachedNameId(nodes[p + o.nodeName]!);
			} else {
				nameId = names.constructorNameId(nodes[p + o.nodeName]!);
				if (type === objectType && nameId === names.plainObject) nameId = shapeNameId[classOf[i]!]!;
			}
		}
		key[0] = nameId;
		const row = type === objectType ? locations.rowOf(p) : -1;
		if (row < 0) {
			classOf[i] = classId(1);
		} else {
			key[1] = locations.scriptId(row);
			key[2] = locations.line(row);
			key[3] = locations.column(row);
			classOf[i] = classId(4);
		}
	}
	return {classes, classOf, selfSizes: prepared.selfSizes, definitions: used};
}

/**
 * The passes that follow edges from a node, apart, so that their index of each node's first
 * edge is garbage as soon as they are done: a diff holds two snapshots, and every array per node
 * counts at its peak. `scratch` (one number per node) is working space, overwritten.
 */
function nodeSizes(snapshot: HeapSnapshot, scratch: Uint32Array): {detached: Uint8Array | undefined; selfSizes: Uint32Array | Float64Array} {
	const firstEdge = firstEdgeIndexes(snapshot, {keep: false});
	const detached = detachedNatives(snapshot, firstEdge);
	return {detached, selfSizes: shownSelfSizes(snapshot, firstEdge, detached, scratch)};
}

/** Count and self size per class over the nodes DevTools counts (self size above 0), largest self size first. */
export function aggregateClasses(snapshotOrClasses: HeapSnapshot | NodeClasses): ClassAggregate[] {
	const {classes, classOf, selfSizes} = 'classOf' in snapshotOrClasses ? snapshotOrClasses : classifyNodes(snapshotOrClasses);
	const counts = new Float64Array(classes.length);
	const sizes = new Float64Array(classes.length);
	for (let i = 0; i < classOf.length; i++) {
		const size = selfSizes[i]!;
		if (size === 0) continue;
		const c = classOf[i]!;
		counts[c]!++;
		sizes[c]! += size;
	}
	const result: ClassAggregate[] = [];
	classes.forEach((info, c) => {
		if (counts[c]! > 0) result.push({classId: c, name: info.name, key: info.key, count: counts[c]!, selfSize: sizes[c]!});
	});
	return result.sort((a, b) => b.selfSize - a.selfSize || compareText(a.name, b.name) || compareText(a.key, b.key));
}

/** The class name of one node (by index into `nodes`). */
export function classNameOf(classes: NodeClasses, nodeIndex: number, nodeFieldCount: number): string {
	return classes.classes[classes.classOf[nodeIndex / nodeFieldCount]!]!.name;
}

export function compareText(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}

function constructorClassName(name: string): string {
	// DOM nodes are named with their attributes (`<div id="a">`); the class is the tag.
	if (name.startsWith('<')) {
		const space = name.indexOf(' ');
		return space < 0 ? name : `${name.slice(0, space)}>`;
	}
	if (name.startsWith('Detached <')) {
		const space = name.indexOf(' ', 10);
		return space < 0 ? name : `${name.slice(0, space)}>`;
	}
	return name;
}

function typeClassName(type: string): string {
	switch (type) {
		case 'hidden':
			return '(system)';
		case 'code':
			return '(compiled code)';
		case 'closure':
			return 'Function';
		case 'regexp':
			return 'RegExp';
		default:
			return `(${type})`;
	}
}

/**
 * DevTools counts an array or system object that only one other object reaches (through other
 * arrays and system objects, not weak edges) as part of that object: a Map's backing store is
 * the Map's size. Unless the snapshot has no user roots (taken with internals exposed).
 */
function shownSelfSizes(snapshot: HeapSnapshot, firstEdge: Uint32Array, detached: Uint8Array | undefined, owners: Uint32Array): Uint32Array | Float64Array {
	const {nodes, edges, nodeCount, nodeFieldCount: nf, edgeFieldCount: ef, strings, offsets: o, meta} = snapshot;
	// Half the memory of a Float64Array: a node's own self_size is a 32-bit number in the file.
	let sizes: Uint32Array | Float64Array = new Uint32Array(nodeCount);
	for (let i = 0, p = o.nodeSelfSize; i < nodeCount; i++, p += nf) sizes[i] = nodes[p]!;
	const hiddenType = meta.nodeTypes.indexOf('hidden');
	const arrayType = meta.nodeTypes.indexOf('array');
	const nativeType = meta.nodeTypes.indexOf('native');
	const syntheticType = meta.nodeTypes.indexOf('synthetic');
	const weakEdge = meta.edgeTypes.indexOf('weak');
	if (nodeCount === 0) return sizes;

	let hasUserRoots = false;
	for (let e = 0, end = nodes[o.nodeEdgeCount]! * ef; e < end; e += ef) {
		const to = edges[e + o.edgeToNode]!;
		if (nodes[to + o.nodeType] !== syntheticType || strings.get(nodes[to + o.nodeName]!) === '(Document DOM trees)') hasUserRoots = true;
	}
	if (!hasUserRoots) return sizes;

	const unvisited = 0xffffffff;
	const shared = 0xfffffffe;
	const externalStringData = new Map<number, boolean>();
	for (let i = 0, p = 0; i < nodeCount; i++, p += nf) {
		const type = nodes[p + o.nodeType];
		let owned = type === hiddenType || type === arrayType;
		if (type === nativeType && !(detached && isSet(detached, i))) {
			const name = nodes[p + o.nodeName]!;
			let is = externalStringData.get(name);
			if (is === undefined) externalStringData.set(name, (is = strings.get(name) === 'system / ExternalStringData'));
			owned = is;
		}
		owners[i] = owned ? unvisited : i;
	}

	// Each owned node is pushed at most twice (first owner, then shared), each owner once.
	let stack = new Uint32Array(1024);
	for (let root = 0; root < nodeCount; root++) {
		if (owners[root] !== root) continue;
		let top = 0;
		stack[top++] = root;
		while (top > 0) {
			const at = stack[--top]!;
			const owner = owners[at]!;
			for (let e = firstEdge[at]!, end = firstEdge[at + 1]!; e < end; e += ef) {
				if (edges[e + o.edgeType] === weakEdge) continue;
				const to = edges[e + o.edgeToNode]! / nf;
				const current = owners[to]!;
				if (current === to || current === owner || current === shared) continue;
				owners[to] = current === unvisited ? owner : shared;
				if (top === stack.length) stack = grow(stack);
				stack[top++] = to;
			}
		}
	}
	for (let i = 0; i < nodeCount; i++) {
		const owner = owners[i]!;
		if (owner === unvisited || owner === shared || owner === i) continue;
		// The root and synthetic groups are not objects; their parts keep their own size.
		if (owner === 0 || nodes[owner * nf + o.nodeType] === syntheticType) continue;
		const sum = sizes[owner]! + sizes[i]!;
		// An owner of several huge arrays could pass 4 GiB: only then is a wider array worth it.
		if (sum > maxUint32 && sizes instanceof Uint32Array) sizes = Float64Array.from(sizes);
		sizes[owner] = sum;
		sizes[i] = 0;
	}
	return sizes;
}

/**
 * The native nodes DevTools renames `Detached <name>`: those V8 marks detached (the
 * `detachedness` field), and unmarked natives reached from them through natives only, unless
 * reached the same way from a native marked attached. None when the field is absent.
 */
function detachedNatives(snapshot: HeapSnapshot, firstEdge: Uint32Array): Uint8Array | undefined {
	const {nodes, edges, nodeCount, nodeFieldCount: nf, edgeFieldCount: ef, offsets: o, meta} = snapshot;
	if (o.nodeDetachedness < 0) return undefined;
	const nativeType = meta.nodeTypes.indexOf('native');
	const skipped = ['hidden', 'invisible', 'weak'].map(type => meta.edgeTypes.indexOf(type)).filter(type => type >= 0);
	const attachedState = 1;
	const detachedState = 2;
	// One byte per node: 0 not visited yet, else the state (non-natives stay visited with no state).
	const visitedOther = 3;
	const state = new Uint8Array(nodeCount);
	const queues: Record<number, number[]> = {[attachedState]: [], [detachedState]: []};
	let any = false;
	const visit = (i: number, to: number) => {
		if (state[i] !== 0) return;
		if (nodes[i * nf + o.nodeType] !== nativeType) {
			state[i] = visitedOther;
			return;
		}
		state[i] = to;
		queues[to]!.push(i);
		if (to === detachedState) any = true;
	};
	for (let i = 0; i < nodeCount; i++) {
		const known = nodes[i * nf + o.nodeDetachedness]! & 3;
		if (known === attachedState || known === detachedState) visit(i, known);
	}
	for (const to of [attachedState, detachedState]) {
		const queue = queues[to]!;
		while (queue.length > 0) {
			const i = queue.pop()!;
			for (let e = firstEdge[i]!, end = firstEdge[i + 1]!; e < end; e += ef) {
				if (!skipped.includes(edges[e + o.edgeType]!)) visit(edges[e + o.edgeToNode]! / nf, to);
			}
		}
	}
	if (!any) return undefined;
	const bits = new Uint8Array((nodeCount + 7) >> 3);
	for (let i = 0; i < nodeCount; i++) if (state[i] === detachedState) bits[i >> 3]! |= 1 << (i & 7);
	return bits;
}

function isSet(bits: Uint8Array, i: number): boolean {
	return (bits[i >> 3]! & (1 << (i & 7))) !== 0;
}

function inferDefinitions(shapes: Sequences, counts: readonly number[], plainObjects: number, proto: number, strings: StringTable): InterfaceDefinition[] {
	const candidates = new Map<string, {name: string; properties: string[]; count: number}>();
	// Shapes are numbered in the order DevTools first meets them, so ties in popularity keep its order.
	for (let shape = 0; shape < shapes.count; shape++) {
		const sequence = sequenceOf(shapes, shape);
		let name = '{';
		const properties: string[] = [];
		for (const id of sequence) {
			if (id === proto) continue;
			const text = strings.get(id);
			// As DevTools writes a property in a shape name: quoted when it holds `,'"{}`.
			const shown = /[,'"{}]/.test(text) ? JSON.stringify(text) : text;
			if (name.length > 1 && name.length + shown.length > maxShapeNameLength) break;
			if (name.length !== 1) name += ', ';
			name += shown;
			properties.push(text);
		}
		if (properties.length === 0) continue;
		name += '}';
		const candidate = candidates.get(name);
		if (candidate) candidate.count += counts[shape]!;
		else candidates.set(name, {name, properties, count: counts[shape]!});
	}
	const minCount = Math.max(minObjectsPerShape, plainObjects * minShareOfPlainObjects);
	return [...candidates.values()]
		.sort((a, b) => b.count - a.count)
		.filter(c => c.count >= minCount)
		.map(({name, properties}) => ({name, properties}));
}

/**
 * For each shape, the definition it takes (-1: none): of the definitions whose properties it all
 * has, the one with the most properties, the earlier one on a tie.
 */
function matchShapes(shapes: Sequences, definitions: readonly InterfaceDefinition[], strings: StringTable): number[] {
	const vocabulary = [...new Set(definitions.flatMap(d => d.properties))].sort();
	const rank = new Map(vocabulary.map((text, r) => [text, r]));
	// A trie over each definition's properties in sorted order; an object's sorted properties walk every path that is a subset.
	const next: Array<Map<number, number>> = [new Map()];
	const match: number[] = [-1];
	definitions.forEach((definition, d) => {
		let at = 0;
		for (const r of definition.properties.map(p => rank.get(p)!).sort((a, b) => a - b)) {
			let child = next[at]!.get(r);
			if (child === undefined) {
				child = next.length;
				next.push(new Map());
				match.push(-1);
				next[at]!.set(r, child);
			}
			at = child;
		}
		if (match[at] === -1) match[at] = d;
	});
	const better = (a: number, b: number) => {
		if (b < 0) return a;
		if (a < 0) return b;
		const la = definitions[a]!.properties.length;
		const lb = definitions[b]!.properties.length;
		return lb > la || (lb === la && b < a) ? b : a;
	};
	const rankOf = new Map<number, number>();
	const result: number[] = [];
	for (let shape = 0; shape < shapes.count; shape++) {
		const ranks: number[] = [];
		for (const id of sequenceOf(shapes, shape)) {
			let r = rankOf.get(id);
			if (r === undefined) rankOf.set(id, (r = rank.get(strings.get(id)) ?? -1));
			if (r >= 0) ranks.push(r);
		}
		ranks.sort((a, b) => a - b);
		let best = match[0]!;
		const states = [0];
		for (const r of ranks) {
			for (let s = 0, count = states.length; s < count; s++) {
				const child = next[states[s]!]!.get(r);
				if (child === undefined) continue;
				states.push(child);
				best = better(best, match[child]!);
			}
		}
		result.push(best);
	}
	return result;
}

/** Property names by content: V8 writes each name once, but nothing in the format promises it. */
class PropertyNames {
	private readonly canonicalIds: Int32Array;
	private readonly byText = new Map<string, number>();

	constructor(private readonly strings: StringTable) {
		this.canonicalIds = new Int32Array(strings.count).fill(-1);
	}

	canonical(stringIndex: number): number {
		let id = this.canonicalIds[stringIndex]!;
		if (id < 0) {
			const text = this.strings.get(stringIndex);
			id = this.byText.get(text) ?? stringIndex;
			this.byText.set(text, id);
			this.canonicalIds[stringIndex] = id;
		}
		return id;
	}

	canonicalOf(text: string): number {
		return this.byText.get(text) ?? -1;
	}
}

/** Class names as small ids, cached per string: the same constructor names come up again and again. */
class ClassNames {
	private readonly interner = new Interner();
	private readonly idOfString: Int32Array;
	private readonly detachedIds = new Map<number, number>();
	readonly plainObject: number;

	constructor(private readonly strings: StringTable) {
		this.idOfString = new Int32Array(strings.count).fill(-1);
		this.plainObject = this.interner.id('Object');
	}

	id(text: string): number {
		return this.interner.id(text);
	}

	name(id: number): string {
		return this.interner.name(id);
	}

	constructorNameId(stringIndex: number): number {
		let id = this.idOfString[stringIndex]!;
		if (id < 0) {
			id = this.interner.id(constructorClassName(this.strings.get(stringIndex)));
			this.idOfString[stringIndex] = id;
		}
		return id;
	}

	detachedNameId(stringIndex: number): number {
		let id = this.detachedIds.get(stringIndex);
		if (id === undefined) this.detachedIds.set(stringIndex, (id = this.interner.id(constructorClassName(`Detached ${this.strings.get(stringIndex)}`))));
		return id;
	}
}

/** Walks `locations` in node order alongside a pass over the nodes. */
class LocationCursor {
	/** Per location, sorted by node: the node index, script, line, column. */
	private readonly at: Uint32Array;
	private readonly fields: Uint32Array;
	private next = 0;

	constructor(snapshot: SnapshotWithoutEdges) {
		const {locations, locationFieldCount: lf, offsets: o} = snapshot;
		const usable = lf > 0 && o.locationObjectIndex >= 0 && o.locationScriptId >= 0 && o.locationLine >= 0 && o.locationColumn >= 0;
		const count = usable ? locations.length / lf : 0;
		let order = Array.from({length: count}, (_, r) => r);
		const objectIndex = (r: number) => locations[r * lf + o.locationObjectIndex]!;
		// V8 writes them in node order; sort (stably, so the last row for a node wins as in DevTools) if not.
		if (order.some((r, k) => k > 0 && objectIndex(r) < objectIndex(k - 1))) order = order.sort((a, b) => objectIndex(a) - objectIndex(b) || a - b);
		this.at = new Uint32Array(count);
		this.fields = new Uint32Array(count * 3);
		order.forEach((r, k) => {
			this.at[k] = objectIndex(r);
			this.fields[k * 3] = locations[r * lf + o.locationScriptId]!;
			this.fields[k * 3 + 1] = locations[r * lf + o.locationLine]!;
			this.fields[k * 3 + 2] = locations[r * lf + o.locationColumn]!;
		});
	}

	/** The location for the node starting at `nodeIndex` (-1: none) for `scriptId` & co.; calls must come in increasing nodeIndex. */
	rowOf(nodeIndex: number): number {
		const at = this.at;
		let next = this.next;
		while (next < at.length && at[next]! < nodeIndex) next++;
		let row = -1;
		while (next < at.length && at[next] === nodeIndex) row = next++;
		this.next = next;
		return row;
	}

	scriptId(row: number): number {
		return this.fields[row * 3]!;
	}

	line(row: number): number {
		return this.fields[row * 3 + 1]!;
	}

	column(row: number): number {
		return this.fields[row * 3 + 2]!;
	}
}

/** Small dense ids for strings. */
class Interner {
	private readonly ids = new Map<string, number>();
	private readonly texts: string[] = [];

	id(text: string): number {
		let id = this.ids.get(text);
		if (id === undefined) {
			id = this.texts.length;
			this.ids.set(text, id);
			this.texts.push(text);
		}
		return id;
	}

	name(id: number): string {
		return this.texts[id]!;
	}
}

/** Integer sequences end to end: sequence k is pool[starts[k] .. starts[k + 1]). */
interface Sequences {
	pool: Uint32Array;
	starts: Uint32Array;
	count: number;
}

function sequenceOf({pool, starts}: Sequences, k: number): Uint32Array {
	return pool.subarray(starts[k]!, starts[k + 1]!);
}

/** Dense ids for short integer sequences, in typed arrays: an open-addressing hash over a pool. */
class SequenceIndex {
	private pool = new Uint32Array(1024);
	private poolLength = 0;
	private starts = new Uint32Array(64);
	private table = new Int32Array(128).fill(-1);
	private hashes = new Uint32Array(64);
	size = 0;

	/** The id of `values[0..length)`, added if new (ids count up from 0). */
	id(values: Uint32Array, length: number): number {
		const hash = hashOf(values, length);
		const mask = this.table.length - 1;
		for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
			const id = this.table[slot]!;
			if (id < 0) break;
			if (this.hashes[id] === hash && this.equals(id, values, length)) return id;
		}
		return this.add(values, length, hash);
	}

	/** The sequences by id, without the hash: copies, so posting them moves no more than they need. */
	sequences(): Sequences {
		return {pool: this.pool.slice(0, this.poolLength), starts: this.starts.slice(0, this.size + 1), count: this.size};
	}

	private equals(id: number, values: Uint32Array, length: number): boolean {
		const start = this.starts[id]!;
		if (this.starts[id + 1]! - start !== length) return false;
		for (let k = 0; k < length; k++) if (this.pool[start + k] !== values[k]) return false;
		return true;
	}

	private add(values: Uint32Array, length: number, hash: number): number {
		const id = this.size++;
		while (this.poolLength + length > this.pool.length) this.pool = grow(this.pool);
		this.pool.set(values.subarray(0, length), this.poolLength);
		this.poolLength += length;
		if (id + 2 > this.starts.length) this.starts = grow(this.starts);
		this.starts[id + 1] = this.poolLength;
		if (id + 1 > this.hashes.length) this.hashes = grow(this.hashes);
		this.hashes[id] = hash;
		if (this.size * 2 > this.table.length) this.rehash();
		else this.place(id, hash);
		return id;
	}

	private rehash(): void {
		this.table = new Int32Array(this.table.length * 2).fill(-1);
		for (let id = 0; id < this.size; id++) this.place(id, this.hashes[id]!);
	}

	private place(id: number, hash: number): void {
		const mask = this.table.length - 1;
		let slot = hash & mask;
		while (this.table[slot]! >= 0) slot = (slot + 1) & mask;
		this.table[slot] = id;
	}
}

function hashOf(values: Uint32Array, length: number): number {
	let h = 0x811c9dc5 ^ length;
	for (let k = 0; k < length; k++) h = Math.imul(h ^ values[k]!, 0x01000193) ^ (h >>> 15);
	return (h ^ (h >>> 16)) >>> 0;
}

function grow(array: Uint32Array): Uint32Array<ArrayBuffer> {
	const bigger = new Uint32Array(array.length * 2);
	bigger.set(array);
	return bigger;
}
