import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { convertDocument } from "./convert-document.ts";
import type { CanonicalLine, DocumentProblem, RejectedSet } from "./document-problem.ts";
import type { MappingProfile } from "../../services/mapper/mapping-profile.ts";

export interface ConformanceResult {
	file: string;
	accepted: boolean;
	events?: CanonicalLine[];
	/** Accepted X12 interchanges: transaction sets refused on their own. */
	rejectedSets?: RejectedSet[];
	problem?: DocumentProblem;
}

export interface ConformanceReport {
	files: number;
	accepted: number;
	rejected: number;
	results: ConformanceResult[];
}

/** Every file under `dir`, sorted, as paths relative to it with "/" separators; notes (.md) and dotfiles are not documents. */
export function documentsUnder(dir: string): string[] {
	return readdirSync(dir, { recursive: true, withFileTypes: true })
		.filter((d) => d.isFile() && !d.name.startsWith(".") && !d.name.toLowerCase().endsWith(".md"))
		.map((d) => relative(dir, join(d.parentPath, d.name)).split(sep).join("/"))
		.sort();
}

/** Converts each document on its own: one refused file never stops the run. */
export async function runConformance(dir: string, profiles: Map<string, MappingProfile>, receivedAt: string): Promise<ConformanceReport> {
	const results: ConformanceResult[] = [];
	for (const file of documentsUnder(dir)) {
		const conversion = await convertDocument(readFileSync(join(dir, file), "utf8"), { profiles, receivedAt });
		results.push(conversion.accepted
			? { file, accepted: true, events: conversion.facts, ...(conversion.rejectedSets ? { rejectedSets: conversion.rejectedSets } : {}) }
			: { file, accepted: false, problem: conversion.problem });
	}
	const accepted = results.filter((r) => r.accepted).length;
	return { files: results.length, accepted, rejected: results.length - accepted, results };
}

export function resultLine(result: ConformanceResult): string {
	if (result.accepted) {
		const n = result.events?.length ?? 0;
		const refused = (result.rejectedSets ?? []).map((r) => `; refused ${r.problem.detail}`).join("");
		return `ACCEPT ${result.file} ${n} event${n === 1 ? "" : "s"}${refused}`;
	}
	return `REJECT ${result.file}: ${result.problem?.title}: ${result.problem?.detail}`;
}

export function summaryLine(report: ConformanceReport): string {
	return `${report.files} files: ${report.accepted} accepted, ${report.rejected} rejected`;
}
