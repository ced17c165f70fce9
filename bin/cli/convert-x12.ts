import { isSchemaInvalid } from "../../canonical/errors/index.ts";
import { checkEnvelope, el, parseInterchange, type X12Interchange, type X12Problem } from "../../services/mapper/formats/x12/index.ts";
import { mapInbound } from "../../services/mapper/canonical-mapper.ts";
import { readInterchange } from "../../services/mapper/x12-documents.ts";
import { convert997 } from "./convert-997.ts";
import type { MappingProfile } from "../../services/mapper/mapping-profile.ts";
import { problemOf, rejected, unmappedProblem, type Conversion, type DocumentProblem, type ProblemLocation, type RejectedSet } from "./document-problem.ts";

/** The X12 profile chosen when several read an interchange's sets equally well. */
export const PREFERRED_X12_PROFILE = "wms/x12-3pl";

/** Which trailer or header an envelope problem is about, by its code's prefix. */
const SEGMENT_OF_PROBLEM: Record<string, { segment: string; element: string }> = {
	ISA_CONTROL_NUMBER_INVALID: { segment: "ISA", element: "ISA13" },
	IEA_CONTROL_MISMATCH: { segment: "IEA", element: "IEA02" },
	IEA_COUNT_MISMATCH: { segment: "IEA", element: "IEA01" },
	GE_CONTROL_MISMATCH: { segment: "GE", element: "GE02" },
	GE_COUNT_MISMATCH: { segment: "GE", element: "GE01" },
	SE_CONTROL_MISMATCH: { segment: "SE", element: "SE02" },
	SE_COUNT_MISMATCH: { segment: "SE", element: "SE01" },
};

/**
 * An X12 interchange through an X12 profile: the one named, else the one whose inbound routes
 * cover the transaction sets it carries (x12ProfileFor). Parsed, its envelope checked (a
 * miscount is named with its segment and position), then each set the profile routes is mapped.
 * A set its reader refuses (a missing mandatory element) is reported in rejectedSets while the
 * others convert, as its 997 would reject it alone; an interchange none of whose sets the profile
 * routes is refused with that reason, never accepted empty.
 */
export async function convertX12(text: string, profiles: Map<string, MappingProfile>, receivedAt: string, named?: string): Promise<Conversion> {
	let interchange: X12Interchange;
	try {
		interchange = parseInterchange(text);
	} catch (e: unknown) {
		return rejected(problemOf(e, { format: "x12", ...(named ? { profile: named } : {}) }));
	}
	const sets = interchange.groups.flatMap((g) => g.transactions.map((tx) => ({ set: el(tx.st, 1), control: el(tx.st, 2) })));
	const choice = named ? { key: named } : x12ProfileFor(sets, profiles);
	// An envelope that does not add up is refused whatever profile would read it.
	const problems = checkEnvelope(interchange);
	if (problems.length > 0) return rejected(envelopeProblem(interchange, problems, "key" in choice ? choice.key : undefined));
	// A 997 answers what Waybill sent; no partner profile maps it, the acknowledgement reader does.
	const acknowledgement = named ? undefined : convert997(text, receivedAt);
	if (acknowledgement) return acknowledgement;
	if ("problem" in choice) return rejected(choice.problem);
	const key = choice.key;
	const profile = profiles.get(key)!;
	const routes = [...(profile.inbound?.routes.keys() ?? [])];
	if (!sets.some((s) => routes.includes(s.set))) {
		return rejected(unmappedProblem("x12", key, `X12 ${describeSets(sets)} read, but profile ${key} maps only ${routes.join(", ") || "nothing"} inbound; no canonical events`));
	}
	let refused: RejectedSet[] = [];
	try {
		refused = readInterchange(text).refused.map((r) => refusedSet(r, key));
		const facts = await mapInbound(profile, text, { receivedAt });
		return { accepted: true, format: "x12", profile: key, facts: facts.map((f) => ({ ...f, mappingVersion: profile.version })), ...(refused.length > 0 ? { rejectedSets: refused } : {}) };
	} catch (e: unknown) {
		const problem = problemOf(e, { format: "x12", profile: key });
		// Every set refused: the interchange is, and the problem points at the first refused set's element.
		return rejected(isSchemaInvalid(e) && refused[0]?.problem.where ? { ...problem, where: refused[0].problem.where } : problem);
	}
}

/**
 * The loaded X12 profile whose inbound routes cover most of the interchange's transaction sets
 * (940 from an ERP, 945/856/944/947 from a 3PL, 214/990/210 from a carrier). A tie goes to
 * PREFERRED_X12_PROFILE when it is among them, else is a problem naming the candidates, as is an
 * interchange no profile reads.
 */
