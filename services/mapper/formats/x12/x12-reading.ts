import { SchemaInvalidError, isSchemaInvalid, type SchemaProblem } from "../../../../canonical/errors/index.ts";
import type { X12Problem } from "./x12-envelope.ts";
import { el, num, type Segment, type X12Group, type X12Interchange, type X12Transaction } from "./x12-interchange.ts";

/**
 * What the transaction-set readers share: the N1 party loop, references, and one way to collect
 * content problems so a reader reports all of them at once (a partner fixing a document wants the
 * whole list), as a SchemaInvalidError whose problems can also become 997 rejections.
 */

export interface Party {
	/** N101 entity code: ST ship-to, SF ship-from, SH shipper, CN consignee, BT bill-to, BY buyer, WH warehouse... */
	code: string;
	name: string;
	idQualifier: string;
	id: string;
	addressLines: string[];
	city: string;
	state: string;
	postalCode: string;
	country: string;
}

export interface Reference {
	qualifier: string;
	value: string;
	description: string;
}

const PARTY_DETAIL = new Set(["N2", "N3", "N4", "PER"]);

/** An N1 at `index` and the N2/N3/N4 right after it. */
export function partyAt(segments: Segment[], index: number): Party {
	const n1 = segments[index];
	const party: Party = { code: el(n1, 1), name: el(n1, 2), idQualifier: el(n1, 3), id: el(n1, 4), addressLines: [], city: "", state: "", postalCode: "", country: "" };
	for (let i = index + 1; i < segments.length && PARTY_DETAIL.has(segments[i]?.[0] ?? ""); i++) {
		const s = segments[i] as Segment;
		if (s[0] === "N2") party.name = [party.name, el(s, 1), el(s, 2)].filter(Boolean).join(" ");
		if (s[0] === "N3") party.addressLines.push(...[el(s, 1), el(s, 2)].filter(Boolean));
		if (s[0] === "N4") Object.assign(party, { city: el(s, 1), state: el(s, 2), postalCode: el(s, 3), country: el(s, 4) });
	}
	return party;
}

/** Every N1 loop among `segments`. */
export function partiesIn(segments: Segment[]): Party[] {
	return segments.flatMap((s, i) => (s[0] === "N1" ? [partyAt(segments, i)] : []));
}

/** N9, L11 and REF carry the same idea in a different order: N9/REF are qualifier first, L11 value first. */
export function referenceOf(s: Segment): Reference {
	return s[0] === "L11"
		? { qualifier: el(s, 2), value: el(s, 1), description: el(s, 3) }
		: { qualifier: el(s, 1), value: el(s, 2), description: el(s, 3) };
}

/** Collects problems while reading one transaction set; `fail()` throws them together. */
export class ContentProblems {
	readonly list: SchemaProblem[] = [];
	constructor(private readonly schema: string) {}

	/** `message` must stand alone (it becomes a 997 note and the error's headline); `field` is for machines. */
	add(field: string, message: string): void {
		this.list.push({ field, message });
	}

	/** A quantity that must be present and numeric; the problem names the element. */
	quantity(s: Segment | undefined, n: number, field: string): number {
		const value = num(s, n);
		if (value === undefined || Number.isNaN(value)) {
			this.add(field, `${field} must be a number, got '${el(s, n)}'`);
			return 0;
		}
		return value;
	}

	required(s: Segment | undefined, n: number, field: string): string {
		const value = el(s, n);
		if (value === "") this.add(field, `${field} is required`);
		return value;
	}

	fail(): void {
		if (this.list.length > 0) throw new SchemaInvalidError(this.schema, this.list);
	}
}

/** Readers accept one transaction set of their own kind; anything else is a routing error upstream. */
export function expectTransaction(tx: X12Transaction, code: string): ContentProblems {
	if (el(tx.st, 1) !== code) throw new SchemaInvalidError(`X12 ${code}`, [{ field: "ST01", message: `transaction ${el(tx.st, 2)} is a ${el(tx.st, 1)}, not a ${code}` }]);
	return new ContentProblems(`X12 ${code} ${el(tx.st, 2)}`);
}

/** An optional number: absent stays undefined, garbage becomes a problem. */
export function optionalNumber(s: Segment | undefined, n: number, field: string, problems: ContentProblems): number | undefined {
	const value = num(s, n);
	if (value !== undefined && Number.isNaN(value)) problems.add(field, `${field} must be a number, got '${el(s, n)}'`);
	return value === undefined || Number.isNaN(value) ? undefined : value;
}

export const CONTENT_INVALID = "CONTENT_INVALID";

/**
 * A reader's refusal as 997 material: one transaction-level problem per content problem, so the
 * acknowledgement rejects exactly that transaction set. Anything but a SchemaInvalidError is a bug
 * or an outage, not the partner's fault, and is rethrown.
 */
export function contentProblems(error: unknown, interchange: X12Interchange, group: X12Group, tx: X12Transaction): X12Problem[] {
	if (!isSchemaInvalid(error)) throw error;
	const data = error.data as { problems?: SchemaProblem[] } | undefined;
	const controlNumbers = { interchange: el(interchange.isa, 13), group: el(group.gs, 6), transaction: el(tx.st, 2) };
	return (data?.problems ?? [{ message: error.message }]).map((p) => ({
		code: CONTENT_INVALID,
		message: p.message,
		level: "transaction" as const,
		controlNumbers,
	}));
}

/** A product id as a line segment carries it: qualifier (VN vendor item, SK SKU, UP UPC, ...) and value. */
export interface ProductId {
	qualifier: string;
	value: string;
}

/** The qualifier/value pairs at the given element positions of a line segment (W01, W07, W19...), empty pairs skipped. */
export function productIdsOf(s: Segment, pairs: ReadonlyArray<readonly [number, number]>): ProductId[] {
	return pairs.flatMap(([q, v]) => (el(s, q) === "" ? [] : [{ qualifier: el(s, q), value: el(s, v) }]));
}

/** An N9 whose N901 qualifier is mandatory and whose reference (N902 or N903) must be there. */
export function checkedReference(n9: Segment, where: string, problems: ContentProblems): Reference {
	if (el(n9, 1) === "") problems.add(`${where}: N901`, `${where}: N901 reference qualifier is required`);
	if (el(n9, 2) === "" && el(n9, 3) === "") problems.add(`${where}: N902`, `${where} carries neither N902 nor N903`);
	return referenceOf(n9);
}
