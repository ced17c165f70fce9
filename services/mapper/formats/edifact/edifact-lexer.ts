import { PayloadUnparseableError } from "../../../../canonical/errors/index.ts";
import { EDIFACT_FORMAT, type EdifactDelimiters } from "./edifact-syntax.ts";

/** One segment: its tag, then its data elements, each a list of components (released characters already unescaped). */
export interface EdifactSegment {
	tag: string;
	elements: string[][];
}

/** A lexed segment plus where it started, so an error can point at it. */
export interface LexedSegment extends EdifactSegment {
	offset: number;
}

export interface LexResult {
	segments: LexedSegment[];
	/** Characters after the last segment terminator: a document cut off in the middle of a segment. */
	trailing?: string;
}

const TAG = /^[A-Z][A-Z0-9]{2}$/;

/**
 * Splits the body into segments in one pass, so a released separator ('?+', '?'') stays data.
 * Line breaks between segments are transport formatting (many partners send one segment per
 * line), so they are skipped; inside a segment they are data and kept.
 */
export function lexSegments(text: string, from: number, d: EdifactDelimiters): LexResult {
	const segments: LexedSegment[] = [];
	let elements: string[][] = [];
	let components: string[] = [];
	let buf = "";
	let start = -1;
	for (let i = from; i < text.length; i++) {
		const c = text[i]!;
		if (start < 0) {
			if (c === "\r" || c === "\n" || (segments.length === 0 && /\s/.test(c))) continue;
			start = i;
		}
		if (d.release && c === d.release) {
			if (i + 1 >= text.length) throw new PayloadUnparseableError(EDIFACT_FORMAT, `release character '${d.release}' at offset ${i} escapes nothing`);
			buf += text[++i];
		} else if (c === d.component) {
			components.push(buf);
			buf = "";
		} else if (c === d.element) {
			components.push(buf);
			elements.push(components);
			components = [];
			buf = "";
		} else if (c === d.segment) {
			components.push(buf);
			elements.push(components);
			segments.push(toSegment(elements, start));
			elements = [];
			components = [];
			buf = "";
			start = -1;
		} else {
			buf += c;
		}
	}
	if (start < 0) return { segments };
	const rest = text.slice(start);
	return rest.trim() === "" ? { segments } : { segments, trailing: rest };
}

function toSegment(parts: string[][], offset: number): LexedSegment {
	const tag = parts[0]?.[0] ?? "";
	// Syntax 4 may add components to the tag (explicit nesting); the tag itself is the first.
	if (!TAG.test(tag)) {
		throw new PayloadUnparseableError(EDIFACT_FORMAT, `no segment tag at offset ${offset}: '${preview(parts)}'`);
	}
	return { tag, elements: parts.slice(1), offset };
}

function preview(parts: string[][]): string {
	const text = parts.map((e) => e.join(":")).join("+");
	return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
