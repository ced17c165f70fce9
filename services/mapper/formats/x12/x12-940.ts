import { el, type Segment, type X12Transaction } from "./x12-interchange.ts";
import { checkedReference, expectTransaction, optionalNumber, partiesIn, productIdsOf, type ContentProblems, type Party, type Reference } from "./x12-reading.ts";

/**
 * 940 Warehouse Shipping Order: what we send a warehouse, read back for symmetry (round-trip
 * tests, and partners who copy us on orders placed elsewhere). It is also the strictest reader,
 * because a 940 that a warehouse would misread must be refused before it is sent.
 */

export interface OrderLine940 {
	lx: string;
	orderedQty: number;
	uom: string;
	upc: string;
	/** W0104/W0105 and W0106/W0107: qualifier (VN vendor item, VC vendor catalog, UP, UC...) and value. */
	productIds: Array<{ qualifier: string; value: string }>;
	description: string;
	references: Reference[];
}

export interface ShippingOrder940 {
	controlNumber: string;
	/** W0501: N original, F cancel... */
	statusCode: string;
	depositorOrderNumber: string;
	purchaseOrderNumber: string;
	parties: Party[];
	references: Reference[];
	dates: Array<{ qualifier: string; date: string; timeQualifier: string; time: string }>;
	notes: Array<{ code: string; text: string }>;
	carrier?: { paymentMethod: string; transportationMethod: string; routing: string; scac: string };
	lines: OrderLine940[];
	totals?: { quantity: number; weight?: number; weightUnit: string; volume?: number; volumeUnit: string };
}

const UNIT_CODE = /^[A-Z0-9]{2}$/;
const PRODUCT_ID_PAIRS: ReadonlyArray<readonly [number, number]> = [[4, 5], [6, 7]];

export function read940(tx: X12Transaction): ShippingOrder940 {
	const problems = expectTransaction(tx, "940");
	const w05 = tx.segments.find((s) => s[0] === "W05");
	if (!w05) problems.add("W05", "the 940 has no W05 header");
	else problems.required(w05, 2, "W0502 depositor order number");
	const detail = tx.segments.findIndex((s) => s[0] === "LX" || s[0] === "W01");
	const header = detail < 0 ? tx.segments : tx.segments.slice(0, detail);

	const lines: OrderLine940[] = [];
	let lx = "";
	let line: OrderLine940 | undefined;
	for (const s of detail < 0 ? [] : tx.segments.slice(detail)) {
		if (s[0] === "LX") { lx = el(s, 1); line = undefined; }
		else if (s[0] === "W01") lines.push(line = orderLine(s, lx, problems));
		else if (s[0] === "G69" && line) line.description = el(s, 1);
		else if (s[0] === "N9" && line) line.references.push(checkedReference(s, `N9 in LX ${lx}`, problems));
	}
	if (lines.length === 0) problems.add("W01", "the 940 has no W01 line");
	const w66 = header.find((s) => s[0] === "W66");
	const w76 = tx.segments.find((s) => s[0] === "W76");
	const totals = w76 ? { quantity: problems.quantity(w76, 1, "W7601"), weight: optionalNumber(w76, 2, "W7602", problems), weightUnit: el(w76, 3), volume: optionalNumber(w76, 4, "W7604", problems), volumeUnit: el(w76, 5) } : undefined;
	const references = header.filter((s) => s[0] === "N9").map((s) => checkedReference(s, "N9", problems));
	problems.fail();
	return {
		controlNumber: el(tx.st, 2),
		statusCode: el(w05, 1),
		depositorOrderNumber: el(w05, 2),
		purchaseOrderNumber: el(w05, 3),
		parties: partiesIn(header),
		references,
		dates: header.filter((s) => s[0] === "G62").map((s) => ({ qualifier: el(s, 1), date: el(s, 2), timeQualifier: el(s, 3), time: el(s, 4) })),
		notes: header.filter((s) => s[0] === "NTE").map((s) => ({ code: el(s, 1), text: el(s, 2) })),
		...(w66 ? { carrier: { paymentMethod: el(w66, 1), transportationMethod: el(w66, 2), routing: el(w66, 5), scac: el(w66, 10) } } : {}),
		lines,
		...(totals ? { totals } : {}),
	};
}

/** A shifted W01 (a missing quantity moves the unit into W0101) shows up as a unit that is no unit. */
function orderLine(w01: Segment, lx: string, problems: ContentProblems): OrderLine940 {
	const where = `W01 in LX ${lx}`;
	const orderedQty = problems.quantity(w01, 1, `${where}: W0101 quantity ordered`);
	const uom = el(w01, 2);
	if (!UNIT_CODE.test(uom)) problems.add(`${where}: W0102`, `${where}: W0102 '${uom}' is not a unit of measure code`);
	const productIds = productIdsOf(w01, PRODUCT_ID_PAIRS);
	if (el(w01, 3) === "" && productIds.length === 0) problems.add(where, `${where} names no product (W0103 UPC or W0104/W0105)`);
	return { lx, orderedQty, uom, upc: el(w01, 3), productIds, description: "", references: [] };
}