export function x12ProfileFor(sets: Array<{ set: string; control: string }>, profiles: Map<string, MappingProfile>): { key: string } | { problem: DocumentProblem } {
	const distinct = [...new Set(sets.map((s) => s.set))];
	const readers = [...profiles].filter(([, p]) => p.format === "x12" && p.inbound).map(([key, p]) => ({ key, routes: [...p.inbound!.routes.keys()] }));
	const scored = readers.map((r) => ({ ...r, covers: distinct.filter((set) => r.routes.includes(set)).length }));
	const best = Math.max(0, ...scored.map((r) => r.covers));
	const top = scored.filter((r) => best > 0 && r.covers === best).map((r) => r.key).sort();
	if (top.length === 1) return { key: top[0]! };
	if (top.includes(PREFERRED_X12_PROFILE)) return { key: PREFERRED_X12_PROFILE };
	const maps = readers.map((r) => `${r.key} maps ${r.routes.join(", ") || "nothing"}`).join("; ");
	const detail = top.length > 1
		? `X12 ${describeSets(sets)} read, and profiles ${top.join(", ")} could each map it; name one with --profile`
		: `X12 ${describeSets(sets)} read, but no X12 profile maps ${distinct.join(", ") || "it"} inbound (${maps}); no canonical events`;
	return { problem: unmappedProblem("x12", top.length > 1 ? top.join(",") : "none", detail) };
}

function describeSets(sets: Array<{ set: string; control: string }>): string {
	return sets.map((s) => `${s.set} ${s.control}`).join(", ") || "no transaction set";
}

/** An element id such as N901 or W0102 in a reader's message: the segment id and two digits. */
const ELEMENT_IN_MESSAGE = /\b([A-Z][A-Z0-9]{1,2})(\d{2})\b/;

/** A set a reader refused, as a problem naming its segment and element and its control numbers. */
function refusedSet(refused: { set: string; controlNumber: string; problems: X12Problem[] }, profile: string): RejectedSet {
	const first = refused.problems[0];
	const element = first ? ELEMENT_IN_MESSAGE.exec(first.message) : null;
	const where: ProblemLocation = {
		...(element ? { segment: element[1]!, element: `${element[1]}${element[2]}` } : {}),
		...(first ? { controlNumbers: { ...first.controlNumbers } } : {}),
	};
	const reasons = refused.problems.map((p) => p.message).join("; ");
	return {
		set: refused.set,
		controlNumber: refused.controlNumber,
		problem: {
			type: "https://waybill.dev/problems/schema-invalid",
			title: "Transaction set refused",
			status: 422,
			detail: `transaction set ${refused.set} ${refused.controlNumber}: ${reasons}`,
			format: "x12",
			profile,
			where,
			errors: refused.problems.map((p) => ({ code: p.code, message: p.message })),
		},
	};
}

function envelopeProblem(interchange: X12Interchange, problems: X12Problem[], profile: string | undefined): DocumentProblem {
	const first = problems[0]!;
	return {
		type: "https://waybill.dev/problems/envelope-invalid",
		title: "X12 envelope does not add up",
		status: 422,
		detail: problems.map((p) => describe(interchange, p)).join("; "),
		format: "x12",
		...(profile ? { profile } : {}),
		where: locate(interchange, first),
		errors: problems.map((p) => ({ code: p.code, message: p.message, ...locate(interchange, p) })),
	};
}

function describe(interchange: X12Interchange, problem: X12Problem): string {
	const where = locate(interchange, problem);
	return `${problem.message} (segment ${where.segment}${where.position ? ` at position ${where.position}` : ""})`;
}

/** The segment a problem names, and its 1-based position in the interchange (ISA is 1). */
export function locate(interchange: X12Interchange, problem: X12Problem): ProblemLocation {
	const target = SEGMENT_OF_PROBLEM[problem.code];
	const { group, transaction } = problem.controlNumbers;
	const base = { ...(target ?? {}), controlNumbers: { ...problem.controlNumbers } };
	let position = 1;
	for (const g of interchange.groups) {
		position++;
		const inGroup = group === undefined || el(g.gs, 6) === group;
		for (const tx of g.transactions) {
			const seAt = position + 1 + tx.segments.length + 1;
			if (inGroup && target?.segment === "SE" && el(tx.st, 2) === transaction) return { ...base, position: seAt };
			position = seAt;
		}
		position++;
		if (inGroup && target?.segment === "GE") return { ...base, position };
	}
	if (target?.segment === "ISA") return { ...base, position: 1 };
	if (target?.segment === "IEA") return { ...base, position: position + 1 };
	return base;
}
