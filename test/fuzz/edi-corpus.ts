import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import fc from "fast-check";
import { acknowledgementOf } from "../../services/mapper/functional-acks.ts";
import { readInterchange } from "../../services/mapper/x12-documents.ts";
import { applyByteEdits, byteEdit, describeEdits, nastyString, type ByteEdit } from "./adversarial.ts";

const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));

export interface EdiSeed {
	name: string;
	format: "x12" | "edifact";
	text: string;
}

let ediSeeds: EdiSeed[] | undefined;
let jsonSeeds: Array<{ name: string; body: unknown }> | undefined;

/** Every X12 and EDIFACT document the repository's fixtures hold: the valid starting points. Read once; treat as read-only. */
export function ediCorpus(): readonly EdiSeed[] {
	return (ediSeeds ??= readEdiCorpus());
}

function readEdiCorpus(): EdiSeed[] {
	const seeds: EdiSeed[] = [];
	for (const dir of ["x12", "x12-carrier", "edifact", "cli"]) {
		for (const file of readdirSync(join(FIXTURES, dir)).filter((f) => f.endsWith(".edi")).sort()) {
			const text = readFileSync(join(FIXTURES, dir, file), "utf8");
			seeds.push({ name: `${dir}/${file}`, format: text.trimStart().startsWith("ISA") ? "x12" : "edifact", text });
		}
	}
	// No fixture is a 997; the ones Waybill writes for the fixtures (accepting and rejecting) stand in for partners'.
	for (const seed of seeds.filter((s) => s.format === "x12" && /940-erp-one-bad-set|945-shipping|856-two/.test(s.name))) {
		seeds.push({ name: `997 for ${seed.name}`, format: "x12", text: acknowledgementOf(readInterchange(seed.text), "edi-3pl", "WAYBILL", new Date(Date.UTC(2026, 2, 10))).document });
	}
	return seeds;
}

/** JSON fixtures of the partners that speak JSON, for the JSON profiles and webhook bodies. Read once; treat as read-only. */
export function jsonCorpus(): ReadonlyArray<{ name: string; body: unknown }> {
	return (jsonSeeds ??= readJsonCorpus());
}

function readJsonCorpus(): Array<{ name: string; body: unknown }> {
	const out: Array<{ name: string; body: unknown }> = [];
	for (const dir of ["shopify", "erpnext", "cli"]) {
		for (const file of readdirSync(join(FIXTURES, dir)).filter((f) => f.endsWith(".json")).sort()) {
			out.push({ name: `${dir}/${file}`, body: JSON.parse(readFileSync(join(FIXTURES, dir, file), "utf8")) });
		}
	}
	return out;
}

interface Syntax {
	terminator: string;
	element: string;
	component: string;
}

function syntaxOf(seed: EdiSeed): Syntax {
	if (seed.format === "x12") {
		// The ISA may be hard-wrapped: the component separator follows its 16th element separator, the terminator that.
		const t = seed.text.trimStart().replace(/[\r\n]/g, "");
		let i = 3;
		for (let seen = 0; seen < 16 && i < t.length; i++) if (t[i] === t[3]) seen++;
		return { element: t[3]!, component: t[i]!, terminator: t[i + 1]! };
	}
	const una = seed.text.startsWith("UNA") ? seed.text.slice(3, 9) : ":+.? '";
	return { component: una[0]!, element: una[1]!, terminator: una[5]! };
}

/** A segment-level edit: structure a tokenizer must survive, counts an envelope check must catch. */
export type SegmentEdit =
	| { op: "duplicate"; at: number; times: number }
	| { op: "delete"; at: number }
	| { op: "swap"; at: number; with: number }
	| { op: "huge-element"; at: number; element: number; length: number }
	| { op: "set-element"; at: number; element: number; value: string }
	| { op: "empty-elements"; at: number }
	| { op: "separator"; which: "terminator" | "element" | "component"; to: string }
	| { op: "retag"; at: number; tag: string };

const SEPARATORS = ["~", "*", ":", "+", "'", "|", "^", ">", "\n", "\r\n", "", " ", "\u0000", "…", "A", "1", "?"];
const TAGS = ["ISA", "GS", "ST", "SE", "GE", "IEA", "UNA", "UNB", "UNH", "UNT", "UNZ", "UNG", "UNE", "LIN", "W06", "W12", "LX", "HL", "N1", "RFF", "CPS", "PAC", "QTY", "DTM", "STS", "CNI", "AK1", "AK2", "AK5", "AK9", "X", "123", ""];

