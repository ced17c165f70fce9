import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { testOrder } from "../helpers/orders.ts";
import { NASTY_KEYS, anyJsonBody, applyByteEdits, applyJsonEdits, byteEdit, describeEdits, jsonEdit, nastyString } from "./adversarial.ts";
import { ediCorpus, ediMutant, jsonCorpus } from "./edi-corpus.ts";
import type { DocKind } from "./parser-targets.ts";

export interface ParserDoc {
	kind: DocKind;
	text: string;
	how: string;
}

const MAPPINGS = fileURLToPath(new URL("../../mappings", import.meta.url));

const profileCache = new Map<string, Record<string, string>>();

/** A real profile's files (profile.json and its JSONata), as the shadow-replay endpoint receives a candidate; a fresh copy each call. */
export function profileFiles(system = "wms", profile = "generic-3pl"): Record<string, string> {
	const dir = join(MAPPINGS, system, profile);
	if (!profileCache.has(dir)) profileCache.set(dir, Object.fromEntries(readdirSync(dir).filter((f) => !f.startsWith(".")).map((f) => [f, readFileSync(join(dir, f), "utf8")])));
	return { ...profileCache.get(dir)! };
}

/** Valid JSON documents of every JSON partner and the canonical order, for mutation. */
export function validJsonDocs(): unknown[] {
	return [
		...jsonCorpus().map((f) => f.body),
		testOrder("SO-FUZZ-1"),
		{ eventId: "evt_1", eventType: "order.picked", occurredAt: "2026-03-10T09:30:00Z", order: { id: "FO-1", externalRef: "X", orderRef: "SO-1", warehouse: "WH1" }, lines: [{ lineNo: 1, sku: "SKU-1", qty: 1, qtyPicked: 1 }] },
	];
}

const profileFilesDoc: fc.Arbitrary<ParserDoc> = fc
	.record({
		file: fc.nat(),
		edits: fc.array(byteEdit, { maxLength: 3 }),
		profileEdits: fc.array(jsonEdit, { maxLength: 3 }),
		extraName: fc.option(fc.oneof(fc.constantFrom(...NASTY_KEYS), nastyString, fc.constantFrom("a\u0000b.jsonata", "x".repeat(300), "ÿ.json", "con", "aux.json")), { nil: undefined }),
	})
	.map(({ file, edits, profileEdits, extraName }) => {
		const files = profileFiles();
		const names = Object.keys(files);
		const name = names[file % names.length]!;
		files["profile.json"] = JSON.stringify(applyJsonEdits(JSON.parse(files["profile.json"]!), profileEdits));
		files[name] = applyByteEdits(Buffer.from(files[name]!), edits).toString("utf8");
		if (extraName !== undefined) Object.defineProperty(files, extraName, { value: "1", enumerable: true, writable: true, configurable: true });
		return { kind: "profile-files" as const, text: JSON.stringify(files), how: `generic-3pl files: ${name} bytes:${describeEdits(edits)} profile.json:${describeEdits(profileEdits)} extra file ${JSON.stringify(extraName)?.slice(0, 40)}` };
	});

const junk: fc.Arbitrary<ParserDoc> = fc
	.oneof(
		fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)),
		nastyString.map((s) => Buffer.from(s)),
		fc.tuple(fc.constantFrom("ISA", "ISA*", "UNA", "UNA:+.? '", "UNB+", "UNH+", "\uFEFFISA", "  \n ISA~", "{", "["), fc.uint8Array({ maxLength: 400 })).map(([head, tail]) => Buffer.concat([Buffer.from(head), Buffer.from(tail)])),
	)
	.map((bytes) => ({ kind: "junk" as const, text: bytes.toString("utf8"), how: `junk ${bytes.length} bytes` }));

/** The parser fuzz's documents: mutated X12 and EDIFACT fixtures, mutated JSON, junk, and candidate profiles. */
export function parserDocs(): fc.Arbitrary<ParserDoc> {
	const corpus = ediCorpus();
	const toDoc = (m: { format: "x12" | "edifact"; bytes: Buffer; how: string }): ParserDoc => ({ kind: m.format, text: m.bytes.toString("utf8"), how: m.how });
	return fc.oneof(
		{ weight: 7, arbitrary: ediMutant(corpus, "x12").map(toDoc) },
		{ weight: 5, arbitrary: ediMutant(corpus, "edifact").map(toDoc) },
		{ weight: 5, arbitrary: anyJsonBody(validJsonDocs()).map((b) => ({ kind: "json" as const, text: b.text.toString("utf8"), how: b.how })) },
		{ weight: 2, arbitrary: junk },
		// Cheap (one entry point reads them), so they can be frequent.
		{ weight: 4, arbitrary: profileFilesDoc },
	);
}
