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
	format: "json" | "x12";
	/** For X12 partners: our and their interchange ids, and the version we write. */
	x12?: { senderId: string; receiverId: string; version: string };
	inbound?: { route: Expression; routes: Map<string, Expression> };
	outbound: Map<string, OutboundSpec>;
}

const profileFileSchema = {
	$$strict: false,
	system: { type: "enum", values: ["erp", "wms", "lastmile"] },
	profile: { type: "string", pattern: /^[a-z0-9-]+$/ },
	version: { type: "string", min: 3, max: 64 },
	format: { type: "enum", values: ["json", "x12"] },
	x12: { type: "object", optional: true, props: { senderId: "string|min:1|max:15", receiverId: "string|min:1|max:15", version: { type: "string", pattern: /^\d{6}$/ } } },
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
	format: "json" | "x12";
	x12?: { senderId: string; receiverId: string; version: string };
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
	return { system: file.system, profile: file.profile, version: file.version, format: file.format, x12: file.x12, inbound, outbound };
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
