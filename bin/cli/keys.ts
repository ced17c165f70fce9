import { generateApiKey } from "../../services/gateway/auth/api-key.ts";
import { ALL_SCOPES, ROLES, type Scope } from "../../services/gateway/auth/scopes.ts";
import { UsageError } from "./convert-document.ts";
import { parseArgs } from "./commands.ts";

/**
 * `keys new [--name n] [--role r | --scopes a,b] [--partner p]`: a fresh key, offline. Prints the key
 * (for ADMIN_API_KEY or to hand over, once) and its API_KEYS_FILE entry, which holds only the hash.
 */
export function newKey(args: string[]): number {
	const { options } = parseArgs(args, ["name", "role", "scopes", "partner"], []);
	const role = typeof options.role === "string" ? options.role : undefined;
	if (role !== undefined && !ROLES[role]) throw new UsageError(`unknown role '${role}' (${Object.keys(ROLES).join(", ")})`);
	const scopes = typeof options.scopes === "string" ? options.scopes.split(",").map((s) => s.trim()) : [...(ROLES[role ?? "admin"] ?? [])];
	const unknown = scopes.filter((s) => !ALL_SCOPES.includes(s as Scope));
	if (unknown.length > 0) throw new UsageError(`unknown scopes ${unknown.join(", ")} (${ALL_SCOPES.join(", ")})`);
	const { key, id, hash } = generateApiKey();
	const entry = { id, hash, name: typeof options.name === "string" ? options.name : "unnamed", scopes, ...(typeof options.partner === "string" ? { partner: options.partner } : {}) };
	console.log(JSON.stringify({ key, apiKeysFileEntry: entry }));
	return 0;
}
