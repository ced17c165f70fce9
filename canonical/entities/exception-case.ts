import { idSchema, isoTime, optionalIsoTime } from "./common.ts";

export const EXCEPTION_CASE_VERSION = 1;

export const EXCEPTION_KINDS = [
	"short-pick",
	"inventory-discrepancy",
	"delivery-failed",
	"partner-degraded",
	"compensation-failed",
	"dead-letter",
	"warehouse-exception",
	"sla-breach",
] as const;
export type ExceptionKind = (typeof EXCEPTION_KINDS)[number];

/** A problem a person may need to look at. Waybill owns it. */
export interface ExceptionCase {
	caseId: string;
	orderId?: string;
	kind: ExceptionKind;
	severity: "info" | "warning" | "critical";
	summary: string;
	openedAt: string;
	resolvedAt?: string;
	resolution?: string;
}

export const exceptionCaseSchema = {
	$$strict: "remove",
	caseId: idSchema,
	orderId: { ...idSchema, optional: true },
	kind: { type: "enum", values: [...EXCEPTION_KINDS] },
	severity: { type: "enum", values: ["info", "warning", "critical"] },
	summary: { type: "string", min: 1, max: 1000 },
	openedAt: isoTime,
	resolvedAt: optionalIsoTime,
	resolution: { type: "string", optional: true, max: 1000 },
} as const;
