import fc from "fast-check";

/**
 * Values that have broken parsers and validators elsewhere: prototype keys, numbers JSON cannot
 * hold, NaN-like strings, lone surrogates, bidi overrides, null bytes, encodings of traversal,
 * template and query injection, and sizes far past any field's limit.
 */
export const NASTY_STRINGS: readonly string[] = [
	"", " ", "\t\r\n", "\u0000", "a\u0000b", "__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf",
	"NaN", "Infinity", "-Infinity", "-0", "1e309", "0x1F", "0b11", "1_000", "9".repeat(400), "null", "undefined", "true", "[]", "{}",
	"%00", "%", "%zz", "%E0%A4%A", "%2e%2e%2f", "..", "../../etc/passwd", "..\\..\\windows", "/", "//", "?", "#", "&", "=",
	"\u202eevil", "\ud800", "\udfff", "😀", "😀".repeat(300), "\u0130\u0131", "\uFEFF", "\u2028\u2029", "é".normalize("NFD"),
	"<script>alert(1)</script>", "' OR 1=1 --", "${7*7}", "{{7*7}}", "$$strict", "$where", "$eval", "$string(1)", "__defineGetter__",
	"a".repeat(1024), "x".repeat(70_000), "Bearer", "sha256=", "ISA*00*", "UNA:+.? '",
];

/** Object keys chosen to reach Object.prototype or fastest-validator's own directives. */
export const NASTY_KEYS: readonly string[] = ["__proto__", "constructor", "prototype", "$$strict", "$$root", "$$async", "", " ", "a\u0000", "toString", "hasOwnProperty", "😀", "x".repeat(300), "$params", "$statusCode", "then"];

export const nastyString = fc.oneof(
	{ weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
	{ weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 64 }) },
	{ weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 64 }) },
	{ weight: 1, arbitrary: fc.string({ maxLength: 16 }).map((s) => s.repeat(1 + (s.length % 7) * 1000)) },
);

export const nastyNumber = fc.oneof(
	fc.constantFrom(0, -0, -1, 1.5, 2 ** 31, 2 ** 53 + 2, -(2 ** 53) - 2, 1e308, -1e308, 5e-324, Number.MAX_VALUE, Number.EPSILON),
	fc.double({ noNaN: true, noDefaultInfinity: true }),
	fc.integer(),
);

/** Scalars of every JSON type plus the nasty ones. */
export const nastyScalar: fc.Arbitrary<unknown> = fc.oneof(nastyString, nastyNumber, fc.constantFrom(null, true, false));

/** Any JSON value, its keys and strings biased towards the nasty ones. */
export const nastyJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
	value: fc.oneof(
		{ depthSize: "small", withCrossShrink: true },
		nastyScalar,
		fc.array(tie("value"), { maxLength: 4 }),
		fc.dictionary(fc.oneof(fc.constantFrom(...NASTY_KEYS), fc.string({ maxLength: 8 })), tie("value"), { maxKeys: 4 }),
	),
})).value;

