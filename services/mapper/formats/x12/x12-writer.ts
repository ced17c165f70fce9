import { MappingFailedError } from "../../../../canonical/errors/index.ts";
import type { Delimiters, Segment } from "./x12-interchange.ts";

/**
 * One interchange, one functional group, any number of transaction sets: the shape every
 * outbound Waybill document (940, 204, 997) takes. Counts and control numbers are computed here,
 * never by the caller, so they cannot disagree with what is written.
 */

export const DEFAULT_DELIMITERS: Delimiters = { element: "*", segment: "~", subElement: ">", repetition: "^" };

export interface OutboundTransaction {
	/** ST01, e.g. "940". */
	code: string;
	/** The body without ST and SE. */
	segments: Segment[];
}

export interface InterchangeSpec {
	senderId: string;
	receiverId: string;
	/** ISA13 and, unless groupControlNumber says otherwise, GS06: 1 to 999999999. */
	controlNumber: number;
	/** GS01, e.g. "OW" for a 940, "SM" for a 204, "FA" for a 997. */
	functionalId: string;
	/** GS08, e.g. "004010"; ISA12 is derived from it ("00401"). */
	version: string;
	transactions: OutboundTransaction[];
	delimiters?: Partial<Delimiters>;
	senderQualifier?: string;
	receiverQualifier?: string;
	groupControlNumber?: number;
	/** ISA15: production unless told otherwise. */
	usage?: "P" | "T";
	now?: Date;
}

const FAIL = (reason: string): never => { throw new MappingFailedError("x12-writer", reason); };
const pad = (value: string, width: number): string => value.padEnd(width, " ");
const two = (n: number): string => String(n).padStart(2, "0");

export function writeInterchange(spec: InterchangeSpec): string {
	const d = checkedDelimiters({ ...DEFAULT_DELIMITERS, ...spec.delimiters });
	const version = spec.version.trim();
	if (!/^\d{6}/.test(version)) FAIL(`version '${spec.version}' is not a GS08 version such as 004010`);
	const isaVersion = version.slice(0, 5);
	if (!Number.isInteger(spec.controlNumber) || spec.controlNumber < 1 || spec.controlNumber > 999_999_999) FAIL(`control number ${spec.controlNumber} is outside 1..999999999`);
	for (const [name, id] of [["senderId", spec.senderId], ["receiverId", spec.receiverId]] as const) {
		if (id.trim() === "" || id.length > 15) FAIL(`${name} '${id}' must be 1 to 15 characters`);
	}
	const now = spec.now ?? new Date();
	const yyyy = String(now.getUTCFullYear());
	const date = `${yyyy}${two(now.getUTCMonth() + 1)}${two(now.getUTCDate())}`;
	const time = `${two(now.getUTCHours())}${two(now.getUTCMinutes())}`;
	const groupNo = String(spec.groupControlNumber ?? spec.controlNumber);
	// Before 00402 ISA11 is the standards id "U"; from then on it carries the repetition separator.
	const isa11 = isaVersion >= "00402" ? (d.repetition ?? "U") : "U";

	const segments: Segment[] = [[
		"ISA", "00", pad("", 10), "00", pad("", 10), spec.senderQualifier ?? "ZZ", pad(spec.senderId, 15), spec.receiverQualifier ?? "ZZ", pad(spec.receiverId, 15),
		date.slice(2), time, isa11, isaVersion, String(spec.controlNumber).padStart(9, "0"), "0", spec.usage ?? "P", d.subElement,
	]];
	segments.push(["GS", spec.functionalId, spec.senderId.trim(), spec.receiverId.trim(), date, time, groupNo, "X", version]);
	spec.transactions.forEach((tx, i) => {
		const txNo = String(i + 1).padStart(4, "0");
		segments.push(["ST", tx.code, txNo], ...tx.segments, ["SE", String(tx.segments.length + 2), txNo]);
	});
	segments.push(["GE", String(spec.transactions.length), groupNo], ["IEA", "1", String(spec.controlNumber).padStart(9, "0")]);
	return segments.map((s, i) => render(s, d, i === 0)).join("");
}

/** ISA16 is the sub-element separator itself, so only the other ISA elements are checked for it. */
function render(segment: Segment, d: Delimiters, isIsa: boolean): string {
	if (!/^[A-Z][A-Z0-9]{1,2}$/.test(segment[0] ?? "")) FAIL(`'${segment[0]}' is not a segment id`);
	// Every character of every delimiter, and line breaks (a reader may treat them as noise).
	const forbidden = new Set([...d.element, ...d.segment, ...d.subElement, ...(d.repetition ?? ""), "\r", "\n"]);
	segment.forEach((value, i) => {
		if (isIsa && (i === 16 || i === 11)) return;
		const clash = [...value].find((c) => forbidden.has(c));
		if (clash !== undefined) FAIL(`${segment[0]}${two(i)} ${JSON.stringify(value)} contains the delimiter ${JSON.stringify(clash)}`);
	});
	// Trailing empty elements are omitted, as X12 requires (except in the fixed-width ISA).
	const elements = [...segment];
	while (!isIsa && elements.length > 1 && elements.at(-1) === "") elements.pop();
	return elements.join(d.element) + d.segment;
}

function checkedDelimiters(d: Delimiters): Delimiters {
	const used = [d.element, d.segment, d.subElement, ...(d.repetition === undefined ? [] : [d.repetition])];
	if (new Set(used).size !== used.length) FAIL("delimiters must be distinct");
	if (used.some((c) => c.length === 0 || /[A-Za-z0-9 ]/.test(c))) FAIL("delimiters must be non-alphanumeric, non-space characters");
	if (d.element.length !== 1 || d.subElement.length !== 1) FAIL("element and sub-element separators are single characters");
	return d;
}
