import { allSegments, el, type X12Group, type X12Interchange, type X12Transaction } from "./x12-interchange.ts";

/**
 * Envelope hygiene: trailers that agree with their headers, counts that match what arrived, and
 * no interchange control number replayed by the same sender. Problems are returned, not thrown,
 * because the usual answer to a bad envelope is a 997 that names it, not a dropped document.
 */

export const ENVELOPE_PROBLEMS = {
	ISA_CONTROL_NUMBER_INVALID: "ISA_CONTROL_NUMBER_INVALID",
	IEA_CONTROL_MISMATCH: "IEA_CONTROL_MISMATCH",
	IEA_COUNT_MISMATCH: "IEA_COUNT_MISMATCH",
	DUPLICATE_INTERCHANGE: "DUPLICATE_INTERCHANGE",
	GE_CONTROL_MISMATCH: "GE_CONTROL_MISMATCH",
	GE_COUNT_MISMATCH: "GE_COUNT_MISMATCH",
	SE_CONTROL_MISMATCH: "SE_CONTROL_MISMATCH",
	SE_COUNT_MISMATCH: "SE_COUNT_MISMATCH",
} as const;

export type EnvelopeProblemLevel = "interchange" | "group" | "transaction";

export interface ControlNumbers {
	interchange: string;
	group?: string;
	transaction?: string;
}

/** One thing wrong with a document. Readers' content problems use the same shape so a 997 can carry them. */
export interface X12Problem {
	code: string;
	message: string;
	level: EnvelopeProblemLevel;
	controlNumbers: ControlNumbers;
}

/**
 * Answers whether this sender already sent this interchange control number. Whether asking also
 * records it (a Redis SET NX does both) is the backing store's choice, made by the caller.
 */
export interface InterchangeRegistry {
	seen(sender: string, controlNumber: string): Promise<boolean>;
}

/** Leading zeros are padding, not identity: "000005" and "5" are the same control number. */
function sameControl(a: string, b: string): boolean {
	return /^\d+$/.test(a) && /^\d+$/.test(b) ? BigInt(a) === BigInt(b) : a === b;
}

function countMatches(declared: string, actual: number): boolean {
	return /^\d+$/.test(declared) && Number(declared) === actual;
}

export function checkEnvelope(interchange: X12Interchange): X12Problem[] {
	const problems: X12Problem[] = [];
	const interchangeNo = el(interchange.isa, 13);
	const at = { interchange: interchangeNo };
	if (!/^\d{9}$/.test(interchangeNo)) problems.push({ code: ENVELOPE_PROBLEMS.ISA_CONTROL_NUMBER_INVALID, message: `ISA13 '${interchangeNo}' is not nine digits`, level: "interchange", controlNumbers: at });
	const ieaControl = el(interchange.iea, 2);
	if (!sameControl(interchangeNo, ieaControl)) problems.push({ code: ENVELOPE_PROBLEMS.IEA_CONTROL_MISMATCH, message: `IEA02 '${ieaControl}' does not match ISA13 '${interchangeNo}'`, level: "interchange", controlNumbers: at });
	const ieaCount = el(interchange.iea, 1);
	if (!countMatches(ieaCount, interchange.groups.length)) problems.push({ code: ENVELOPE_PROBLEMS.IEA_COUNT_MISMATCH, message: `IEA01 says ${ieaCount} groups but ${interchange.groups.length} arrived`, level: "interchange", controlNumbers: at });
	for (const group of interchange.groups) problems.push(...checkGroup(group, interchangeNo));
	return problems;
}

function checkGroup(group: X12Group, interchange: string): X12Problem[] {
	const problems: X12Problem[] = [];
	const groupNo = el(group.gs, 6);
	const at = { interchange, group: groupNo };
	const geControl = el(group.ge, 2);
	if (!sameControl(groupNo, geControl)) problems.push({ code: ENVELOPE_PROBLEMS.GE_CONTROL_MISMATCH, message: `GE02 '${geControl}' does not match GS06 '${groupNo}'`, level: "group", controlNumbers: at });
	const geCount = el(group.ge, 1);
	if (!countMatches(geCount, group.transactions.length)) problems.push({ code: ENVELOPE_PROBLEMS.GE_COUNT_MISMATCH, message: `GE01 says ${geCount} transaction sets but ${group.transactions.length} arrived in group ${groupNo}`, level: "group", controlNumbers: at });
	for (const tx of group.transactions) problems.push(...checkTransaction(tx, at));
	return problems;
}

function checkTransaction(tx: X12Transaction, group: { interchange: string; group: string }): X12Problem[] {
	const problems: X12Problem[] = [];
	const txNo = el(tx.st, 2);
	const at = { ...group, transaction: txNo };
	const seControl = el(tx.se, 2);
	if (seControl !== txNo) problems.push({ code: ENVELOPE_PROBLEMS.SE_CONTROL_MISMATCH, message: `SE02 '${seControl}' does not match ST02 '${txNo}'`, level: "transaction", controlNumbers: at });
	const declared = el(tx.se, 1);
	const actual = allSegments(tx).length;
	if (!countMatches(declared, actual)) problems.push({ code: ENVELOPE_PROBLEMS.SE_COUNT_MISMATCH, message: `SE01 says ${declared} segments but transaction ${el(tx.st, 1)} ${txNo} has ${actual} (ST to SE inclusive)`, level: "transaction", controlNumbers: at });
	return problems;
}

/** All envelope problems, plus a replay check against the caller's registry when one is given. */
export async function validateEnvelope(interchange: X12Interchange, registry?: InterchangeRegistry): Promise<X12Problem[]> {
	const problems = checkEnvelope(interchange);
	if (registry) {
		const sender = el(interchange.isa, 6);
		const controlNumber = el(interchange.isa, 13);
		if (await registry.seen(sender, controlNumber)) {
			problems.push({ code: ENVELOPE_PROBLEMS.DUPLICATE_INTERCHANGE, message: `sender '${sender}' already sent interchange ${controlNumber}`, level: "interchange", controlNumbers: { interchange: controlNumber } });
		}
	}
	return problems;
}
