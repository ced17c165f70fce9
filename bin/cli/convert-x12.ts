import { checkEnvelope, el, parseInterchange, type X12Interchange, type X12Problem } from "../../services/mapper/formats/x12/index.ts";
import { mapInbound } from "../../services/mapper/canonical-mapper.ts";
import type { MappingProfile } from "../../services/mapper/mapping-profile.ts";
import { problemOf, rejected, unmappedProblem, type Conversion, type DocumentProblem, type ProblemLocation } from "./document-problem.ts";

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
 * An X12 interchange through an X12 profile (wms/x12-3pl by default): parsed, its envelope
 * checked (a miscount is named with its segment and position), then each transaction set the
 * profile routes is mapped. Sets it does not route are reported, not dropped in silence.
 */
export async function convertX12(text: string, profile: MappingProfile, receivedAt: string): Promise<Conversion> {
	const key = `${profile.system}/${profile.profile}`;
	let interchange: X12Interchange;
	try {
		interchange = parseInterchange(text);
	} catch (e: unknown) {
		return rejected(problemOf(e, { format: "x12", profile: key }));
	}
	const problems = checkEnvelope(interchange);
	if (problems.length > 0) return rejected(envelopeProblem(interchange, problems, key));
	const sets = interchange.groups.flatMap((g) => g.transactions.map((tx) => ({ set: el(tx.st, 1), control: el(tx.st, 2) })));
	const routes = [...(profile.inbound?.routes.keys() ?? [])];
	if (!sets.some((s) => routes.includes(s.set))) {
		const found = sets.map((s) => `${s.set} ${s.control}`).join(", ") || "no transaction set";
		return rejected(unmappedProblem("x12", key, `X12 ${found} read, but profile ${key} maps only ${routes.join(", ") || "nothing"} inbound; no canonical events`));
	}
	try {
		const facts = await mapInbound(profile, text, { receivedAt });
		return { accepted: true, format: "x12", profile: key, facts: facts.map((f) => ({ ...f, mappingVersion: profile.version })) };
	} catch (e: unknown) {
		return rejected(problemOf(e, { format: "x12", profile: key }));
	}
}

function envelopeProblem(interchange: X12Interchange, problems: X12Problem[], profile: string): DocumentProblem {
	const first = problems[0]!;
	return {
		type: "https://waybill.dev/problems/envelope-invalid",
		title: "X12 envelope does not add up",
		status: 422,
		detail: problems.map((p) => describe(interchange, p)).join("; "),
		format: "x12",
		profile,
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
