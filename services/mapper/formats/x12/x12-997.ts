import { SchemaInvalidError, type SchemaProblem } from "../../../../canonical/errors/index.ts";
import { ENVELOPE_PROBLEMS, type X12Problem } from "./x12-envelope.ts";
import { el, type Segment, type X12Group, type X12Interchange } from "./x12-interchange.ts";
import { writeInterchange } from "./x12-writer.ts";

/**
 * The 997 both ways: the acknowledgement we owe for every functional group received, and the
 * verdicts partners send back about ours. One 997 transaction per acknowledged group (one AK1
 * each), all in one FA group. Interchange-level problems (IEA, duplicates) are not expressible in
 * a 997, which only speaks about groups and transaction sets; they belong in a TA1 or a refusal.
 */

export interface AckOptions {
	senderId: string;
	receiverId: string;
	controlNumber: number;
	now: Date;
	/** GS08 of the FA group; by default the version of the first group acknowledged. */
	version?: string;
}

/** AK502 "Transaction Set Syntax Error Code" for the problems the envelope check finds. */
const AK5_CODES: Record<string, string> = { [ENVELOPE_PROBLEMS.SE_CONTROL_MISMATCH]: "3", [ENVELOPE_PROBLEMS.SE_COUNT_MISMATCH]: "4" };
/** Any other problem inside a transaction set: "one or more segments in error". */
const AK5_SEGMENTS_IN_ERROR = "5";
/** AK905 "Functional Group Syntax Error Code". */
const AK9_CODES: Record<string, string> = { [ENVELOPE_PROBLEMS.GE_CONTROL_MISMATCH]: "4", [ENVELOPE_PROBLEMS.GE_COUNT_MISMATCH]: "5" };
/** The syntax allows at most five error codes in AK5 and in AK9. */
const MAX_CODES = 5;

export function functionalAck(interchange: X12Interchange, problems: X12Problem[], options: AckOptions): string {
	const transactions = interchange.groups.map((group) => ({ code: "997", segments: ackGroup(group, problems) }));
	return writeInterchange({
		senderId: options.senderId,
		receiverId: options.receiverId,
		controlNumber: options.controlNumber,
		functionalId: "FA",
		version: options.version ?? (el(interchange.groups[0]?.gs, 8) || "004010"),
		transactions,
		now: options.now,
	});
}

function ackGroup(group: X12Group, problems: X12Problem[]): Segment[] {
	const groupNo = el(group.gs, 6);
	const version = el(group.gs, 8);
	const segments: Segment[] = [["AK1", el(group.gs, 1), groupNo, ...(version >= "005010" ? [version] : [])]];
	let accepted = 0;
	for (const tx of group.transactions) {
		const txNo = el(tx.st, 2);
		const mine = problems.filter((p) => p.level === "transaction" && p.controlNumbers.group === groupNo && p.controlNumbers.transaction === txNo);
		const codes = unique(mine.map((p) => AK5_CODES[p.code] ?? AK5_SEGMENTS_IN_ERROR));
		if (codes.length === 0) accepted++;
		segments.push(["AK2", el(tx.st, 1), txNo], ["AK5", codes.length === 0 ? "A" : "R", ...codes]);
	}
	const groupProblems = problems.filter((p) => p.level === "group" && p.controlNumbers.group === groupNo);
	const received = group.transactions.length;
	const status = groupProblems.length > 0 || (received > 0 && accepted === 0) ? "R" : accepted < received ? "P" : "A";
	const included = /^\d+$/.test(el(group.ge, 1)) ? String(Number(el(group.ge, 1))) : String(received);
	const groupCodes = unique(groupProblems.map((p) => AK9_CODES[p.code]).filter((c): c is string => c !== undefined));
	segments.push(["AK9", status, included, String(received), String(accepted), ...groupCodes]);
	return segments;
}

function unique(codes: string[]): string[] {
	return [...new Set(codes)].slice(0, MAX_CODES);
}

export interface AckElementError { position: string; reference: string; code: string; badValue: string }
export interface AckSegmentError { segmentId: string; position: number | undefined; loopId: string; code: string; elements: AckElementError[] }

export interface AckedTransaction {
	code: string;
	controlNumber: string;
	/** AK501: A accepted, E accepted with errors noted, M/R/W/X rejected. */
	status: string;
	accepted: boolean;
	errorCodes: string[];
	segmentErrors: AckSegmentError[];
}

export interface AckedGroup {
	functionalId: string;
	controlNumber: string;
	/** AK901: A accepted, E accepted with errors, P partially accepted, R rejected. */
	status: string;
	verdict: "accepted" | "partially-accepted" | "rejected";
	included: number;
	received: number;
	acceptedCount: number;
	errorCodes: string[];
	transactions: AckedTransaction[];
}

/** What a partner's 997s say about our groups, one entry per AK1. */
export function readFunctionalAck(interchange: X12Interchange): AckedGroup[] {
	const acked: AckedGroup[] = [];
	const problems: SchemaProblem[] = [];
	for (const tx of interchange.groups.flatMap((g) => g.transactions)) {
		if (el(tx.st, 1) !== "997") { problems.push({ field: "ST01", message: `transaction ${el(tx.st, 2)} is a ${el(tx.st, 1)}, not a 997` }); continue; }
		const group = readAckBody(tx.segments, el(tx.st, 2), problems);
		if (group) acked.push(group);
	}
	if (problems.length > 0) throw new SchemaInvalidError("X12 997", problems);
	return acked;
}

function readAckBody(segments: Segment[], txNo: string, problems: SchemaProblem[]): AckedGroup | undefined {
	const ak1 = segments.find((s) => s[0] === "AK1");
	const ak9 = segments.find((s) => s[0] === "AK9");
	if (!ak1 || !ak9) { problems.push({ field: ak1 ? "AK9" : "AK1", message: `997 ${txNo} has no ${ak1 ? "AK9" : "AK1"}` }); return undefined; }
	const transactions: AckedTransaction[] = [];
	let current: AckedTransaction | undefined;
	segments.forEach((s) => {
		if (s[0] === "AK2") transactions.push(current = { code: el(s, 1), controlNumber: el(s, 2), status: "", accepted: false, errorCodes: [], segmentErrors: [] });
		else if (s[0] === "AK3") current?.segmentErrors.push({ segmentId: el(s, 1), position: Number(el(s, 2)) || undefined, loopId: el(s, 3), code: el(s, 4), elements: [] });
		else if (s[0] === "AK4") current?.segmentErrors.at(-1)?.elements.push({ position: el(s, 1), reference: el(s, 2), code: el(s, 3), badValue: s[4] ?? "" });
		else if (s[0] === "AK5" && current) {
			current.status = el(s, 1);
			current.accepted = current.status === "A" || current.status === "E";
			current.errorCodes = s.slice(2).map((c) => c.trim()).filter((c) => c !== "");
		}
	});
	for (const t of transactions) if (t.status === "") problems.push({ field: "AK5", message: `997 ${txNo}: transaction ${t.controlNumber} has no AK5 verdict` });
	const status = el(ak9, 1);
	return {
		functionalId: el(ak1, 1),
		controlNumber: el(ak1, 2),
		status,
		verdict: status === "A" || status === "E" ? "accepted" : status === "P" ? "partially-accepted" : "rejected",
		included: Number(el(ak9, 2)),
		received: Number(el(ak9, 3)),
		acceptedCount: Number(el(ak9, 4)),
		errorCodes: ak9.slice(5).map((c) => c.trim()).filter((c) => c !== ""),
		transactions,
	};
}