/** JSON text that JSON.stringify cannot produce from a plain object: own `__proto__` keys, duplicates, deep nesting, unrepresentable numbers. */
export const nastyJsonText = (maxArray = 200_000): fc.Arbitrary<string> => fc.oneof(
	fc.constantFrom(
		'{"__proto__":{"polluted":"yes"}}',
		'{"constructor":{"prototype":{"polluted":"yes"}}}',
		'{"orderId":"a","orderId":"b"}',
		'{"a":1e400}',
		'{"a":-1e400}',
		`{"n":${"9".repeat(5000)}}`,
		'{"a":"\\ud800"}',
		'{"a":"\\u0000"}',
		"[]",
		"null",
		'""',
		"0",
		"{",
		'{"a":',
		"\uFEFF{}",
		'{"a":1}garbage',
		"{}{}",
		"{'a':1}",
		"NaN",
	),
	fc.integer({ min: 100, max: 100_000 }).map((depth) => `${"[".repeat(depth)}${"]".repeat(depth)}`),
	fc.integer({ min: 100, max: 50_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`),
	fc.integer({ min: Math.min(1000, maxArray), max: maxArray }).map((n) => `[${"0,".repeat(n)}0]`),
);

type Path = Array<string | number>;

function pathsOf(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
	if (!value || typeof value !== "object" || out.length > 500) return out;
	// Array.from and Object.entries, not value.map: a generated value may carry its own "map" key.
	const entries: Array<[string | number, unknown]> = Array.isArray(value) ? Array.from(value as unknown[], (v, i): [number, unknown] => [i, v]) : Object.entries(value);
	for (const [key, child] of entries) {
		out.push([...prefix, key]);
		pathsOf(child, [...prefix, key], out);
	}
	return out;
}

/** One edit of a JSON document; `at` picks the path (modulo how many there are). */
export type JsonEdit =
	| { op: "delete"; at: number }
	| { op: "replace"; at: number; value: unknown }
	| { op: "add"; at: number; key: string; value: unknown }
	| { op: "wrap"; at: number }
	| { op: "deepen"; at: number; depth: number };

export const jsonEdit: fc.Arbitrary<JsonEdit> = fc.oneof(
	fc.record({ op: fc.constant("delete" as const), at: fc.nat() }),
	fc.record({ op: fc.constant("replace" as const), at: fc.nat(), value: fc.oneof(nastyScalar, nastyJson) }),
	fc.record({ op: fc.constant("add" as const), at: fc.nat(), key: fc.oneof(fc.constantFrom(...NASTY_KEYS), fc.string({ maxLength: 12 })), value: nastyJson }),
	fc.record({ op: fc.constant("wrap" as const), at: fc.nat() }),
	fc.record({ op: fc.constant("deepen" as const), at: fc.nat(), depth: fc.integer({ min: 10, max: 3000 }) }),
);

function deep(depth: number): unknown {
	let v: unknown = "bottom";
	for (let i = 0; i < depth; i++) v = { d: v };
	return v;
}

/** Applies edits to a copy. Keys are set with defineProperty so that `__proto__` becomes an own key, as a JSON body would carry it. */
export function applyJsonEdits(body: unknown, edits: readonly JsonEdit[]): unknown {
	let doc = structuredClone(body);
	for (const edit of edits) {
		const paths = pathsOf(doc);
		if (paths.length === 0 || !doc || typeof doc !== "object") {
			doc = edit.op === "replace" ? edit.value : doc;
			continue;
		}
		const path = paths[edit.at % paths.length]!;
		const parent = path.slice(0, -1).reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], doc) as Record<string | number, unknown>;
		const key = path[path.length - 1]!;
		const set = (target: Record<string | number, unknown>, k: string | number, v: unknown) => Object.defineProperty(target, k, { value: v, enumerable: true, writable: true, configurable: true });
		if (edit.op === "delete") {
			if (Array.isArray(parent)) parent.splice(key as number, 1);
			else delete parent[key];
		} else if (edit.op === "replace") set(parent, key, edit.value);
		else if (edit.op === "wrap") set(parent, key, [parent[key]]);
		else if (edit.op === "deepen") set(parent, key, deep(edit.depth));
		else {
			const target = parent[key];
			if (target && typeof target === "object" && !Array.isArray(target)) set(target as Record<string, unknown>, edit.key, edit.value);
			else set(parent, edit.key, edit.value);
		}
	}
	return doc;
}

/** Byte-level damage to any text: flips, truncation, insertion of invalid UTF-8 or nasty strings. */
export type ByteEdit =
	| { op: "flip"; at: number; xor: number }
	| { op: "truncate"; at: number }
	| { op: "insert"; at: number; bytes: Uint8Array }
	| { op: "repeat"; at: number; length: number; times: number };

export const INVALID_UTF8: readonly number[][] = [[0xff], [0xfe, 0xff], [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0x00], [0x80]];

export const byteEdit: fc.Arbitrary<ByteEdit> = fc.oneof(
	fc.record({ op: fc.constant("flip" as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
	fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
	fc.record({
		op: fc.constant("insert" as const),
		at: fc.nat(),
		bytes: fc.oneof(fc.constantFrom(...INVALID_UTF8).map((b) => Uint8Array.from(b)), nastyString.map((s) => Buffer.from(s, "utf8")), fc.uint8Array({ maxLength: 32 })),
	}),
	fc.record({ op: fc.constant("repeat" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 200 }), times: fc.integer({ min: 2, max: 2000 }) }),
);

export function applyByteEdits(input: Buffer, edits: readonly ByteEdit[], maxBytes = 4_000_000): Buffer {
	let buf = input;
	for (const edit of edits) {
		const at = buf.length === 0 ? 0 : edit.at % buf.length;
		if (edit.op === "flip") {
			if (buf.length === 0) continue;
			buf = Buffer.from(buf);
			buf[at] = buf[at]! ^ edit.xor;
		} else if (edit.op === "truncate") buf = buf.subarray(0, at);
		else if (edit.op === "insert") buf = Buffer.concat([buf.subarray(0, at), edit.bytes, buf.subarray(at)]);
		else {
			const piece = buf.subarray(at, at + edit.length);
			const times = Math.min(edit.times, Math.floor(maxBytes / Math.max(1, piece.length)));
			buf = Buffer.concat([buf.subarray(0, at), Buffer.alloc(piece.length * times, piece), buf.subarray(at)]);
		}
	}
	return buf.length > maxBytes ? buf.subarray(0, maxBytes) : buf;
}

/** A JSON document derived from a valid one: structural edits, then (sometimes) byte damage to its text. */
export function mutatedJson(valid: readonly unknown[]): fc.Arbitrary<{ text: Buffer; how: string }> {
	return fc
		.record({
			base: fc.nat({ max: valid.length - 1 }),
			edits: fc.array(jsonEdit, { minLength: 0, maxLength: 4 }),
			bytes: fc.oneof({ weight: 3, arbitrary: fc.constant([] as ByteEdit[]) }, { weight: 1, arbitrary: fc.array(byteEdit, { minLength: 1, maxLength: 3 }) }),
		})
		.map(({ base, edits, bytes }) => {
			const doc = applyJsonEdits(valid[base], edits);
			const text = Buffer.from(JSON.stringify(doc) ?? "null", "utf8");
			return { text: applyByteEdits(text, bytes), how: `json#${base} ${describeEdits(edits)}${bytes.length ? ` bytes:${describeEdits(bytes)}` : ""}` };
		});
}

