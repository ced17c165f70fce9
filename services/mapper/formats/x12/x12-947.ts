import { el, type Segment, type X12Transaction } from "./x12-interchange.ts";
import {
	checkedReference, expectTransaction, partiesIn, productIdsOf,
	type ContentProblems, type Party, type ProductId, type Reference,
} from "./x12-reading.ts";

/**
 * 947 Warehouse Inventory Adjustment Advice: stock that changed outside any order (a count, damage,
 * a hold). Each W19 says why (W1901) and by how much (W1902). Partners disagree on whether W1902
 * carries a sign or leaves the direction to the reason code, so both are kept exactly as sent and
 * the signed delta is the mapping's decision.
 */

export interface AdjustedLine {
	/** LX01, or "" when the partner sends W19 without LX. */
	lx: string;
	/** W1901 quantity or status adjustment reason code (AA physical count, AU damaged in facility, 56 book increase...). */
	reasonCode: string;
	/** W1902 credit/debit quantity, with its sign if it had one. */
	quantity: number;
	uom: string;
	/** W1904. */
	upc: string;
	/** W1905/06, W1907/08, W1917/18. */
	productIds: ProductId[];
	/** W1909. */
	lot: string;
	/** W1916 inventory transaction type code, when sent. */
	transactionType: string;
	description: string;
	references: Reference[];
}

export interface InventoryAdjustment947 {
	controlNumber: string;
	/** W1501, CCYYMMDD. */
	date: string;
	/** W1502, the warehouse's adjustment number. */
	adjustmentNumber: string;
	/** W1503, the depositor's adjustment number. */
	depositorAdjustmentNumber: string;
	parties: Party[];
	references: Reference[];
	lines: AdjustedLine[];
}

const UNIT_CODE = /^[A-Z0-9]{2}$/;
const PRODUCT_ID_PAIRS: ReadonlyArray<readonly [number, number]> = [[5, 6], [7, 8], [17, 18]];

export function read947(tx: X12Transaction): InventoryAdjustment947 {
	const problems = expectTransaction(tx, "947");
	const w15 = tx.segments.find((s) => s[0] === "W15");
	if (!w15) problems.add("W15", "the 947 has no W15 header");
	else problems.required(w15, 1, "W1501 date");
	const detail = tx.segments.findIndex((s) => s[0] === "LX" || s[0] === "W19");
	const header = detail < 0 ? tx.segments : tx.segments.slice(0, detail);

	const lines: AdjustedLine[] = [];
	let lx = "";
	let line: AdjustedLine | undefined;
	for (const s of detail < 0 ? [] : tx.segments.slice(detail)) {
		if (s[0] === "LX") { lx = el(s, 1); line = undefined; }
		else if (s[0] === "W19") lines.push(line = adjustedLine(s, lx, problems));
		else if (s[0] === "G69" && line) line.description = el(s, 1);
		else if (s[0] === "N9" && line) line.references.push(checkedReference(s, `N9 in LX ${lx}`, problems));
	}
	if (lines.length === 0) problems.add("W19", "the 947 has no W19 line");
	const references = header.filter((s) => s[0] === "N9").map((s) => checkedReference(s, "N9", problems));
	problems.fail();
	return {
		controlNumber: el(tx.st, 2),
		date: el(w15, 1),
		adjustmentNumber: el(w15, 2),
		depositorAdjustmentNumber: el(w15, 3),
		parties: partiesIn(header),
		references,
		lines,
	};
}

function adjustedLine(w19: Segment, lx: string, problems: ContentProblems): AdjustedLine {
	const where = lx === "" ? "W19" : `W19 in LX ${lx}`;
	const reasonCode = problems.required(w19, 1, `${where}: W1901 adjustment reason code`);
	const quantity = problems.quantity(w19, 2, `${where}: W1902 credit/debit quantity`);
	const uom = el(w19, 3);
	if (!UNIT_CODE.test(uom)) problems.add(`${where}: W1903`, `${where}: W1903 '${uom}' is not a unit of measure code`);
	const productIds = productIdsOf(w19, PRODUCT_ID_PAIRS);
	if (el(w19, 4) === "" && productIds.length === 0) problems.add(where, `${where} names no product (W1904 UPC or W1905/W1906)`);
	return { lx, reasonCode, quantity, uom, upc: el(w19, 4), productIds, lot: el(w19, 9), transactionType: el(w19, 16), description: "", references: [] };
}
