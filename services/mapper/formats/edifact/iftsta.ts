import { createHash } from "node:crypto";
import { MappingFailedError } from "../../../../canonical/errors/index.ts";
import { LASTMILE_FACTS } from "../../../../canonical/message-types.ts";
import type { MappedFact } from "../../canonical-mapper.ts";
import { DEFAULT_UTC_OFFSET, edifactTimeToIso } from "./edifact-dates.ts";
import { assertIntact, type EdifactInterchange } from "./edifact-tokenizer.ts";
import type { DateTimeValue } from "./edifact-values.ts";
import { readIftsta, type IftstaConsignment, type IftstaReport, type IftstaStatus } from "./iftsta-reader.ts";
import { statusMappingFor, type StatusMapping } from "./iftsta-status-codes.ts";

export { readIftsta, readIftstaMessage, ssccsOf } from "./iftsta-reader.ts";
export type { IftstaConsignment, IftstaGoodsItem, IftstaReport, IftstaStatus } from "./iftsta-reader.ts";

export interface IftstaCanonicalOptions {
	/** Which Waybill order a consignment belongs to: the carrier knows its own references, not ours. */
	orderRefFrom: (consignment: IftstaConsignment, report: IftstaReport) => string | undefined;
	/** The partner's local offset for DTM values (EDIFACT times carry none); "Z" when not said. */
	utcOffset?: string;
}

/** A status the table does not know: no fact, but named, so it is seen rather than lost. */
export interface UnmappedStatus {
	messageRef: string;
	consignment: string;
	code: string;
	reason: string;
}

export interface IftstaCanonicalResult {
	facts: MappedFact[];
	unmapped: UnmappedStatus[];
}

const MAPPING = "edifact IFTSTA";
/** DTM 2005 qualifiers: 334 status change, 137 document date, 17 estimated delivery. */
const EVENT_TIME = "334";
const DOCUMENT_TIME = "137";
const ESTIMATED_DELIVERY = "17";
/** BGM 1225 functions that withdraw a document rather than report something. */
const NEGATIVE_FUNCTIONS: Record<string, string> = { "1": "cancellation", "3": "deletion" };
const MAX_REASON = 500;

/**
 * One canonical last-mile fact per mapped status, in document order. The interchange must be
 * intact (a truncated report could hide the status that matters), and a consignment with a mapped
 * status must resolve to an order: guessing would put a delivery on the wrong order.
 */
export function iftstaToCanonical(parsed: EdifactInterchange, options: IftstaCanonicalOptions): IftstaCanonicalResult {
	assertIntact(parsed);
	const reports = readIftsta(parsed);
	if (reports.length === 0) throw new MappingFailedError(MAPPING, `no IFTSTA message (found ${parsed.messages.map((m) => m.type).join(", ")})`);
	const result: IftstaCanonicalResult = { facts: [], unmapped: [] };
	for (const report of reports) {
		const negative = NEGATIVE_FUNCTIONS[report.documentFunction ?? ""];
		if (negative) throw new MappingFailedError(MAPPING, `report ${report.documentNumber ?? report.messageRef} is a ${negative} (BGM 1225=${report.documentFunction}); withdrawn statuses are not replayed as facts`);
		for (const consignment of report.consignments) {
			for (const status of consignment.statuses) {
				const mapping = statusMappingFor(status.code, status.codeListAgency);
				if (!mapping) {
					result.unmapped.push({ messageRef: report.messageRef, consignment: consignment.reference, code: status.code, reason: `STS code '${status.code}'${status.codeListAgency ? ` (agency ${status.codeListAgency})` : ""} is not in the IFTSTA status table` });
					continue;
				}
				result.facts.push(toFact(report, consignment, status, mapping, options));
			}
		}
	}
	return result;
}

function toFact(report: IftstaReport, consignment: IftstaConsignment, status: IftstaStatus, mapping: StatusMapping, options: IftstaCanonicalOptions): MappedFact {
	const orderId = options.orderRefFrom(consignment, report);
	if (!orderId) throw new MappingFailedError(MAPPING, `consignment '${consignment.reference}' has no order reference`);
	const offset = options.utcOffset ?? DEFAULT_UTC_OFFSET;
	// A status without its own time (the GS1 sample's "en route") was true when the report was issued.
	const when = find(status.times, EVENT_TIME) ?? find(consignment.times, EVENT_TIME) ?? find(report.times, DOCUMENT_TIME);
	if (!when) throw new MappingFailedError(MAPPING, `consignment '${consignment.reference}' status ${status.code} has no event time (DTM 334) and the report no date (DTM 137)`);
	const time = edifactTimeToIso(when.value, when.format, offset);
	const ssccs = status.goodsItems.flatMap((g) => g.ssccs);
	const eta = find(status.times, ESTIMATED_DELIVERY);
	const data: Record<string, unknown> = { orderId, partnerRef: consignment.reference };
	if (eta) data.eta = edifactTimeToIso(eta.value, eta.format, offset);
	if (mapping.type === LASTMILE_FACTS.ATTEMPT_FAILED || mapping.type === LASTMILE_FACTS.DELAY_DETECTED) data.reason = describe(status, mapping, ssccs);
	else if (mapping.type === LASTMILE_FACTS.DELIVERED && ssccs.length > 0) data.proofOfDelivery = { notes: `delivered packages (SSCC): ${ssccs.join(", ")}` };
	return { type: mapping.type, subject: orderId, time, partnerEventId: eventId(consignment.reference, status.code, time, ssccs), data };
}

function find(times: DateTimeValue[], qualifier: string): DateTimeValue | undefined {
	return times.find((t) => t.qualifier === qualifier && t.value);
}

/** The reason a person reads: the status name, its reason codes, where, and which packages. */
function describe(status: IftstaStatus, mapping: StatusMapping, ssccs: string[]): string {
	const parts = [`${mapping.label} (STS ${status.code}${status.reasons.length > 0 ? `, reason ${status.reasons.join("/")}` : ""})`];
	if (status.description) parts.push(status.description);
	const place = status.locations.map((l) => l.name ?? l.id).filter(Boolean);
	if (place.length > 0) parts.push(`at ${place.join(", ")}`);
	if (ssccs.length > 0) parts.push(`packages (SSCC) ${ssccs.join(", ")}`);
	const text = parts.join("; ");
	return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 3)}...` : text;
}

/**
 * Stable across re-sent reports: the same consignment, status, time and packages name the same
 * event, so a carrier repeating yesterday's status in today's report is dropped as a duplicate.
 */
function eventId(consignment: string, code: string, time: string, ssccs: string[]): string {
	const base = `iftsta:${consignment}:${code}:${time}`;
	if (ssccs.length === 0) return base;
	const scope = ssccs.join("+");
	return `${base}:${scope.length <= 120 ? scope : createHash("sha256").update(scope).digest("hex").slice(0, 32)}`;
}
