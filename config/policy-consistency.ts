import type { SchemaProblem } from "../canonical/errors/index.ts";
import type { PartnerRegistry } from "./partner-registry.ts";
import { SECTIONS, matchEntries, type PolicyFile } from "./policy-schema.ts";
import { clockMinutes, durationMs } from "./policy-values.ts";

/**
 * Checks across fields that a schema cannot express, run on a file whose shape is already valid.
 * Each one refuses a policy that would load but could not mean what its author intended.
 */
export function consistencyProblems(file: PolicyFile, partners?: PartnerRegistry): SchemaProblem[] {
	return [...catchAllProblems(file), ...slaProblems(file), ...(partners ? partnerProblems(file, partners) : [])];
}

/** First match wins, so a section needs a catch-all last (every order finds a policy) and nowhere else (it would hide the rules after it). */
function catchAllProblems(file: PolicyFile): SchemaProblem[] {
	const problems: SchemaProblem[] = [];
	for (const section of SECTIONS) {
		const rules = file[section];
		const last = rules.length - 1;
		rules.forEach((rule, i) => {
			const catchAll = matchEntries(rule.match).length === 0;
			if (i === last && !catchAll) {
				problems.push({ field: `${section}[${i}].match`, message: "the last rule must be a catch-all (\"match\": {}) so that every order finds a policy" });
			}
			if (i < last && catchAll) {
				problems.push({ field: `${section}[${i}].match`, message: `a catch-all before the last rule makes ${section}[${i + 1}..${last}] unreachable` });
			}
		});
	}
	return problems;
}

function slaProblems(file: PolicyFile): SchemaProblem[] {
	const problems: SchemaProblem[] = [];
	file.sla.forEach((rule, i) => {
		const at = `sla[${i}]`;
		const { sameDayBy, within } = rule.dispatch;
		if ((sameDayBy === undefined) === (within === undefined)) {
			problems.push({ field: `${at}.dispatch`, message: "must name exactly one of sameDayBy (\"HH:MM\") or within (an ISO-8601 duration)" });
			return;
		}
		if (sameDayBy !== undefined && rule.cutoff === undefined) {
			problems.push({ field: `${at}.cutoff`, message: "is required with dispatch.sameDayBy: it decides whether an order is due today or the next weekday" });
		}
		if (within !== undefined && rule.cutoff !== undefined) {
			problems.push({ field: `${at}.cutoff`, message: "only applies to dispatch.sameDayBy; with dispatch.within it would be ignored" });
		}
		if (sameDayBy !== undefined && rule.cutoff !== undefined && clockMinutes(sameDayBy)! <= clockMinutes(rule.cutoff)!) {
			problems.push({ field: `${at}.dispatch.sameDayBy`, message: `must be later than the cut-off ${rule.cutoff}, or an order released just before the cut-off is due before it was released` });
		}
		if (within !== undefined && durationMs(rule.atRiskLead)! >= durationMs(within)!) {
			problems.push({ field: `${at}.atRiskLead`, message: `must be shorter than dispatch.within (${within}), or every order is at risk the moment it is released` });
		}
	});
	return problems;
}

/** Routing may only name warehouses and last-mile partners the partner registry knows. */
function partnerProblems(file: PolicyFile, partners: PartnerRegistry): SchemaProblem[] {
	const warehouses = new Set(partners.entries.filter((e) => e.system === "wms").flatMap((e) => e.warehouses ?? []));
	const lastmile = new Set(partners.entries.filter((e) => e.system === "lastmile").map((e) => e.partner));
	const problems: SchemaProblem[] = [];
	file.routing.forEach((rule, i) => {
		rule.warehouses.forEach((wh, j) => {
			if (!warehouses.has(wh)) problems.push({ field: `routing[${i}].warehouses[${j}]`, message: `'${wh}' is run by no WMS partner in the partner registry (known: ${[...warehouses].join(", ")})` });
		});
		if (!lastmile.has(rule.lastmile)) {
			problems.push({ field: `routing[${i}].lastmile`, message: `'${rule.lastmile}' is not a last-mile partner in the partner registry (known: ${[...lastmile].join(", ")})` });
		}
	});
	return problems;
}
