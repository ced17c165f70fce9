import { MappingFailedError } from "../../../../canonical/errors/index.ts";
import type { LineQuantity } from "../../../../canonical/entities/common.ts";
import type { Shipment, ShipmentPackage } from "../../../../canonical/entities/shipment.ts";
import { WMS_FACTS } from "../../../../canonical/message-types.ts";
import type { MappedFact } from "../../canonical-mapper.ts";
import { DEFAULT_UTC_OFFSET, edifactTimeToIso } from "./edifact-dates.ts";
import { assertIntact, type EdifactInterchange } from "./edifact-tokenizer.ts";
import { hasValidCheckDigit } from "./edifact-values.ts";
import { readDesadv, type DespatchAdvice, type DespatchLine, type PackagingLevel } from "./desadv-reader.ts";

export { readDesadv, readDesadvMessage } from "./desadv-reader.ts";
export type { DespatchAdvice, DespatchLine, PackagingLevel } from "./desadv-reader.ts";

export interface DesadvCanonicalOptions {
	/** The Waybill order the despatch answers; by default the header RFF+ON (the order number we sent). */
	orderRefFrom?: (advice: DespatchAdvice) => string | undefined;
	/** The sku Waybill knows the item by; by default PIA IN (buyer's number), then PIA SA, then the LIN GTIN. */
	skuFrom?: (line: DespatchLine) => string | undefined;
	warehouse?: string;
	/** The partner's local offset for DTM values; "Z" when not said. */
	utcOffset?: string;
}

const MAPPING = "edifact DESADV";
const NEGATIVE_FUNCTIONS: Record<string, string> = { "1": "cancellation", "3": "deletion" };
/** QTY 6063 12 and DTM 2005 11: what was despatched, and when. 137 is the document date. */
const DESPATCHED = "12";
const DESPATCH_TIME = "11";
const DOCUMENT_TIME = "137";

const defaultOrderRef = (advice: DespatchAdvice) => advice.references.find((r) => r.qualifier === "ON")?.value;
const defaultSku = (line: DespatchLine) =>
	line.articleIds.find((a) => a.type === "IN")?.value ?? line.articleIds.find((a) => a.type === "SA")?.value ?? line.itemId;

/**
 * One `wms.shipment.manifested` fact per DESADV message in the interchange, its data a canonical
 * Shipment. Refuses (MappingFailedError) rather than guesses: a despatch without an order, a
 * time, a despatched quantity per line, or with a line count that contradicts its CNT.
 */
export function desadvToCanonical(parsed: EdifactInterchange, options: DesadvCanonicalOptions = {}): MappedFact[] {
	assertIntact(parsed);
	const advices = readDesadv(parsed);
	if (advices.length === 0) throw new MappingFailedError(MAPPING, `no DESADV message (found ${parsed.messages.map((m) => m.type).join(", ")})`);
	return advices.map((advice) => toFact(advice, options));
}

function toFact(advice: DespatchAdvice, options: DesadvCanonicalOptions): MappedFact {
	const name = advice.documentNumber ?? advice.messageRef;
	const fail = (reason: string) => new MappingFailedError(MAPPING, `despatch advice ${name}: ${reason}`);
	const negative = NEGATIVE_FUNCTIONS[advice.documentFunction ?? ""];
	if (negative) throw fail(`is a ${negative} (BGM 1225=${advice.documentFunction}); a withdrawn despatch is not a shipment`);
	if (!advice.documentNumber) throw fail("BGM carries no document number");
	const orderId = (options.orderRefFrom ?? defaultOrderRef)(advice);
	if (!orderId) throw fail("no order reference (RFF+ON)");
	const when = advice.times.find((t) => t.qualifier === DESPATCH_TIME) ?? advice.times.find((t) => t.qualifier === DOCUMENT_TIME);
	if (!when) throw fail("neither a despatch date (DTM 11) nor a document date (DTM 137)");
	const declared = advice.controlTotals["2"];
	if (declared !== undefined && Number(declared) !== advice.lines.length) throw fail(`CNT+2 declares ${declared} line items but ${advice.lines.length} are present`);
	if (advice.lines.length === 0) throw fail("no LIN line items");

	const canonical = advice.lines.map((line) => ({ line, quantity: toLineQuantity(line, options, fail) }));
	const shipment: Shipment = {
		shipmentId: advice.documentNumber,
		orderId,
		shippedAt: edifactTimeToIso(when.value, when.format, options.utcOffset ?? DEFAULT_UTC_OFFSET),
		packages: packagesOf(advice, canonical, fail),
		lines: sumByLine(canonical.map((c) => c.quantity), fail),
	};
	if (options.warehouse) shipment.warehouse = options.warehouse;
	const carrier = advice.carrier?.name ?? advice.carrier?.id;
	if (carrier) shipment.carrier = carrier;
	const tracking = advice.references.find((r) => r.qualifier === "CN")?.value;
	if (tracking) shipment.trackingNumber = tracking;
	return { type: WMS_FACTS.SHIPMENT_MANIFESTED, subject: orderId, time: shipment.shippedAt, partnerEventId: `desadv:${advice.documentNumber}:${advice.documentFunction ?? "9"}`, data: shipment };
}