export function describeEdits(edits: readonly object[]): string {
	return JSON.stringify(edits, (_k, v: unknown) => (typeof v === "string" && v.length > 40 ? `${v.slice(0, 20)}…(${v.length})` : v instanceof Uint8Array ? `0x${Buffer.from(v).toString("hex").slice(0, 40)}` : v)).slice(0, 400);
}

/** Any JSON-ish body: mutated valid documents, nasty JSON values and texts, or random bytes. */
export function anyJsonBody(valid: readonly unknown[], maxArray?: number): fc.Arbitrary<{ text: Buffer; how: string }> {
	return fc.oneof(
		{ weight: 5, arbitrary: mutatedJson(valid) },
		{ weight: 2, arbitrary: nastyJson.map((v) => ({ text: Buffer.from(JSON.stringify(v) ?? "null"), how: "nasty json value" })) },
		{ weight: 2, arbitrary: nastyJsonText(maxArray).map((t) => ({ text: Buffer.from(t), how: `nasty json text (${t.slice(0, 30)}…, ${t.length} chars)` })) },
		{ weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }).map((b) => ({ text: Buffer.from(b), how: "random bytes" })) },
	);
}

/** Generates the i-th value of an arbitrary for a run seed, lazily and reproducibly. */
export function nth<T>(arb: fc.Arbitrary<T>, seed: number, i: number): T {
	return fc.sample(arb, { seed: (seed * 7919 + i * 104_729) | 0, numRuns: 1 })[0]!;
}
