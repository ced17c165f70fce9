import { checkEach, checkFields, isRecord } from "./body-checks.ts";

/** The checks of each ERP endpoint: the first problem with a body, or undefined when the ERP takes it. */
export type BodyCheck = (body: unknown) => string | undefined;

const INVOICE_LINE = { lineNo: "number", sku: "string", qty: "number", unitPrice: "number" } as const;
const lines = (body: unknown) => (isRecord(body) ? body["lines"] : undefined);

export const checkStatus: BodyCheck = (body) => checkFields(body, { status: "string", at: "string" });

export const checkShipment: BodyCheck = (body) =>
  checkFields(body, { orderId: "string", shipmentId: "string", shippedAt: "string", lines: "array" }) ??
  checkEach(lines(body), { lineNo: "number", sku: "string", qtyShipped: "number" }, "body.lines");

export const checkInvoice: BodyCheck = (body) =>
  checkFields(body, { orderId: "string", currency: "string", lines: "array", total: "number" }) ?? checkEach(lines(body), INVOICE_LINE, "body.lines");

export const checkCreditNote: BodyCheck = (body) => {
  const problem = checkInvoice(body);
  if (problem !== undefined) return problem;
  const rma = (body as Record<string, unknown>)["rma"];
  return rma === undefined || (typeof rma === "string" && rma !== "") ? undefined : "body.rma must be a non-empty string when given";
};

export const checkBackorder: BodyCheck = (body) => {
  const problem = checkFields(body, { lines: "array", policy: "string" }) ?? checkEach(lines(body), { lineNo: "number", sku: "string", qty: "number" }, "body.lines");
  if (problem !== undefined) return problem;
  const policy = (body as Record<string, unknown>)["policy"];
  return policy === "backorder" || policy === "cancel" ? undefined : "body.policy must be backorder or cancel";
};

export const checkInvoicingHold: BodyCheck = (body) => checkFields(body, { reason: "string" });

export const checkCsCase: BodyCheck = (body) => checkFields(body, { orderId: "string", kind: "string", reason: "string" });

export const checkChangeRefusal: BodyCheck = (body) => {
  const problem = checkFields(body, { changeId: "string", fields: "array", reason: "string" });
  if (problem !== undefined) return problem;
  const fields = (body as Record<string, unknown>)["fields"] as unknown[];
  return fields.length > 0 && fields.every((f) => typeof f === "string" && f !== "") ? undefined : "body.fields must be a non-empty array of field names";
};
