import type { EdifactSegment } from "./edifact-lexer.ts";
import { el, type DateTimeValue, type Party, type Reference } from "./edifact-values.ts";

/** What every message Waybill reads starts with: its reference, BGM, and header DTM/RFF/NAD. */
export interface MessageHeader {
	messageRef: string;
	version: string;
	association?: string;
	documentName?: string;
	documentNumber?: string;
	/** BGM 1225: 9 original, 5 replacement, 1 cancellation, ... */
	documentFunction?: string;
	times: DateTimeValue[];
	references: Reference[];
	parties: Party[];
}

/** BGM: document name (1001), number (1004) and function (1225), each kept only when sent. */
export function readBgm(s: EdifactSegment, into: MessageHeader): void {
	const fields: Array<["documentName" | "documentNumber" | "documentFunction", string | undefined]> = [["documentName", el(s, 0, 0)], ["documentNumber", el(s, 1, 0)], ["documentFunction", el(s, 2, 0)]];
	for (const [key, value] of fields) if (value) into[key] = value;
}
