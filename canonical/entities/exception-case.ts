import { idSchema, isoTime, optionalIsoTime } from "./common.ts";

export const EXCEPTION_CASE_VERSION = 1;

export const EXCEPTION_KINDS = [
	"short-pick",
	"allocation-short",
	"inventory-discrepancy",
	"delivery-failed",
	"partner-degraded",
	"compensation-failed",
	"dead-letter",
	"warehouse-exception",
	"order-change-refused",
	"return",
	"sla-breach",
	/** An X12 partner has not sent the 997 for an interchange Waybill sent, within its time. */
	"edi-ack-overdue",
	/** An X12 partner's 997 rejected (part of) an interchange Waybill sent. */
	"edi-ack-rejected",
	/** A day's settlement batch, the ERP's bookings and the ledger disagree on counts or sums. */
	"settlement-mismatch",
] as const;
export type ExceptionKind = (typeof EXCEPTION_KINDS)[number];

/** Who works a case: the team whose queue it lands in. */
export const CASE_OWNERS = ["customer-service", "warehouse-ops", "inventory-control", "transport-ops", "integration-ops", "finance"] as const;
export type CaseOwner = (typeof CASE_OWNERS)[number];

/** A problem a person may need to look at. Waybill owns it. */
export interface ExceptionCase {
	caseId: string;
	orderId?: string;
	/** The partner the problem is with, when there is one. */
	partner?: string;
	kind: ExceptionKind;
	owner: CaseOwner;
	state: "open" | "resolved";
	severity: "info" | "warning" | "critical";
	summary: string;
	openedAt: string;
	updatedAt: string;
	resolvedAt?: string;
	resolution?: string;
	/** The operator who resolved it by hand; absent when a flow resolved it. */
	resolvedBy?: string;
}

/** How operators ask for cases (saga.exceptions, GET /ops/exceptions): state, order, partner, type, owner. */
export const exceptionFilterSchema = {
	status: { type: "enum", values: ["open", "all"], optional: true },
	orderId: { type: "string", optional: true, max: 128 },
	partner: { type: "string", optional: true, max: 128 },
	kind: { type: "enum", values: [...EXCEPTION_KINDS], optional: true },
	owner: { type: "enum", values: [...CASE_OWNERS], optional: true },
	limit: { type: "number", integer: true, min: 1, max: 5000, optional: true, convert: true },
} as const;

export const exceptionCaseSchema = {
	$$strict: "remove",
	caseId: idSchema,
	orderId: { ...idSchema, optional: true },
	partner: { ...idSchema, optional: true },
	kind: { type: "enum", values: [...EXCEPTION_KINDS] },
	owner: { type: "enum", values: [...CASE_OWNERS] },
	state: { type: "enum", values: ["open", "resolved"] },
	severity: { type: "enum", values: ["info", "warning", "critical"] },
	summary: { type: "string", min: 1, max: 1000 },
	openedAt: isoTime,
	updatedAt: isoTime,
	resolvedAt: optionalIsoTime,
	resolution: { type: "string", optional: true, max: 1000 },
	resolvedBy: { type: "string", optional: true, min: 1, max: 128 },
} as const;
