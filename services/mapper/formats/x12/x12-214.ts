import { el, type Segment, type X12Transaction } from "./x12-interchange.ts";
import { expectTransaction, optionalNumber, partiesIn, referenceOf, type ContentProblems, type Party, type Reference } from "./x12-reading.ts";

/**
 * 214 Shipment Status: the carrier's account of where a shipment is. Each LX loop holds one or
 * more AT7 status lines with their own date and time, plus where it happened (MS1 city, or MS2
 * the equipment). Status and reason codes stay raw X12 codes; meaning is the mapping's business.
 */

export interface StatusEvent {
	lx: string;
	/** AT701 shipment status (AF picked up, X1 arrived, D1 delivered, AG estimated delivery...). */
	statusCode: string;
	/** AT702 reason (NS normal, A1 missed delivery, ...). */
	reasonCode: string;
	/** AT703/AT704 when the line reports an appointment rather than a shipment status. */
	appointmentStatusCode: string;
	appointmentReasonCode: string;
	date: string;
	time: string;
	/** AT707 time zone code (ET, CT, LT...). */
	timeCode: string;
	location?: { city: string; state: string; country: string; latitude?: number; longitude?: number };
	equipment?: { scac: string; number: string; typeCode: string };
}

export interface ShipmentStatus214 {
	controlNumber: string;
	/** B1001, the carrier's reference (PRO number). */
	carrierReference: string;
	/** B1002, the shipper's shipment id. */
	shipmentId: string;
	scac: string;
	references: Reference[];
	parties: Party[];
	events: StatusEvent[];
	weight?: { qualifier: string; unit: string; value?: number; ladingQuantity?: number };
}

export function read214(tx: X12Transaction): ShipmentStatus214 {
	const problems = expectTransaction(tx, "214");
	const b10 = tx.segments.find((s) => s[0] === "B10");
	if (!b10) problems.add("B10", "the 214 has no B10 header");
	const firstLx = tx.segments.findIndex((s) => s[0] === "LX");
	const header = firstLx < 0 ? tx.segments : tx.segments.slice(0, firstLx);

	const events: StatusEvent[] = [];
	let lx = "";
	let inLoop: StatusEvent[] = [];
	for (const s of firstLx < 0 ? [] : tx.segments.slice(firstLx)) {
		if (s[0] === "LX") { lx = el(s, 1); inLoop = []; }
		else if (s[0] === "AT7") { const e = statusEvent(s, lx, problems); inLoop.push(e); events.push(e); }
		// MS1/MS2 follow their AT7; one that comes before any AT7 in the loop has nothing to describe.
		else if (s[0] === "MS1" && inLoop.length) inLoop.at(-1)!.location = location(s, problems);
		else if (s[0] === "MS2" && inLoop.length) inLoop.at(-1)!.equipment = { scac: el(s, 1), number: el(s, 2), typeCode: el(s, 3) };
	}
	if (events.length === 0) problems.add("AT7", "the 214 has no AT7 status");
	const at8 = tx.segments.find((s) => s[0] === "AT8");
	const weight = at8 ? { qualifier: el(at8, 1), unit: el(at8, 2), value: optionalNumber(at8, 3, "AT803", problems), ladingQuantity: optionalNumber(at8, 4, "AT804", problems) } : undefined;
	problems.fail();
	return {
		controlNumber: el(tx.st, 2),
		carrierReference: el(b10, 1),
		shipmentId: el(b10, 2),
		scac: el(b10, 3),
		references: header.filter((s) => s[0] === "L11").map(referenceOf),
		parties: partiesIn(header),
		events,
		...(weight ? { weight } : {}),
	};
}

function statusEvent(at7: Segment, lx: string, problems: ContentProblems): StatusEvent {
	const statusCode = el(at7, 1);
	const appointmentStatusCode = el(at7, 3);
	// AT7 carries either a shipment status (01/02) or an appointment status (03/04), one of them.
	if (statusCode === "" && appointmentStatusCode === "") problems.add(`AT7 in LX ${lx}`, `AT7 in LX ${lx} has neither a status (AT701) nor an appointment status (AT703)`);
	return {
		lx,
		statusCode,
		reasonCode: el(at7, 2),
		appointmentStatusCode,
		appointmentReasonCode: el(at7, 4),
		date: problems.required(at7, 5, `AT705 in LX ${lx}`),
		time: el(at7, 6),
		timeCode: el(at7, 7),
	};
}

function location(ms1: Segment, problems: ContentProblems): NonNullable<StatusEvent["location"]> {
	const latitude = optionalNumber(ms1, 4, "MS104", problems);
	const longitude = optionalNumber(ms1, 5, "MS105", problems);
	return { city: el(ms1, 1), state: el(ms1, 2), country: el(ms1, 3), ...(latitude === undefined ? {} : { latitude }), ...(longitude === undefined ? {} : { longitude }) };
}
