import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { assertMatches } from "../../canonical/validation.ts";
import { ConfigurationInvalidError } from "../../canonical/errors/index.ts";

/** A field a source wrote without owning it: removed from the fact, and recorded. */
export interface FieldConflict {
	field: string;
	/** Where in the fact's data, e.g. "packages[0].sscc". */
	path: string;
	writer: string;
	owners: string[];
}

const registrySchema = {
	$$strict: false,
	fields: { type: "record", key: "string", value: { type: "array", min: 1, items: { type: "enum", values: ["erp", "wms", "lastmile", "waybill"] } } },
} as const;

const DEFAULT_FILE = fileURLToPath(new URL("../../config/field-ownership.json", import.meta.url));

/** The field-ownership registry: configuration (FIELD_OWNERSHIP_FILE), validated when loaded. */
export class FieldOwnership {
	private constructor(private readonly owners: Map<string, string[]>) {}

	static load(file = process.env.FIELD_OWNERSHIP_FILE || DEFAULT_FILE): FieldOwnership {
		try {
			const raw = assertMatches<{ fields: Record<string, string[]> }>(`field ownership ${file}`, registrySchema, JSON.parse(readFileSync(file, "utf8")));
			return new FieldOwnership(new Map(Object.entries(raw.fields)));
		} catch (e: unknown) {
			throw new ConfigurationInvalidError("FIELD_OWNERSHIP_FILE", `${file}: ${(e as Error).message}`);
		}
	}

	/**
	 * The data as `writer` may set it: every field it does not own is removed, wherever it sits,
	 * and returned as a conflict. Never mutates its input.
	 */
	enforce(writer: string, data: unknown): { data: unknown; conflicts: FieldConflict[] } {
		const conflicts: FieldConflict[] = [];
		const walk = (value: unknown, path: string): unknown => {
			if (Array.isArray(value)) return value.map((item, i) => walk(item, `${path}[${i}]`));
			if (!value || typeof value !== "object") return value;
			const kept: Record<string, unknown> = {};
			for (const [field, inner] of Object.entries(value)) {
				const owners = this.owners.get(field);
				const at = path ? `${path}.${field}` : field;
				if (owners && !owners.includes(writer)) conflicts.push({ field, path: at, writer, owners });
				else kept[field] = walk(inner, at);
			}
			return kept;
		};
		return { data: walk(data, ""), conflicts };
	}
}
