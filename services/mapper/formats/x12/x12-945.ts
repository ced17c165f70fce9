import { el, type Segment, type X12Transaction } from "./x12-interchange.ts";
import { cartonOf, type Carton } from "./x12-marks.ts";
import { expectTransaction, optionalNumber, type ContentProblems, partiesIn, referenceOf, type Party, type Reference } from "./x12-reading.ts";

/**
 * 945 Warehouse Shipping Advice: what the warehouse actually shipped against our 940. The point
 * of reading it is the gap between ordered and shipped per line (W12), which cartons went (MAN)
 * and with whom (W27), so those are kept exactly as sent and never reconciled here.
 */

export interface ShippedLine {
	lx: string;
	/** W1201: CC complete, CP partial, ... */
	status: string;
	orderedQty?: number;
	shippedQty: number;
	differenceQty?: number;
	uom: string;
	upc: string;
	productQualifier: string;
	productId: string;
	lot: string;
	description: string;
	/** The MAN segments of this line's LX loop. */
	cartons: Carton[];
}

export interface ShippingAdvice945 {
	controlNumber: string;
	/** W0601: F final, P partial, ... */
	reportingCode: string;
	depositorOrderNumber: string;
	date: string;
	shipmentId: string;
	purchaseOrderNumber: string;
	parties: Party[];
	references: Reference[];
	carrier?: { transportationMethod: string; scac: string; routing: string; paymentMethod: string };
	lines: ShippedLine[];
	cartons: Carton[];
	totals?: { units: number; weight?: number; weightUnit: string; volume?: number; volumeUnit: string; ladingQuantity?: number };
}

export function read945(tx: X12Transaction): ShippingAdvice945 {
	const problems = expectTransaction(tx, "945");
	const firstLx = tx.segments.findIndex((s) => s[0] === "LX");
	const header = firstLx < 0 ? tx.segments : tx.segments.slice(0, firstLx);
	const w06 = header.find((s) => s[0] === "W06");
	if (!w06) problems.add("W06", "the 945 has no W06 header");
	const w27 = header.find((s) => s[0] === "W27");
	const w03 = tx.segments.find((s) => s[0] === "W03");

	const lines: ShippedLine[] = [];
	const cartons: Carton[] = [];
	let lx = "";
	let lxCartons: Carton[] = [];
	let line: ShippedLine | undefined;
	for (const s of firstLx < 0 ? [] : tx.segments.slice(firstLx)) {
		if (s[0] === "LX") { lx = el(s, 1); lxCartons = []; line = undefined; }
		// A MAN belongs to its whole LX loop, also to W12 lines read before it, hence the shared array.
		else if (s[0] === "MAN") { const c = cartonOf(s); lxCartons.push(c); cartons.push(c); }
		else if (s[0] === "W12") lines.push(line = shippedLine(s, lx, lxCartons, problems));
		else if (s[0] === "G69" && line) line.description = el(s, 1);
	}
	if (lines.length === 0) problems.add("W12", "the 945 has no W12 line");
	const totals = w03 ? {
		units: problems.quantity(w03, 1, "W0301"),
		weight: optionalNumber(w03, 2, "W0302", problems),
		weightUnit: el(w03, 3),
		volume: optionalNumber(w03, 4, "W0304", problems),
		volumeUnit: el(w03, 5),
		ladingQuantity: optionalNumber(w03, 6, "W0306", problems),
	} : undefined;
	problems.fail();

	return {
		controlNumber: el(tx.st, 2),
		reportingCode: el(w06, 1),
		depositorOrderNumber: el(w06, 2),
		date: el(w06, 3),
		shipmentId: el(w06, 4),
		purchaseOrderNumber: el(w06, 6),
		parties: partiesIn(header),
		references: header.filter((s) => s[0] === "N9").map(referenceOf),
		...(w27 ? { carrier: { transportationMethod: el(w27, 1), scac: el(w27, 2), routing: el(w27, 3), paymentMethod: el(w27, 4) } } : {}),
		lines,
		cartons,
		...(totals ? { totals } : {}),
	};
}

function shippedLine(w12: Segment, lx: string, cartons: Carton[], problems: ContentProblems): ShippedLine {
	const where = `W12 in LX ${lx}`;
	const orderedQty = optionalNumber(w12, 2, `${where}: W1202`, problems);
	const differenceQty = optionalNumber(w12, 4, `${where}: W1204`, problems);
	return {
		lx,
		status: el(w12, 1),
		...(orderedQty === undefined ? {} : { orderedQty }),
		shippedQty: problems.quantity(w12, 3, `${where}: W1203`),
		...(differenceQty === undefined ? {} : { differenceQty }),
		uom: el(w12, 5),
		upc: el(w12, 6),
		productQualifier: el(w12, 7),
		productId: el(w12, 8),
		lot: el(w12, 9),
		description: "",
		cartons,
	};
}
