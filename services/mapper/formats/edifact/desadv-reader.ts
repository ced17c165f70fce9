import type { EdifactSegment } from "./edifact-lexer.ts";
import type { EdifactInterchange, EdifactMessage } from "./edifact-tokenizer.ts";
import { readBgm, type MessageHeader } from "./edifact-header.ts";
import { el, readDecimal, readDtm, readNad, readRff, type Reference } from "./edifact-values.ts";

/**
 * DESADV as EANCOM (D.96A EAN005, D.01B EAN007) lays it out: header (BGM, DTM, RFF, NAD, TDT),
 * then a packaging hierarchy of CPS levels, each naming its parent, with PAC/MEA and PCI+GIN
 * (the SSCC), and LIN items under the level they are packed in.
 */
export interface PackagingLevel {
	/** CPS 7164, unique in the message; `parentId` is CPS 7166. */
	id: string;
	parentId?: string;
	/** PAC: how many packages of which type (201 EUR pallet, CT carton, 09 returnable pallet, ...). */
	packages: Array<{ count?: number; type?: string }>;
	ssccs: string[];
	weightKg?: number;
	dimensionsCm?: { length: number; width: number; height: number };
}

export interface DespatchLine {
	/** LIN 1082. */
	lineNo: string;
	/** LIN C212 7140 and its type (EN in D.96A, SRV in D.01B: a GTIN). */
	itemId?: string;
	itemIdType?: string;
	/** PIA ids by type: IN buyer's, SA supplier's, BP buyer's part number, ... */
	articleIds: Array<{ type: string; value: string }>;
	/** QTY values by qualifier: 12 despatched, 21 ordered, 59 units per pack, ... */
	quantities: Array<{ qualifier: string; value: string; unit?: string }>;
	/** RFF under the LIN, e.g. ON with the order line in C506 1156. */
	references: Reference[];
	/** The CPS level the item is packed in, if the message has packaging at all. */
	levelId?: string;
}

export interface DespatchAdvice extends MessageHeader {
	carrier?: { id?: string; name?: string };
	levels: PackagingLevel[];
	lines: DespatchLine[];
	/** CNT control totals by qualifier (2 = number of line items). */
	controlTotals: Record<string, string>;
}

export function readDesadv(interchange: EdifactInterchange): DespatchAdvice[] {
	return interchange.messages.filter((m) => m.type === "DESADV").map(readDesadvMessage);
}

const WEIGHT: ReadonlySet<string> = new Set(["AAB", "G", "AAD"]);
const TO_KG: Record<string, number> = { KGM: 1, GRM: 0.001 };
const TO_CM: Record<string, number> = { CMT: 1, MMT: 0.1, MTR: 100 };
const DIMENSIONS: Record<string, "length" | "width" | "height"> = { LN: "length", WD: "width", HT: "height" };

export function readDesadvMessage(message: EdifactMessage): DespatchAdvice {
	const advice: DespatchAdvice = { messageRef: message.reference, version: message.version, times: [], references: [], parties: [], levels: [], lines: [], controlTotals: {} };
	if (message.association) advice.association = message.association;
	let level: PackagingLevel | undefined;
	let line: DespatchLine | undefined;
	const sizes = new Map<PackagingLevel, Partial<Record<"length" | "width" | "height", number>>>();
	for (const s of message.segments) {
		if (s.tag === "CPS") {
			level = { id: el(s, 0) ?? String(advice.levels.length + 1), packages: [], ssccs: [] };
			const parent = el(s, 1);
			if (parent) level.parentId = parent;
			advice.levels.push(level);
			line = undefined;
		} else if (s.tag === "LIN") {
			line = { lineNo: el(s, 0) ?? String(advice.lines.length + 1), articleIds: [], quantities: [], references: [] };
			const [itemId, itemIdType] = [el(s, 2, 0), el(s, 2, 1)];
			if (itemId) line.itemId = itemId;
			if (itemIdType) line.itemIdType = itemIdType;
			if (level) line.levelId = level.id;
			advice.lines.push(line);
		} else if (line) {
			readLineSegment(s, line);
		} else if (level) {
			readLevelSegment(s, level, sizes);
		} else {
			readHeaderSegment(s, advice);
		}
		if (s.tag === "CNT") advice.controlTotals[el(s, 0, 0) ?? ""] = el(s, 0, 1) ?? "";
	}
	for (const [lvl, size] of sizes) {
		if (size.length !== undefined && size.width !== undefined && size.height !== undefined) lvl.dimensionsCm = { length: size.length, width: size.width, height: size.height };
	}
	return advice;
}

function readHeaderSegment(s: EdifactSegment, advice: DespatchAdvice): void {
	if (s.tag === "BGM") readBgm(s, advice);
	else if (s.tag === "DTM") advice.times.push(readDtm(s));
	else if (s.tag === "RFF") advice.references.push(readRff(s));
	else if (s.tag === "NAD") advice.parties.push(readNad(s));
	else if (s.tag === "TDT") {
		// TDT C040: carrier id (3127) and name (3128).
		const [id, name] = [el(s, 4, 0), el(s, 4, 3)];
		if (id || name) advice.carrier = { ...(id ? { id } : {}), ...(name ? { name } : {}) };
	}
}

function readLevelSegment(s: EdifactSegment, level: PackagingLevel, sizes: Map<PackagingLevel, Partial<Record<"length" | "width" | "height", number>>>): void {
	if (s.tag === "PAC") {
		const [count, type] = [el(s, 0), el(s, 2, 0)];
		level.packages.push({ ...(count ? { count: Number(count) } : {}), ...(type ? { type } : {}) });
	} else if (s.tag === "GIN" && el(s, 0) === "BJ") {
		level.ssccs.push(...s.elements.slice(1).map((c) => c[0] ?? "").filter(Boolean));
	} else if (s.tag === "MEA") {
		const [what, unit, value] = [el(s, 1, 0) ?? "", el(s, 2, 0) ?? "", readDecimal(el(s, 2, 1))];
		if (value === undefined) return;
		if (WEIGHT.has(what) && Object.hasOwn(TO_KG, unit)) level.weightKg = value * TO_KG[unit]!;
		const dimension = Object.hasOwn(DIMENSIONS, what) ? DIMENSIONS[what] : undefined;
		if (dimension && Object.hasOwn(TO_CM, unit)) sizes.set(level, { ...sizes.get(level), [dimension]: value * TO_CM[unit]! });
	}
}

function readLineSegment(s: EdifactSegment, line: DespatchLine): void {
	if (s.tag === "PIA") {
		// PIA C212 repeats (elements 1..5): each an id with its type.
		for (const c of s.elements.slice(1)) if (c[0] && c[1]) line.articleIds.push({ type: c[1], value: c[0] });
	} else if (s.tag === "QTY") {
		const unit = el(s, 0, 2);
		line.quantities.push({ qualifier: el(s, 0, 0) ?? "", value: el(s, 0, 1) ?? "", ...(unit ? { unit } : {}) });
	} else if (s.tag === "RFF") line.references.push(readRff(s));
}
