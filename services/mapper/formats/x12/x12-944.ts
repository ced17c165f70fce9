import { el, type Segment, type X12Transaction } from "./x12-interchange.ts";
import {
	checkedReference, expectTransaction, partiesIn, productIdsOf,
	type ContentProblems, type Party, type ProductId, type Reference,
} from "./x12-reading.ts";

/**
 * 944 Warehouse Stock Transfer Receipt Advice: what the warehouse took in, line by line (W07),
 * whether a replenishment or goods a customer sent back. Which of the two it is stays the
 * mapping's decision (W1701 reporting code, an RMA reference), so both are kept as sent.
 */

export interface ReceivedLine {
	/** LX01, or "" when the partner sends W07 without LX. */
	lx: string;
	receivedQty: number;
	uom: string;
	/** W0703. */
	upc: string;
	/** W0704/05, W0706/07, W0710/11. */
	productIds: ProductId[];
	/** W0708. */
	lot: string;
	description: string;
	references: Reference[];
}

export interface ReceiptAdvice944 {
	controlNumber: string;
	/** W1701: F full detail, C customer return, X exceptions only... */
	reportingCode: string;
	/** W1702, CCYYMMDD: the day the goods were received. */
	date: string;
	/** W1707 when W1706 qualifies it. */
	time: string;
	/** W1703, the warehouse's receipt number. */
	receiptNumber: string;
	/** W1704, the depositor's order this receipt answers. */
	depositorOrderNumber: string;
	/** W1705. */
	shipmentId: string;
	parties: Party[];
	references: Reference[];
	lines: ReceivedLine[];
	/** W14 as sent: W1401 units received in all. Not reconciled with the lines here. */
	totals?: { quantityReceived: number };
}

const UNIT_CODE = /^[A-Z0-9]{2}$/;
const PRODUCT_ID_PAIRS: ReadonlyArray<readonly [number, number]> = [[4, 5], [6, 7], [10, 11]];

export function read944(tx: X12Transaction): ReceiptAdvice944 {
	const problems = expectTransaction(tx, "944");
	const w17 = tx.segments.find((s) => s[0] === "W17");
	if (!w17) problems.add("W17", "the 944 has no W17 header");
	else {
		problems.required(w17, 2, "W1702 date of receipt");
		problems.required(w17, 3, "W1703 warehouse receipt number");
	}
	const detail = tx.segments.findIndex((s) => s[0] === "LX" || s[0] === "W07");
	const header = detail < 0 ? tx.segments : tx.segments.slice(0, detail);

	const lines: ReceivedLine[] = [];
	let lx = "";
	let line: ReceivedLine | undefined;
	for (const s of detail < 0 ? [] : tx.segments.slice(detail)) {
		if (s[0] === "LX") { lx = el(s, 1); line = undefined; }
		else if (s[0] === "W07") lines.push(line = receivedLine(s, lx, problems));
		else if (s[0] === "G69" && line) line.description = el(s, 1);
		else if (s[0] === "N9" && line) line.references.push(checkedReference(s, `N9 in LX ${lx}`, problems));
		else if (s[0] === "W14") line = undefined;
	}
	if (lines.length === 0) problems.add("W07", "the 944 has no W07 line");
	const w14 = tx.segments.find((s) => s[0] === "W14");
	const totals = w14 ? { quantityReceived: problems.quantity(w14, 1, "W1401 quantity received") } : undefined;
	const references = header.filter((s) => s[0] === "N9").map((s) => checkedReference(s, "N9", problems));
	problems.fail();
	return {
		controlNumber: el(tx.st, 2),
		reportingCode: el(w17, 1),
		date: el(w17, 2),
		time: el(w17, 6) === "" ? "" : el(w17, 7),
		receiptNumber: el(w17, 3),
		depositorOrderNumber: el(w17, 4),
		shipmentId: el(w17, 5),
		parties: partiesIn(header),
		references,
		lines,
		...(totals ? { totals } : {}),
	};
}

function receivedLine(w07: Segment, lx: string, problems: ContentProblems): ReceivedLine {
	const where = lx === "" ? "W07" : `W07 in LX ${lx}`;
	const receivedQty = problems.quantity(w07, 1, `${where}: W0701 quantity received`);
	const uom = el(w07, 2);
	if (!UNIT_CODE.test(uom)) problems.add(`${where}: W0702`, `${where}: W0702 '${uom}' is not a unit of measure code`);
	const productIds = productIdsOf(w07, PRODUCT_ID_PAIRS);
	if (el(w07, 3) === "" && productIds.length === 0) problems.add(where, `${where} names no product (W0703 UPC or W0704/W0705)`);
	return { lx, receivedQty, uom, upc: el(w07, 3), productIds, lot: el(w07, 8), description: "", references: [] };
}
