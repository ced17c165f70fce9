import { readFileSync, readdirSync, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import jsonata from "jsonata";
import { assertMatches } from "../../canonical/validation.ts";
import { ConfigurationInvalidError } from "../../canonical/errors/index.ts";

type Expression = ReturnType<typeof jsonata>;

export interface OutboundSpec {
	method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
	path: Expression;
	body?: Expression;
	fact?: { type: string; data: Expression };
}

/** A partner format, loaded from mappings/<system>/<profile>/: declarative JSONata, versioned. */
export interface MappingProfile {
	system: string;
	profile: string;
	version: string;
	/** What a body is: JSON, an X12 interchange (one document per transaction set) or an EDIFACT one (one per message). */
	format: "json" | "x12" | "edifact";
	/** For X12 partners: our and their interchange ids, and the version we write. */
	x12?: { senderId: string; receiverId: string; version: string };
	inbound?: { route: Expression; routes: Map<string, Expression> };
	outbound: Map<string, OutboundSpec>;
	/** The partner's code tables by name, bound as `$tables` whenever its mappings are evaluated. */
	tables: Readonly<Record<string, CodeTable>>;
}

/** A table value: a meaning, `null` for "known, nothing to say", or a flat record of such. */
export type TableValue = string | number | boolean | null | Readonly<Record<string, string | number | boolean | null>>;

/** One code table: the partner's code to what it means. Keys starting with "$" are comments and are dropped. */
export type CodeTable = Readonly<Record<string, TableValue>>;

const profileFileSchema = {
	$$strict: false,
	system: { type: "enum", values: ["erp", "wms", "lastmile"] },
	profile: { type: "string", pattern: /^[a-z0-9-]+$/ },
	version: { type: "string", min: 3, max: 64 },
	format: { type: "enum", values: ["json", "x12", "edifact"] },
	x12: { type: "object", optional: true, props: { senderId: "string|min:1|max:15", receiverId: "string|min:1|max:15", version: { type: "string", pattern: /^\d{6}$/ } } },
	// A table name must be a JSONata name ($tables.at7Status); its file sits in the profile's own folder.
	tables: { type: "record", optional: true, key: { type: "string", pattern: /^[A-Za-z][A-Za-z0-9]*$/ }, value: { type: "string", pattern: /^[a-z0-9][a-z0-9-]*\.json$/ } },
	inbound: {
		type: "object",
		optional: true,
		props: { route: "string", routes: { type: "record", key: "string", value: "string" } },
	},
	outbound: {
		type: "record",
		key: "string",
		value: {
			type: "object",
			props: {
				method: { type: "enum", values: ["GET", "POST", "PUT", "PATCH", "DELETE"] },
				path: "string",
				body: "string|optional",
				fact: { type: "object", optional: true, props: { type: "string", data: "string" } },
			},
		},
	},
} as const;

interface ProfileFile {
	system: string;
	profile: string;
	version: string;
	format: MappingProfile["format"];
	x12?: { senderId: string; receiverId: string; version: string };
	tables?: Record<string, string>;
	inbound?: { route: string; routes: Record<string, string> };
	outbound: Record<string, { method: OutboundSpec["method"]; path: string; body?: string; fact?: { type: string; data: string } }>;
}

/** Compiles an expression now, so a broken mapping is refused at load time, not on the first message. */
function compile(where: string, source: string): Expression {
	try {
		return jsonata(source);
	} catch (e: unknown) {
		throw new ConfigurationInvalidError(where, `JSONata does not compile: ${(e as Error).message}`);
	}
}

function compileFile(dir: string, file: string): Expression {
	const path = join(dir, file);
	if (!existsSync(path)) throw new ConfigurationInvalidError(path, "mapping file is missing");
	return compile(path, readFileSync(path, "utf8"));
}

const isScalar = (v: unknown): boolean => v === null || ["string", "number", "boolean"].includes(typeof v);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Reads and checks a code table now, so a broken table is refused with its profile, not on the first message. */
function loadTable(dir: string, name: string, file: string): CodeTable {
	const path = join(dir, file);
	if (!existsSync(path)) throw new ConfigurationInvalidError(path, `table '${name}' file is missing`);
	let raw: unknown;
	try {
		raw = JSON.parse(readFileSync(path, "utf8"));
	} catch (e: unknown) {
		throw new ConfigurationInvalidError(path, `table '${name}' is not JSON: ${(e as Error).message}`);
	}
	if (!isRecord(raw)) throw new ConfigurationInvalidError(path, `table '${name}' must be a JSON object of code to meaning`);
	// Entries, not assignment: a code named "__proto__" must stay a code.
	const entries: Array<[string, TableValue]> = [];
	for (const [code, value] of Object.entries(raw)) {
		if (code.startsWith("$")) continue;
		if (code.trim() === "") throw new ConfigurationInvalidError(path, `table '${name}' has an empty code`);
		const flat = isScalar(value) || (isRecord(value) && Object.values(value).every(isScalar));
		if (!flat) throw new ConfigurationInvalidError(path, `table '${name}' code '${code}': a value is a string, number, boolean, null or a flat object of those`);
		entries.push([code, Object.freeze(value) as TableValue]);
	}
	return Object.freeze(Object.fromEntries(entries));
}

export function loadProfile(dir: string): MappingProfile {
	const where = join(dir, "profile.json");
	let raw: unknown;
	try {
		raw = JSON.parse(readFileSync(where, "utf8"));
	} catch (e: unknown) {
		throw new ConfigurationInvalidError(where, `cannot read the profile: ${(e as Error).message}`);
	}
	let file: ProfileFile;
	try {
		file = assertMatches<ProfileFile>(where, profileFileSchema, raw);
	} catch (e: unknown) {
		throw new ConfigurationInvalidError(where, (e as Error).message);
	}
	const outbound = new Map<string, OutboundSpec>();
	for (const [type, spec] of Object.entries(file.outbound)) {
		outbound.set(type, {
			method: spec.method,
			path: compile(`${where} outbound ${type} path`, spec.path),
			body: spec.body ? compileFile(dir, spec.body) : undefined,
			fact: spec.fact ? { type: spec.fact.type, data: compileFile(dir, spec.fact.data) } : undefined,
		});
	}
	const inbound = file.inbound && {
		route: compile(`${where} inbound route`, file.inbound.route),
		routes: new Map(Object.entries(file.inbound.routes).map(([key, f]) => [key, compileFile(dir, f)])),
	};
	if (file.format === "x12" && Object.keys(file.outbound).length > 0 && !file.x12) throw new ConfigurationInvalidError(where, "an X12 profile that sends needs x12.senderId, x12.receiverId and x12.version");
	if (file.format === "edifact" && Object.keys(file.outbound).length > 0) throw new ConfigurationInvalidError(where, "an EDIFACT profile is inbound only: Waybill writes no EDIFACT");
	const tables = Object.freeze(Object.fromEntries(Object.entries(file.tables ?? {}).map(([name, f]) => [name, loadTable(dir, name, f)])));
	return { system: file.system, profile: file.profile, version: file.version, format: file.format, x12: file.x12, inbound, outbound, tables };
}

/** Every profile under mappings/<system>/<profile>/, keyed "system/profile". */
export function loadProfiles(root: string): Map<string, MappingProfile> {
	const profiles = new Map<string, MappingProfile>();
	// statSync follows symlinks: a ConfigMap volume presents its folders as links.
	const folders = (dir: string) => readdirSync(dir).filter((name) => !name.startsWith(".") && statSync(join(dir, name)).isDirectory());
	for (const system of folders(root)) {
		for (const profile of folders(join(root, system))) {
			const loaded = loadProfile(join(root, system, profile));
			profiles.set(`${loaded.system}/${loaded.profile}`, loaded);
		}
	}
	return profiles;
}
