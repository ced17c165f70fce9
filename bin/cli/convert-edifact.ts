import {
	desadvToCanonical, iftstaToCanonical, parseEdifact,
	type EdifactInterchange, type EdifactProblem, type IftstaConsignment,
} from "../../services/mapper/formats/edifact/index.ts";
import type { MappedFact } from "../../services/mapper/canonical-mapper.ts";
import { problemOf, rejected, unmappedProblem, type Conversion, type DocumentProblem, type ProblemLocation } from "./document-problem.ts";

/**
 * EDIFACT has no mapping profile yet: DESADV and IFTSTA are mapped in code (formats/edifact), and
 * these names stand in for a profile version on the output lines.
 */
const MAPPINGS: Record<string, { name: string; map: (parsed: EdifactInterchange) => MappedFact[] }> = {
	DESADV: { name: "edifact/desadv", map: (parsed) => desadvToCanonical(parsed) },
	IFTSTA: { name: "edifact/iftsta", map: (parsed) => iftstaToCanonical(parsed, { orderRefFrom: consignmentOrderRef }).facts },
};

/**
 * Without a partner's order lookup the CLI takes a consignment's own order reference (RFF ON or
 * CU) and falls back to the CNI consignment reference: a preview, which the output says by name.
 */
function consignmentOrderRef(consignment: IftstaConsignment): string | undefined {
	const own = consignment.references.find((r) => r.qualifier === "ON" || r.qualifier === "CU")?.value;
	return own || consignment.reference || undefined;
}

const TRAILER_OF_PROBLEM: Record<string, string> = {
	UNT_MISSING: "UNT", SEGMENT_COUNT_MISMATCH: "UNT", MESSAGE_REFERENCE_MISMATCH: "UNT",
	UNE_MISSING: "UNE", GROUP_COUNT_MISMATCH: "UNE", GROUP_REFERENCE_MISMATCH: "UNE",
	UNZ_MISSING: "UNZ", INTERCHANGE_COUNT_MISMATCH: "UNZ", INTERCHANGE_REFERENCE_MISMATCH: "UNZ",
	UNB_MISSING: "UNB",
};

export async function convertEdifact(text: string): Promise<Conversion> {
	let parsed: EdifactInterchange;
	try {
		parsed = parseEdifact(text);
	} catch (e: unknown) {
		return rejected(problemOf(e, { format: "edifact" }));
	}
	if (parsed.problems.length > 0) return rejected(envelopeProblem(parsed.problems));
	const types = [...new Set(parsed.messages.map((m) => m.type))];
	const unmapped = types.filter((t) => !MAPPINGS[t]);
	if (unmapped.length > 0) {
		return rejected(unmappedProblem("edifact", `edifact/${unmapped[0]!.toLowerCase()}`, `EDIFACT ${unmapped.join(", ")} recognised, but no mapping exists for it (mapped: ${Object.keys(MAPPINGS).join(", ")}); no canonical events`, { segment: "UNH", controlNumbers: { message: parsed.messages.find((m) => !MAPPINGS[m.type])!.reference } }));
	}
	const facts = [];
	for (const type of types) {
		const mapping = MAPPINGS[type]!;
		try {
			facts.push(...mapping.map(parsed).map((f) => ({ ...f, mappingVersion: mapping.name })));
		} catch (e: unknown) {
			return rejected(problemOf(e, { format: "edifact", profile: mapping.name }));
		}
	}
	return { accepted: true, format: "edifact", profile: types.map((t) => MAPPINGS[t]!.name).join(","), facts };
}

function envelopeProblem(problems: EdifactProblem[]): DocumentProblem {
	return {
		type: "https://waybill.dev/problems/envelope-invalid",
		title: "EDIFACT envelope does not add up",
		status: 422,
		detail: problems.map((p) => `${p.message} (segment ${locate(p).segment ?? "?"})`).join("; "),
		format: "edifact",
		where: locate(problems[0]!),
		errors: problems.map((p) => ({ ...p, ...locate(p) })),
	};
}

function locate(problem: EdifactProblem): ProblemLocation {
	return {
		...(TRAILER_OF_PROBLEM[problem.code] ? { segment: TRAILER_OF_PROBLEM[problem.code] } : {}),
		...(problem.reference ? { controlNumbers: { [problem.level]: problem.reference } } : {}),
	};
}