export const segmentEdit: fc.Arbitrary<SegmentEdit> = fc.oneof(
	fc.record({ op: fc.constant("duplicate" as const), at: fc.nat(), times: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 100, max: 5000 })) }),
	fc.record({ op: fc.constant("delete" as const), at: fc.nat() }),
	fc.record({ op: fc.constant("swap" as const), at: fc.nat(), with: fc.nat() }),
	fc.record({ op: fc.constant("huge-element" as const), at: fc.nat(), element: fc.integer({ min: 1, max: 12 }), length: fc.integer({ min: 1000, max: 300_000 }) }),
	fc.record({ op: fc.constant("set-element" as const), at: fc.nat(), element: fc.integer({ min: 0, max: 20 }), value: fc.oneof(nastyString, fc.constantFrom("", "0", "-1", "99999999999999999999", "1.2.3", "ABC", "20261399", "2599", "NaN")) }),
	fc.record({ op: fc.constant("empty-elements" as const), at: fc.nat() }),
	fc.record({ op: fc.constant("separator" as const), which: fc.constantFrom("terminator" as const, "element" as const, "component" as const), to: fc.constantFrom(...SEPARATORS) }),
	fc.record({ op: fc.constant("retag" as const), at: fc.nat(), tag: fc.constantFrom(...TAGS) }),
);

export function applySegmentEdits(seed: EdiSeed, edits: readonly SegmentEdit[]): string {
	const syntax = syntaxOf(seed);
	const text = seed.text.replace(/\r?\n$/, "");
	const newlines = text.includes(`${syntax.terminator}\n`);
	let segments = text.split(newlines ? `${syntax.terminator}\n` : syntax.terminator).filter((s) => s.trim() !== "");
	let terminator = syntax.terminator;
	for (const edit of edits) {
		const at = "at" in edit ? edit.at % Math.max(1, segments.length) : 0;
		const elements = () => (segments[at] ?? "").split(syntax.element);
		if (edit.op === "duplicate") segments.splice(at, 0, ...Array<string>(edit.times).fill(segments[at] ?? ""));
		else if (edit.op === "delete") segments.splice(at, 1);
		else if (edit.op === "swap") {
			const other = edit.with % Math.max(1, segments.length);
			[segments[at], segments[other]] = [segments[other]!, segments[at]!];
		} else if (edit.op === "huge-element" || edit.op === "set-element") {
			const parts = elements();
			while (parts.length <= edit.element) parts.push("");
			parts[edit.element] = edit.op === "huge-element" ? "9".repeat(edit.length) : edit.value;
			segments[at] = parts.join(syntax.element);
		} else if (edit.op === "empty-elements") segments[at] = elements().map((e, i) => (i === 0 ? e : "")).join(syntax.element);
		else if (edit.op === "retag") segments[at] = [edit.tag, ...elements().slice(1)].join(syntax.element);
		else if (edit.which === "terminator") terminator = edit.to;
		else {
			const from = edit.which === "element" ? syntax.element : syntax.component;
			segments = segments.map((s) => s.split(from).join(edit.to));
		}
	}
	return segments.join(newlines ? `${terminator}\n` : terminator) + terminator;
}

export interface EdiMutant {
	format: "x12" | "edifact";
	bytes: Buffer;
	how: string;
}

/** An EDI document from the corpus, damaged at segment level and then (sometimes) at byte level. */
export function ediMutant(corpus: readonly EdiSeed[], format?: "x12" | "edifact"): fc.Arbitrary<EdiMutant> {
	const seeds = format ? corpus.filter((s) => s.format === format) : corpus;
	return fc
		.record({
			seed: fc.nat({ max: seeds.length - 1 }),
			segments: fc.array(segmentEdit, { minLength: 0, maxLength: 4 }),
			bytes: fc.oneof({ weight: 2, arbitrary: fc.constant([] as ByteEdit[]) }, { weight: 1, arbitrary: fc.array(byteEdit, { minLength: 1, maxLength: 3 }) }),
		})
		.map(({ seed, segments, bytes }) => {
			const base = seeds[seed]!;
			const text = segments.length === 0 && bytes.length === 0 ? base.text : applySegmentEdits(base, segments);
			return {
				format: base.format,
				bytes: applyByteEdits(Buffer.from(text, "utf8"), bytes, 2_000_000),
				how: `${base.name} segments:${describeEdits(segments)}${bytes.length ? ` bytes:${describeEdits(bytes)}` : ""}`,
			};
		});
}
