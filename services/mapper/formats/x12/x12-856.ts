import { el, type Segment, type X12Transaction } from "./x12-interchange.ts";
import { cartonOf, type Carton } from "./x12-marks.ts";
import { expectTransaction, optionalNumber, partiesIn, referenceOf, type ContentProblems, type Party, type Reference } from "./x12-reading.ts";

/**
 * 856 Ship Notice: an HL tree, not a flat list. Shipment (S) over orders (O) over packs (P, the
 * SSCC-labelled cartons) over items (I), though the order of levels varies by trading partner
 * (pick-and-pack puts P under O, standard-pack puts I under O), so the tree is rebuilt from HL02
 * parent pointers and never assumed.
 */

export interface ShippedItem {
	/** LIN01, the sender's line id. */
	lineId: string;
	/** LIN02/03, LIN04/05...: qualifier (UP, EN, VP, BP...) and value pairs. */
	ids: Array<{ qualifier: string; value: string }>;
	shippedQty?: number;
	uom: string;
	orderedQty?: number;
	description: string;
}

export interface HlLevel {
	id: string;
	/** "" for the root. */
	parentId: string;
	/** HL03: S shipment, O order, T tare, P pack, I item. */
	levelCode: string;
	children: string[];
	references: Reference[];
	dates: Array<{ qualifier: string; date: string; time: string }>;
	parties: Party[];
	/** PRF01 at order level. */
	purchaseOrder: string;
	carrier?: { scac: string; routing: string; transportationMethod: string };
	cartons: Carton[];
	item?: ShippedItem;
	/** Everything under this HL, HL itself excluded, for fields not lifted above. */
	segments: Segment[];
}

export interface ShipNotice856 {
	controlNumber: string;
	/** BSN01: 00 original, 14 advance notification... */
	purpose: string;
	shipmentId: string;
	date: string;
	time: string;
	structureCode: string;
	/** Document order; ids are unique, every parent appears before its children. */
	levels: HlLevel[];
	/** CTT01 as sent (partners count HLs or line items; not checked). */
	lineItemCount?: number;
}

export function read856(tx: X12Transaction): ShipNotice856 {
	const problems = expectTransaction(tx, "856");
	const bsn = tx.segments.find((s) => s[0] === "BSN");
	if (!bsn) problems.add("BSN", "the 856 has no BSN header");
	const levels: HlLevel[] = [];
	const byId = new Map<string, HlLevel>();
	let bodies: Segment[] = [];
	for (const s of tx.segments) {
		if (s[0] === "CTT" || s[0] === "SE") break;
		if (s[0] !== "HL") { bodies.push(s); continue; }
		const level = hl(s, problems);
		if (byId.has(level.id)) problems.add("HL01", `HL ${level.id} appears twice`);
		const parent = byId.get(level.parentId);
		if (level.parentId !== "" && !parent) problems.add("HL02", `HL ${level.id} names parent ${level.parentId}, which does not precede it`);
		parent?.children.push(level.id);
		byId.set(level.id, level);
		levels.push(level);
		bodies = level.segments;
	}
	if (levels.length === 0) problems.add("HL", "the 856 has no HL levels");
	for (const level of levels) fill(level, problems);
	const ctt = tx.segments.find((s) => s[0] === "CTT");
	const lineItemCount = optionalNumber(ctt, 1, "CTT01", problems);
	problems.fail();
	return {
		controlNumber: el(tx.st, 2),
		purpose: el(bsn, 1),
		shipmentId: el(bsn, 2),
		date: el(bsn, 3),
		time: el(bsn, 4),
		structureCode: el(bsn, 5),
		levels,
		...(lineItemCount === undefined ? {} : { lineItemCount }),
	};
}

/** The nearest level above `id` with the given HL03 code: the order an item was packed for. */
export function ancestorOf(notice: ShipNotice856, id: string, levelCode: string): HlLevel | undefined {
	const byId = new Map(notice.levels.map((l) => [l.id, l]));
	for (let at = byId.get(byId.get(id)?.parentId ?? ""); at; at = byId.get(at.parentId)) if (at.levelCode === levelCode) return at;
	return undefined;
}

function hl(s: Segment, problems: ContentProblems): HlLevel {
	const id = problems.required(s, 1, "HL01");
	const levelCode = problems.required(s, 3, `HL03 of HL ${id}`);
	return { id, parentId: el(s, 2), levelCode, children: [], references: [], dates: [], parties: [], purchaseOrder: "", cartons: [], segments: [] };
}

/** Lifts the fields Waybill maps out of a level's own segments. */
function fill(level: HlLevel, problems: ContentProblems): void {
	const of = (id: string): Segment[] => level.segments.filter((s) => s[0] === id);
	level.references = of("REF").map(referenceOf);
	level.dates = of("DTM").map((s) => ({ qualifier: el(s, 1), date: el(s, 2), time: el(s, 3) }));
	level.parties = partiesIn(level.segments);
	level.purchaseOrder = el(of("PRF")[0], 1);
	level.cartons = of("MAN").map(cartonOf);
	const td5 = of("TD5")[0];
	if (td5) level.carrier = { scac: el(td5, 3), routing: el(td5, 5), transportationMethod: el(td5, 4) };
	const lin = of("LIN")[0];
	const sn1 = of("SN1")[0];
	if (lin || sn1) {
		const ids: ShippedItem["ids"] = [];
		for (let i = 2; i + 1 < (lin?.length ?? 0); i += 2) if (el(lin, i) !== "") ids.push({ qualifier: el(lin, i), value: el(lin, i + 1) });
		const where = `SN1 of HL ${level.id}`;
		const shippedQty = sn1 ? problems.quantity(sn1, 2, `${where}: SN102`) : undefined;
		const orderedQty = optionalNumber(sn1, 5, `${where}: SN105`, problems);
		level.item = { lineId: el(lin, 1), ids, uom: el(sn1, 3), description: el(of("PID")[0], 5), ...(shippedQty === undefined ? {} : { shippedQty }), ...(orderedQty === undefined ? {} : { orderedQty }) };
	}
}
