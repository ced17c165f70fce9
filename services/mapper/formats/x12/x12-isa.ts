import { PayloadUnparseableError } from "../../../../canonical/errors/index.ts";
import type { Delimiters, Segment } from "./x12-interchange.ts";

/**
 * Reads the ISA header and the delimiters it declares. The ISA is nominally 106 fixed-width
 * characters, but fixed offsets break on real traffic (a VAN that hard-wraps at 80 columns puts a
 * newline inside the ISA), so the header is read by counting element separators instead: ISA has
 * exactly 16 elements, ISA16 is the sub-element separator, and what follows it ends the segment.
 */

export interface IsaHeader {
	isa: Segment;
	delimiters: Delimiters;
	/** Index in the text of the first character after the ISA segment terminator. */
	next: number;
}

const FORMAT = "X12";
const ISA_ELEMENTS = 16;
const isNewline = (c: string | undefined): boolean => c === "\n" || c === "\r";
const isSeparatorChar = (c: string | undefined): boolean => c !== undefined && /^[^A-Za-z0-9\s]$/u.test(c);

export function readIsa(text: string, start: number): IsaHeader {
	if (text.slice(start, start + 3) !== "ISA") throw new PayloadUnparseableError(FORMAT, "the interchange does not start with an ISA segment");
	const element = text[start + 3];
	if (!isSeparatorChar(element)) throw new PayloadUnparseableError(FORMAT, `ISA declares an unusable element separator ${JSON.stringify(element)}`);

	// Collect ISA01..ISA15 up to the 16th separator; newlines inside the ISA can only be wrapping.
	let i = start + 4;
	let field = "";
	const isa: Segment = ["ISA"];
	while (isa.length < ISA_ELEMENTS) {
		const c = text[i++];
		if (c === undefined) throw new PayloadUnparseableError(FORMAT, "the ISA segment is truncated");
		if (isNewline(c)) continue;
		if (c === element) { isa.push(field); field = ""; } else field += c;
	}
	while (isNewline(text[i])) i++;
	const subElement = text[i++];
	if (!isSeparatorChar(subElement) || subElement === element) throw new PayloadUnparseableError(FORMAT, `ISA16 ${JSON.stringify(subElement)} is not a usable sub-element separator`);
	isa.push(subElement as string);

	const { segment, next } = readTerminator(text, i, element);
	if (segment === element || segment === subElement) throw new PayloadUnparseableError(FORMAT, "ISA declares the same character for two delimiters");
	return { isa, delimiters: { element, segment, subElement: subElement as string, ...repetitionOf(isa) }, next };
}

/**
 * The segment terminator is whatever follows ISA16, one code point (so "…", three UTF-8 bytes,
 * is one terminator). A newline there is ambiguous: either newlines terminate segments, or the
 * 80-column wrap fell right after ISA16 and the real terminator opens the next line. Only the
 * second case puts a lone separator character directly before "GS", so that decides it.
 */
function readTerminator(text: string, i: number, element: string): { segment: string; next: number } {
	const c = text.codePointAt(i);
	if (c === undefined) throw new PayloadUnparseableError(FORMAT, "the interchange ends right after the ISA segment");
	const first = String.fromCodePoint(c);
	if (!isNewline(first)) return { segment: first, next: i + first.length };
	let j = i;
	while (isNewline(text[j])) j++;
	const candidate = text[j];
	let k = j + 1;
	while (isNewline(text[k])) k++;
	if (isSeparatorChar(candidate) && candidate !== element && text.startsWith(`GS${element}`, k)) return { segment: candidate as string, next: j + 1 };
	return { segment: text.startsWith("\r\n", i) ? "\r\n" : first, next: i };
}

/** ISA11 became the repetition separator in version 00402; before that it is the "U" standards id. */
function repetitionOf(isa: Segment): { repetition?: string } {
	const version = (isa[12] ?? "").trim();
	const candidate = isa[11] ?? "";
	return version >= "00402" && isSeparatorChar(candidate) ? { repetition: candidate } : {};
}
