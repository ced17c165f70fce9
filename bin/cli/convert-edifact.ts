import { parseEdifact, segmentOfProblem, type EdifactInterchange, type EdifactProblem } from "../../services/mapper/formats/edifact/index.ts";
import { mapInbound } from "../../services/mapper/canonical-mapper.ts";
import type { MappingProfile } from "../../services/mapper/mapping-profile.ts";
import { problemOf, rejected, unmappedProblem, type Conversion, type DocumentProblem, type ProblemLocation } from "./document-problem.ts";

/**
 * Offline there is no saga to ask which order a carrier's consignment number belongs to: an
 * IFTSTA consignment without its own order reference (RFF ON or CU) is named by its CNI
 * reference itself, a preview of which consignment the statuses concern.
 */
async function consignmentAsOrder(reference: unknown): Promise<string | undefined> {
	return typeof reference === "string" && reference !== "" ? reference : undefined;
}

/**
 * An EDIFACT interchange through an EDIFACT profile: the one named, else the one whose inbound
 * routes cover the message types it carries (edifactProfileFor). Parsed, its envelope checked (a
 * miscount is named with its trailer and reference), then each message the profile routes is
 * mapped; an interchange none of whose messages the profile routes is refused with that reason.
 */
export async function convertEdifact(text: string, profiles: Map<string, MappingProfile>, receivedAt: string, named?: string): Promise<Conversion> {
	let parsed: EdifactInterchange;
	try {
		parsed = parseEdifact(text);
	} catch (e: unknown) {
		return rejected(problemOf(e, { format: "edifact", ...(named ? { profile: named } : {}) }));
	}
	const messages = parsed.messages.map((m) => ({ type: m.type, reference: m.reference }));
	const choice = named ? { key: named } : edifactProfileFor(messages, profiles);
	// An envelope that does not add up is refused whatever profile would read it.
	if (parsed.problems.length > 0) return rejected(envelopeProblem(parsed.problems, "key" in choice ? choice.key : undefined));
	if ("problem" in choice) return rejected(choice.problem);
	const key = choice.key;
	const profile = profiles.get(key)!;
	const routes = [...(profile.inbound?.routes.keys() ?? [])];
	const unrouted = messages.find((m) => !routes.includes(m.type));
	if (!messages.some((m) => routes.includes(m.type))) {
		return rejected(unmappedProblem("edifact", key, `EDIFACT ${describe(messages)} read, but profile ${key} maps only ${routes.join(", ") || "nothing"} inbound; no canonical events`, { segment: "UNH", controlNumbers: { message: unrouted!.reference } }));
	}
	try {
		const facts = await mapInbound(profile, text, { receivedAt, orderForTracking: consignmentAsOrder });
		return { accepted: true, format: "edifact", profile: key, facts: facts.map((f) => ({ ...f, mappingVersion: profile.version })) };
	} catch (e: unknown) {
		return rejected(problemOf(e, { format: "edifact", profile: key }));
	}
}

/**
 * The loaded EDIFACT profile whose inbound routes cover most of the interchange's message types
 * (DESADV from a 3PL, IFTSTA from a carrier). A tie is a problem naming the candidates, as is an
 * interchange no profile reads (an IFCSUM, say).
 */
export function edifactProfileFor(messages: Array<{ type: string; reference: string }>, profiles: Map<string, MappingProfile>): { key: string } | { problem: DocumentProblem } {
	const types = [...new Set(messages.map((m) => m.type))];
	const readers = [...profiles].filter(([, p]) => p.format === "edifact" && p.inbound).map(([key, p]) => ({ key, routes: [...p.inbound!.routes.keys()] }));
	const scored = readers.map((r) => ({ ...r, covers: types.filter((t) => r.routes.includes(t)).length }));
	const best = Math.max(0, ...scored.map((r) => r.covers));
	const top = scored.filter((r) => best > 0 && r.covers === best).map((r) => r.key).sort();
	if (top.length === 1) return { key: top[0]! };
	const maps = readers.map((r) => `${r.key} maps ${r.routes.join(", ") || "nothing"}`).join("; ");
	const detail = top.length > 1
		? `EDIFACT ${describe(messages)} read, and profiles ${top.join(", ")} could each map it; name one with --profile`
		: `EDIFACT ${describe(messages)} read, but no EDIFACT profile maps ${types.join(", ")} inbound (${maps}); no canonical events`;
	const where: ProblemLocation = { segment: "UNH", controlNumbers: { message: messages[0]?.reference ?? "" } };
	return { problem: unmappedProblem("edifact", top.length > 1 ? top.join(",") : "none", detail, where) };
}

function describe(messages: Array<{ type: string; reference: string }>): string {
	return messages.map((m) => `${m.type} ${m.reference}`).join(", ");
}

function envelopeProblem(problems: EdifactProblem[], profile: string | undefined): DocumentProblem {
	return {
		type: "https://waybill.dev/problems/envelope-invalid",
		title: "EDIFACT envelope does not add up",
		status: 422,
		detail: problems.map((p) => `${p.message} (segment ${segmentOfProblem(p.code) ?? "?"})`).join("; "),
		format: "edifact",
		...(profile ? { profile } : {}),
		where: locate(problems[0]!),
		errors: problems.map((p) => ({ ...p, ...locate(p) })),
	};
}

function locate(problem: EdifactProblem): ProblemLocation {
	const segment = segmentOfProblem(problem.code);
	return {
		...(segment ? { segment } : {}),
		...(problem.reference ? { controlNumbers: { [problem.level]: problem.reference } } : {}),
	};
}
