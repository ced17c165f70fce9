import { el, type Segment, type X12Transaction } from "./x12-interchange.ts";
import { expectTransaction, optionalNumber, partiesIn, referenceOf, type ContentProblems, type Party, type Reference } from "./x12-reading.ts";

/**
 * 204 Motor Carrier Load Tender: what we send a carrier, read back so that what we write is
 * proven readable (round trips), and so a tender a partner copies to us can be inspected. One
 * load (B204) with its stops in order (S5 loops): each stop's references, dates, parties and
 * weight, as sent. B2A says whether the tender is new, a change or a cancellation.
 */

export interface TenderDate {
	/** G6201: 37 ship not before, 38 ship no later than, 53 deliver not before, 54 deliver no later than... */
	qualifier: string;
	date: string;
	/** G6203: I/K earliest/latest pick-up, G/L earliest/latest delivery... */
	timeQualifier: string;
	time: string;
	/** G6205, element 623 (UT, ET, LT...). */
	timeCode: string;
}

export interface StopWeight {
	/** AT801 (G gross, N net...), "" when the weight came from S503. */
	qualifier: string;
	/** S504 or AT802: L pounds, K kilograms. */
	unit: string;
	value: number;
}

export interface Stop204 {
	/** S501, the stop's place in the route. */
	sequence: string;
	/** S502: CL complete load, CU complete unload, LD/UL partial load/unload, PU pick-up... */
	reasonCode: string;
	/** S503/S504, else the stop's first AT8. */
	weight?: StopWeight;
	/** S505/S506: how many handling units, and in what (CT cartons, PLT pallets...). */
	units?: { quantity: number; unit: string };
	references: Reference[];
	dates: TenderDate[];
	parties: Party[];
	notes: string[];
}

export interface LoadTender204 {
	controlNumber: string;
	/** B202, the carrier the tender is for. */
	scac: string;
	/** B204, the load id: what the carrier's 990, 214 and 210 name the load by. */
	shipmentId: string;
	/** B206: PP prepaid, CC collect, TP third party. */
	paymentMethod: string;
	/** B2A01: 00 original, 01 cancellation, 04 change. */
	purpose: string;
	/** B2A02: LT load tender. */
	applicationType: string;
	references: Reference[];
	dates: TenderDate[];
	parties: Party[];
	notes: string[];
	stops: Stop204[];
	/** L3: the load's totals as the tender states them. */
	totals?: { weight?: number; weightQualifier: string; charge?: number; ladingQuantity?: number };
}

export function read204(tx: X12Transaction): LoadTender204 {
	const problems = expectTransaction(tx, "204");
	const b2 = tx.segments.find((s) => s[0] === "B2");
	const b2a = tx.segments.find((s) => s[0] === "B2A");
	if (!b2) problems.add("B2", "the 204 has no B2 header");
	else problems.required(b2, 4, "B204 shipment id");
	if (!b2a) problems.add("B2A", "the 204 has no B2A purpose");
	const firstStop = tx.segments.findIndex((s) => s[0] === "S5");
	const l3At = tx.segments.findIndex((s) => s[0] === "L3");
	const header = firstStop < 0 ? tx.segments : tx.segments.slice(0, firstStop);
	const body = firstStop < 0 ? [] : tx.segments.slice(firstStop, l3At < firstStop ? undefined : l3At);

	const stops: Stop204[] = [];
	let segments: Segment[] = [];
	for (const s of body) {
		if (s[0] === "S5" && segments.length > 0) stops.push(stop(segments, problems));
		if (s[0] === "S5") segments = [];
		segments.push(s);
	}
	if (segments.length > 0) stops.push(stop(segments, problems));
	if (stops.length === 0) problems.add("S5", "the 204 has no S5 stop");
	const l3 = l3At < 0 ? undefined : tx.segments[l3At];
	const totals = l3 ? {
		weight: optionalNumber(l3, 1, "L301", problems),
		weightQualifier: el(l3, 2),
		charge: cents(optionalNumber(l3, 5, "L305", problems)),
		ladingQuantity: optionalNumber(l3, 11, "L311", problems),
	} : undefined;
	problems.fail();
	return {
		controlNumber: el(tx.st, 2),
		scac: el(b2, 2),
		shipmentId: el(b2, 4),
		paymentMethod: el(b2, 6),
		purpose: el(b2a, 1),
		applicationType: el(b2a, 2),
		references: header.filter((s) => s[0] === "L11").map(referenceOf),
		dates: header.filter((s) => s[0] === "G62").map(dateOf),
		parties: partiesIn(header),
		notes: header.filter((s) => s[0] === "NTE").map((s) => el(s, 2)),
		stops,
		...(totals ? { totals } : {}),
	};
}

/** L305 is N2: its last two digits are cents. */
function cents(value: number | undefined): number | undefined {
	return value === undefined ? undefined : value / 100;
}

function dateOf(g62: Segment): TenderDate {
	return { qualifier: el(g62, 1), date: el(g62, 2), timeQualifier: el(g62, 3), time: el(g62, 4), timeCode: el(g62, 5) };
}

/** One S5 loop. The L5 lines after the stop's N1 loops describe freight, not the stop, so they end it. */
function stop(segments: Segment[], problems: ContentProblems): Stop204 {
	const s5 = segments[0] as Segment;
	const sequence = problems.required(s5, 1, "S501 stop sequence");
	const where = `stop ${sequence}`;
	problems.required(s5, 2, `S502 reason of ${where}`);
	const lines = segments.findIndex((s) => s[0] === "L5");
	const own = lines < 0 ? segments : segments.slice(0, lines);
	const s5Weight = optionalNumber(s5, 3, `S503 of ${where}`, problems);
	const at8 = own.find((s) => s[0] === "AT8");
	const at8Weight = at8 ? optionalNumber(at8, 3, `AT803 of ${where}`, problems) : undefined;
	const weight: StopWeight | undefined = s5Weight !== undefined
		? { qualifier: "", unit: el(s5, 4), value: s5Weight }
		: at8Weight !== undefined ? { qualifier: el(at8, 1), unit: el(at8, 2), value: at8Weight } : undefined;
	const quantity = optionalNumber(s5, 5, `S505 of ${where}`, problems);
	return {
		sequence,
		reasonCode: el(s5, 2),
		...(weight ? { weight } : {}),
		...(quantity === undefined ? {} : { units: { quantity, unit: el(s5, 6) } }),
		references: own.filter((s) => s[0] === "L11").map(referenceOf),
		dates: own.filter((s) => s[0] === "G62").map(dateOf),
		parties: partiesIn(own),
		notes: own.filter((s) => s[0] === "NTE").map((s) => el(s, 2)),
	};
}
