import { el, type X12Transaction } from "./x12-interchange.ts";
import { expectTransaction, referenceOf, type Reference } from "./x12-reading.ts";

/**
 * 990 Response to a Load Tender: the carrier's yes or no to our 204. Only an explicit "A" is an
 * acceptance; a conditional answer or a counter proposal must not be treated as a covered load.
 * Why a tender was declined travels in K1 remarks (or V9), never in B1, so remarks are kept.
 */

export interface TenderResponse990 {
	controlNumber: string;
	scac: string;
	/** B102: the shipment id of the tender this answers (our 204's B204). */
	shipmentId: string;
	date: string;
	/** B104 reservation action code as sent. */
	actionCode: string;
	decision: "accepted" | "conditional" | "declined";
	references: Reference[];
	remarks: string[];
}

/** B104, element 558: A accepted; B conditional, C counter proposal; D cancelled, E declined, R delete. */
const DECISIONS: Record<string, TenderResponse990["decision"]> = { A: "accepted", B: "conditional", C: "conditional", D: "declined", E: "declined", R: "declined" };

export function read990(tx: X12Transaction): TenderResponse990 {
	const problems = expectTransaction(tx, "990");
	const b1 = tx.segments.find((s) => s[0] === "B1");
	if (!b1) problems.add("B1", "the 990 has no B1");
	const actionCode = el(b1, 4);
	const decision = DECISIONS[actionCode];
	if (b1 && !decision) problems.add("B104", `B104 '${actionCode}' is not a reservation action a load tender answer uses`);
	problems.required(b1, 2, "B102");
	problems.fail();
	return {
		controlNumber: el(tx.st, 2),
		scac: el(b1, 1),
		shipmentId: el(b1, 2),
		date: el(b1, 3),
		actionCode,
		decision: decision ?? "declined",
		references: tx.segments.filter((s) => s[0] === "N9").map(referenceOf),
		remarks: tx.segments.filter((s) => s[0] === "K1").map((s) => [el(s, 1), el(s, 2)].filter(Boolean).join(" ")),
	};
}
