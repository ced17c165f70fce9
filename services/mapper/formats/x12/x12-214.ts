import { DateTime } from "luxon";
import { el, type Segment, type X12Transaction } from "./x12-interchange.ts";
import { expectTransaction, optionalNumber, partiesIn, referenceOf, type ContentProblems, type Party, type Reference } from "./x12-reading.ts";

/**
 * 214 Shipment Status: the carrier's account of where a shipment is. Each LX loop holds one or
 * more AT7 status lines with their own date and time, plus where it happened (MS1 city, or MS2
 * the equipment). Status and reason codes stay raw X12 codes; meaning is the mapping's business.
 * Dates and times are not meaning but notation, so the reader resolves them to ISO 8601 here.
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
	/** AT705/AT706 as an ISO local date-time without offset, e.g. 2020-09-11T11:59:00 (a date alone is 00:00). */
	localTime: string;
	/** The same instant with its offset, when AT707 names a zone; absent for LT, no AT707, or a code not read here. */
	at?: string;
	/** MS1: the city, or the position in decimal degrees (north and east positive). */
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
	const date = problems.required(at7, 5, `AT705 in LX ${lx}`);
	const time = el(at7, 6);
	const timeCode = el(at7, 7);
	const local = date === "" ? undefined : localDateTime(date, time, `LX ${lx}`, problems);
	const zone = ZONES[timeCode] ?? numericZone(timeCode);
	const at = local && zone ? DateTime.fromISO(local, { zone }).toISO({ suppressMilliseconds: true }) ?? undefined : undefined;
	return { lx, statusCode, reasonCode: el(at7, 2), appointmentStatusCode, appointmentReasonCode: el(at7, 4), date, time, timeCode, localTime: local ?? "", ...(at ? { at } : {}) };
}

/**
 * Element 623 time codes to zones. The plain ones (ET, CT...) follow daylight saving, the
 * S and D ones are fixed. LT, and no AT707 at all, mean the local time of the place, which
 * only the partner's agreement can tell: left to the mapping.
 */
const ZONES: Record<string, string> = {
	UT: "UTC", GM: "UTC",
	ET: "America/New_York", ES: "UTC-5", ED: "UTC-4",
	CT: "America/Chicago", CS: "UTC-6", CD: "UTC-5",
	MT: "America/Denver", MS: "UTC-7", MD: "UTC-6",
	PT: "America/Los_Angeles", PS: "UTC-8", PD: "UTC-7",
	AT: "America/Anchorage", AS: "UTC-9", AD: "UTC-8",
	HT: "Pacific/Honolulu", HS: "UTC-10", HD: "UTC-9",
	TT: "America/Halifax", TS: "UTC-4", TD: "UTC-3",
	NT: "America/St_Johns", NS: "UTC-3:30", ND: "UTC-2:30",
};

/** 01 to 12 are ISO P01 to P12 (ahead of UTC), 13 to 24 are M12 down to M01. */
function numericZone(code: string): string | undefined {
	if (!/^\d{2}$/.test(code)) return undefined;
	const n = Number(code);
	if (n >= 1 && n <= 12) return `UTC+${n}`;
	if (n >= 13 && n <= 24) return `UTC-${25 - n}`;
	return undefined;
}

/** CCYYMMDD and HHMM[SS[D[D]]] as an ISO local date-time; decimal seconds are dropped. */
function localDateTime(date: string, time: string, where: string, problems: ContentProblems): string | undefined {
	const d = /^(\d{4})(\d{2})(\d{2})$/.exec(date);
	const t = /^(\d{2})(\d{2})(\d{2})?\d{0,2}$/.exec(time);
	if (!d) problems.add(`AT705 in ${where}`, `AT705 in ${where} '${date}' is not a CCYYMMDD date`);
	if (time !== "" && !t) problems.add(`AT706 in ${where}`, `AT706 in ${where} '${time}' is not an HHMM time`);
	if (!d || (time !== "" && !t)) return undefined;
	const iso = `${d[1]}-${d[2]}-${d[3]}T${t ? `${t[1]}:${t[2]}:${t[3] ?? "00"}` : "00:00:00"}`;
	if (!DateTime.fromISO(iso, { zone: "UTC" }).isValid) {
		problems.add(`AT705 in ${where}`, `AT705/AT706 in ${where} '${date} ${time}' is not a real date and time`);
		return undefined;
	}
	return iso;
}

/**
 * MS104 is the longitude and MS105 the latitude, each DDDMMSS (degrees, minutes, seconds), with
 * MS106 E or W and MS107 N or S; later releases add MS109/MS110 in decimal degrees, preferred here.
 */
function location(ms1: Segment, problems: ContentProblems): NonNullable<StatusEvent["location"]> {
	const decimalLongitude = optionalNumber(ms1, 9, "MS109", problems);
	const decimalLatitude = optionalNumber(ms1, 10, "MS110", problems);
	const longitude = decimalLongitude ?? degrees(ms1, 4, el(ms1, 6) === "W", problems);
	const latitude = decimalLatitude ?? degrees(ms1, 5, el(ms1, 7) === "S", problems);
	const position = latitude === undefined || longitude === undefined ? {} : { latitude, longitude };
	return { city: el(ms1, 1), state: el(ms1, 2), country: el(ms1, 3), ...position };
}

function degrees(ms1: Segment, n: number, negative: boolean, problems: ContentProblems): number | undefined {
	const raw = el(ms1, n);
	if (raw === "") return undefined;
	const dms = /^(\d{3})(\d{2})(\d{2}(?:\.\d+)?)$/.exec(raw);
	if (!dms || Number(dms[2]) >= 60 || Number(dms[3]) >= 60) {
		problems.add(`MS10${n}`, `MS10${n} '${raw}' is not DDDMMSS degrees, minutes and seconds`);
		return undefined;
	}
	const value = Number(dms[1]) + Number(dms[2]) / 60 + Number(dms[3]) / 3600;
	return Math.round((negative ? -value : value) * 1e6) / 1e6;
}
