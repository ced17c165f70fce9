import { el, type Segment, type X12Transaction } from "./x12-interchange.ts";
import { expectTransaction, optionalNumber, partiesIn, referenceOf, type ContentProblems, type Party, type Reference } from "./x12-reading.ts";

/**
 * 210 Motor Carrier Freight Details and Invoice: what a carrier bills for one shipment. The
 * header (B3) carries the invoice number, the shipment it bills and the net amount due; each LX
 * loop is a line of lading (L5 description, L0 quantities) with its charges (L1); L3 sums up.
 *
 * Money in B307, L104 and L305 is X12 type N2: digits with two implied decimals ("12417" is
 * 124.17), never a decimal point. Read here as currency units; an amount written with a point
 * is refused rather than guessed at, since being off by a factor of a hundred is the worst case.
 */

export interface FreightCharge {
	/** L101, the lading line the charge belongs to. */
	lineNumber: string;
	/** L102/L103: the rate and what it is per (PH per hundredweight, FR flat rate...). */
	rate?: number;
	rateQualifier: string;
	/** L104 in currency units; absent when the line states a rate only. */
	amount?: number;
	/** L108 special charge or allowance code (FUE fuel, DSC discount, 400 freight...); "" for plain freight. */
	specialChargeCode: string;
}

export interface InvoiceLine210 {
	lx: string;
	/** The L502 texts of the loop, in order. */
	descriptions: string[];
	/** L0: weight and handling units of the line. */
	quantity?: { weight?: number; weightQualifier: string; weightUnit: string; ladingQuantity?: number; packaging: string };
	charges: FreightCharge[];
}

export interface FreightInvoice210 {
	controlNumber: string;
	/** B302. */
	invoiceNumber: string;
	/** B303: the shipment the carrier bills, as the shipper named it (our 204's B204). */
	shipmentId: string;
	/** B304: PP prepaid, CC collect, TP third party. */
	paymentMethod: string;
	/** B306, CCYYMMDD. */
	billingDate: string;
	/** B307 in currency units. */
	netAmountDue: number;
	/** B309, CCYYMMDD or "". */
	deliveryDate: string;
	/** B311. */
	scac: string;
	/** C301, "" when the invoice has no C3 (US carriers often leave the dollar implied). */
	currency: string;
	references: Reference[];
	parties: Party[];
	lines: InvoiceLine210[];
	totals?: { weight?: number; weightQualifier: string; charge?: number; ladingQuantity?: number; weightUnit: string };
}

export function read210(tx: X12Transaction): FreightInvoice210 {
	const problems = expectTransaction(tx, "210");
	const b3 = tx.segments.find((s) => s[0] === "B3");
	if (!b3) problems.add("B3", "the 210 has no B3 header");
	const billed = b3 ? {
		invoiceNumber: problems.required(b3, 2, "B302 invoice number"),
		billingDate: problems.required(b3, 6, "B306 billing date"),
		netAmountDue: money(b3, 7, "B307 net amount due", problems, true) ?? 0,
		scac: problems.required(b3, 11, "B311 SCAC"),
	} : { invoiceNumber: "", billingDate: "", netAmountDue: 0, scac: "" };
	const firstLx = tx.segments.findIndex((s) => s[0] === "LX");
	const header = firstLx < 0 ? tx.segments : tx.segments.slice(0, firstLx);

	const lines: InvoiceLine210[] = [];
	let line: InvoiceLine210 | undefined;
	for (const s of firstLx < 0 ? [] : tx.segments.slice(firstLx)) {
		if (s[0] === "LX") lines.push(line = { lx: el(s, 1), descriptions: [], charges: [] });
		else if (!line || s[0] === "L3") continue;
		else if (s[0] === "L5") line.descriptions.push(el(s, 2));
		else if (s[0] === "L0") line.quantity = lading(s, `L0 in LX ${line.lx}`, problems);
		else if (s[0] === "L1") line.charges.push(charge(s, `L1 in LX ${line.lx}`, problems));
	}
	const l3 = tx.segments.find((s) => s[0] === "L3");
	const totals = l3 ? {
		weight: optionalNumber(l3, 1, "L301", problems),
		weightQualifier: el(l3, 2),
		charge: money(l3, 5, "L305", problems),
		ladingQuantity: optionalNumber(l3, 11, "L311", problems),
		weightUnit: el(l3, 12),
	} : undefined;
	problems.fail();
	return {
		controlNumber: el(tx.st, 2),
		...billed,
		shipmentId: el(b3, 3),
		paymentMethod: el(b3, 4),
		deliveryDate: el(b3, 9),
		currency: el(header.find((s) => s[0] === "C3"), 1),
		references: header.filter((s) => s[0] === "N9").map(referenceOf),
		parties: partiesIn(header),
		lines,
		...(totals ? { totals } : {}),
	};
}

/** An N2 amount: optional unless `required`; a decimal point or anything but digits is a problem. */
function money(s: Segment, n: number, field: string, problems: ContentProblems, required = false): number | undefined {
	const raw = el(s, n);
	if (raw === "") {
		if (required) problems.add(field, `${field} is required`);
		return undefined;
	}
	if (!/^-?\d+$/.test(raw)) {
		problems.add(field, `${field} '${raw}' is not an N2 amount (digits with two implied decimals, no point)`);
		return undefined;
	}
	return Number(raw) / 100;
}

function charge(l1: Segment, where: string, problems: ContentProblems): FreightCharge {
	const rate = optionalNumber(l1, 2, `${where}: L102`, problems);
	const amount = money(l1, 4, `${where}: L104`, problems);
	return {
		lineNumber: el(l1, 1),
		...(rate === undefined ? {} : { rate }),
		rateQualifier: el(l1, 3),
		...(amount === undefined ? {} : { amount }),
		specialChargeCode: el(l1, 8),
	};
}

function lading(l0: Segment, where: string, problems: ContentProblems): NonNullable<InvoiceLine210["quantity"]> {
	const weight = optionalNumber(l0, 4, `${where}: L004`, problems);
	const ladingQuantity = optionalNumber(l0, 8, `${where}: L008`, problems);
	return {
		...(weight === undefined ? {} : { weight }),
		weightQualifier: el(l0, 5),
		weightUnit: el(l0, 11),
		...(ladingQuantity === undefined ? {} : { ladingQuantity }),
		packaging: el(l0, 9),
	};
}