/** The order line comes from RFF+ON's line number when the partner gives it, else from LIN itself. */
function toLineQuantity(line: DespatchLine, options: DesadvCanonicalOptions, fail: (r: string) => Error): LineQuantity {
	const orderLine = line.references.find((r) => r.qualifier === "ON" && r.line)?.line;
	const lineNo = Number(orderLine ?? line.lineNo);
	if (!Number.isInteger(lineNo) || lineNo < 1) throw fail(`LIN ${line.lineNo} has no usable line number ('${orderLine ?? line.lineNo}')`);
	const sku = (options.skuFrom ?? defaultSku)(line);
	if (!sku) throw fail(`LIN ${line.lineNo} names no item (PIA or LIN item number)`);
	const despatched = line.quantities.find((q) => q.qualifier === DESPATCHED)?.value;
	const qty = despatched === undefined ? Number.NaN : Number(despatched.replace(",", "."));
	if (!Number.isInteger(qty) || qty < 0) throw fail(`LIN ${line.lineNo} has no whole despatched quantity (QTY+12, got '${despatched ?? ""}')`);
	return { lineNo, sku, qty };
}

/**
 * The canonical Shipment is flat, so the hierarchy is folded: a package is the nearest SSCC-marked
 * level at or above where an item is packed (a pallet of unmarked cartons is one package). Levels
 * that only hold other marked levels (a mixed pallet of labelled cartons) are not packages of
 * their own, so the goods are not counted twice; readDesadv still shows the whole hierarchy.
 */
function packagesOf(advice: DespatchAdvice, lines: Array<{ line: DespatchLine; quantity: LineQuantity }>, fail: (r: string) => Error): ShipmentPackage[] {
	const byId = new Map(advice.levels.map((l) => [l.id, l]));
	const found = new Map<PackagingLevel, LineQuantity[]>();
	for (const { line, quantity } of lines) {
		if (line.levelId === undefined) continue;
		let level = byId.get(line.levelId);
		const seen = new Set<PackagingLevel>();
		while (level && level.ssccs.length === 0 && level.parentId !== undefined && !seen.has(level)) {
			seen.add(level);
			level = byId.get(level.parentId) ?? level;
		}
		const owner = level && level.ssccs.length > 0 ? level : byId.get(line.levelId)!;
		found.set(owner, [...(found.get(owner) ?? []), quantity]);
	}
	return [...found].map(([level, quantities]) => {
		if (level.ssccs.length > 1) throw fail(`CPS ${level.id} lists ${level.ssccs.length} SSCCs for one level; its items cannot be assigned to one package`);
		const sscc = level.ssccs[0];
		if (sscc !== undefined && (sscc.length !== 18 || !hasValidCheckDigit(sscc))) throw fail(`CPS ${level.id} SSCC '${sscc}' is not 18 digits with a valid check digit`);
		const pkg: ShipmentPackage = { lines: sumByLine(quantities, fail) };
		if (sscc) pkg.sscc = sscc;
		if (level.weightKg !== undefined) pkg.weightKg = level.weightKg;
		if (level.dimensionsCm) pkg.dimensionsCm = level.dimensionsCm;
		return pkg;
	});
}

/** One item split over several LINs (or packages) is one order line: quantities add up. */
function sumByLine(quantities: LineQuantity[], fail: (r: string) => Error): LineQuantity[] {
	const lines = new Map<number, LineQuantity>();
	for (const q of quantities) {
		const known = lines.get(q.lineNo);
		if (known && known.sku !== q.sku) throw fail(`order line ${q.lineNo} is given as both '${known.sku}' and '${q.sku}'`);
		lines.set(q.lineNo, { ...q, qty: (known?.qty ?? 0) + q.qty });
	}
	return [...lines.values()];
}
