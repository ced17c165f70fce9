/** The few shapes a simulator checks before accepting a body; partners reject the rest with 400. */
export type FieldKind = "string" | "number" | "array" | "object";

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const EXPECTED: Record<FieldKind, string> = {
  string: "a non-empty string",
  number: "a finite number",
  array: "an array",
  object: "an object",
};

function hasKind(value: unknown, kind: FieldKind): boolean {
  if (kind === "array") return Array.isArray(value);
  if (kind === "object") return isRecord(value);
  if (kind === "string") return typeof value === "string" && value !== "";
  return typeof value === "number" && Number.isFinite(value);
}

/** The first problem found, as a message for a 400 answer, or undefined when the body fits. */
export function checkFields(body: unknown, fields: Record<string, FieldKind>, where = "body"): string | undefined {
  if (!isRecord(body)) return `${where} must be a JSON object`;
  for (const [name, kind] of Object.entries(fields)) {
    if (!hasKind(body[name], kind)) return `${where}.${name} must be ${EXPECTED[kind]}`;
  }
  return undefined;
}

/** Checks every element of a list field, e.g. order lines. */
export function checkEach(items: unknown, fields: Record<string, FieldKind>, where: string): string | undefined {
  if (!Array.isArray(items) || items.length === 0) return `${where} must be a non-empty array`;
  for (const [i, item] of items.entries()) {
    const problem = checkFields(item, fields, `${where}[${i}]`);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

export function badRequest(error: string): { status: 400; body: { error: string } } {
  return { status: 400, body: { error } };
}
