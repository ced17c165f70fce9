import { toProblem, type ProblemDetails } from "../../services/gateway/problem-details.ts";
import type { MappedFact } from "../../services/mapper/canonical-mapper.ts";

export type DocumentFormat = "x12" | "edifact" | "json";

/** Where in a document the trouble is: the segment (id, 1-based position) and element when known. */
export interface ProblemLocation {
	segment?: string;
	element?: string;
	position?: number;
	/** Control numbers (X12) or references (EDIFACT) of the envelope concerned. */
	controlNumbers?: Record<string, string>;
}

/** problem+json for a document the CLI refuses, with what was recognised and where the fault is. */
export interface DocumentProblem extends ProblemDetails {
	format?: DocumentFormat;
	profile?: string;
	where?: ProblemLocation;
}

/** One line of `convert` output: a canonical fact and the mapping that produced it. */
export interface CanonicalLine extends MappedFact {
	mappingVersion: string;
}

/** One transaction set refused on its own while the rest of its interchange converted (X12). */
export interface RejectedSet {
	set: string;
	controlNumber: string;
	problem: DocumentProblem;
}

export type Conversion =
	| { accepted: true; format: DocumentFormat; profile: string; facts: CanonicalLine[]; rejectedSets?: RejectedSet[] }
	| { accepted: false; problem: DocumentProblem };

export const rejected = (problem: DocumentProblem): Conversion => ({ accepted: false, problem });

/** Any error the readers or mappings throw, as a problem; `where` is added when it can be located. */
export function problemOf(error: unknown, extra: Omit<Partial<DocumentProblem>, "type" | "status"> = {}): DocumentProblem {
	const problem: DocumentProblem = { ...toProblem(error), ...extra };
	if (!problem.where) {
		const where = locateInMessage(problem.detail);
		if (where) problem.where = where;
	}
	return problem;
}

/** A document recognised and read, for which no mapping exists: refused, with the reason, not silently empty. */
export function unmappedProblem(format: DocumentFormat, profile: string, detail: string, where?: ProblemLocation): DocumentProblem {
	return {
		type: "https://waybill.dev/problems/document-unmapped",
		title: "Document recognised but not mapped",
		status: 422,
		detail,
		format,
		profile,
		...(where ? { where } : {}),
	};
}

/** The X12 tokenizer says "segment 7 (N1): ..." or "segment 7 starts with ...": keep that as data too. */
function locateInMessage(detail: string): ProblemLocation | undefined {
	const match = /segment (\d+)(?: \(([A-Z][A-Z0-9]{1,2})\))?/.exec(detail);
	if (!match) return undefined;
	return { position: Number(match[1]), ...(match[2] ? { segment: match[2] } : {}) };
}
