import type { EdifactSegment } from "./edifact-lexer.ts";
import type { EdifactInterchange, EdifactMessage } from "./edifact-tokenizer.ts";
import { readBgm, type MessageHeader } from "./edifact-header.ts";
import { el, readDtm, readLoc, readNad, readRff, type DateTimeValue, type Location, type Party, type Reference } from "./edifact-values.ts";

/**
 * IFTSTA as EANCOM (D.96A EAN002 to D.01B EAN004) lays it out: a header (BGM, DTM, NAD), then per
 * consignment a CNI opening status groups. Each STS opens a group whose RFF, DTM, LOC, NAD and
 * FTX describe that status, and whose GID/PCI/GIN goods items name the packages it concerns.
 */
export interface IftstaGoodsItem {
	number?: string;
	packages?: { count?: number; type?: string };
	/** PCI 4233 marking instructions, e.g. 33E "marked with an SSCC". */
	markings: string[];
	ssccs: string[];
}

export interface IftstaStatus {
	/** C601 9015, e.g. 1 = transport. */
	category?: string;
	/** C555 4405, a Recommendation 24 code in EANCOM. */
	code: string;
	codeListAgency?: string;
	description?: string;
	/** C556 9013 status reason codes, in order. */
	reasons: string[];
	references: Reference[];
	times: DateTimeValue[];
	locations: Location[];
	parties: Party[];
	freeText: string[];
	goodsItems: IftstaGoodsItem[];
}

export interface IftstaConsignment {
	/** CNI 1490, the consignment's position in the report. */
	sequence?: string;
	/** CNI C503 1004: the consignor's shipment reference. */
	reference: string;
	/** What the CNI group says before its first STS (EANCOM allows LOC, CNT and the like there). */
	references: Reference[];
	times: DateTimeValue[];
	locations: Location[];
	parties: Party[];
	statuses: IftstaStatus[];
}

export interface IftstaReport extends MessageHeader {
	consignments: IftstaConsignment[];
}

/** Every IFTSTA message of an interchange; other message types are left alone. */
export function readIftsta(interchange: EdifactInterchange): IftstaReport[] {
	return interchange.messages.filter((m) => m.type === "IFTSTA").map(readIftstaMessage);
}

export function readIftstaMessage(message: EdifactMessage): IftstaReport {
	const report: IftstaReport = { messageRef: message.reference, version: message.version, times: [], references: [], parties: [], consignments: [] };
	if (message.association) report.association = message.association;
	let consignment: IftstaConsignment | undefined;
	let status: IftstaStatus | undefined;
	let item: IftstaGoodsItem | undefined;
	for (const s of message.segments) {
		if (s.tag === "CNI") {
			consignment = { reference: el(s, 1, 0) ?? "", references: [], times: [], locations: [], parties: [], statuses: [] };
			const sequence = el(s, 0);
			if (sequence) consignment.sequence = sequence;
			report.consignments.push(consignment);
			status = item = undefined;
		} else if (s.tag === "STS" && consignment) {
			status = readSts(s);
			consignment.statuses.push(status);
			item = undefined;
		} else if (s.tag === "GID" && status) {
			item = readGid(s);
			status.goodsItems.push(item);
		} else if (s.tag === "PCI" && item) {
			const marking = el(s, 0);
			if (marking) item.markings.push(marking);
		} else if (s.tag === "GIN" && item && el(s, 0) === "BJ") {
			// Each C208 after the qualifier holds one identity number (a range's end is not an SSCC of its own).
			item.ssccs.push(...s.elements.slice(1).map((c) => c[0] ?? "").filter(Boolean));
		} else {
			readDescriptive(s, status ?? consignment ?? report);
			if (s.tag === "BGM") readBgm(s, report);
		}
	}
	return report;
}

/** The SSCCs a consignment's statuses name, once each, in document order. */
export function ssccsOf(consignment: IftstaConsignment): string[] {
	return [...new Set(consignment.statuses.flatMap((s) => s.goodsItems.flatMap((g) => g.ssccs)))];
}

function readSts(s: EdifactSegment): IftstaStatus {
	const status: IftstaStatus = { code: el(s, 1, 0) ?? "", reasons: [], references: [], times: [], locations: [], parties: [], freeText: [], goodsItems: [] };
	const optional: Array<["category" | "codeListAgency" | "description", string | undefined]> = [["category", el(s, 0, 0)], ["codeListAgency", el(s, 1, 2)], ["description", el(s, 1, 3)]];
	for (const [key, value] of optional) if (value) status[key] = value;
	for (let i = 2; i < s.elements.length; i++) {
		const reason = el(s, i, 0) ?? el(s, i, 3);
		if (reason) status.reasons.push(reason);
	}
	return status;
}

function readGid(s: EdifactSegment): IftstaGoodsItem {
	const item: IftstaGoodsItem = { markings: [], ssccs: [] };
	const number = el(s, 0);
	if (number) item.number = number;
	const count = el(s, 1, 0);
	const type = el(s, 1, 1);
	if (count || type) item.packages = { ...(count ? { count: Number(count) } : {}), ...(type ? { type } : {}) };
	return item;
}

/** RFF, DTM, LOC, NAD and FTX belong to whichever level is open: status, consignment or header. */
function readDescriptive(s: EdifactSegment, into: Partial<Pick<IftstaStatus, "references" | "times" | "locations" | "parties" | "freeText">>): void {
	if (s.tag === "RFF") into.references?.push(readRff(s));
	else if (s.tag === "DTM") into.times?.push(readDtm(s));
	else if (s.tag === "LOC") into.locations?.push(readLoc(s));
	else if (s.tag === "NAD") into.parties?.push(readNad(s));
	else if (s.tag === "FTX") into.freeText?.push(s.elements.slice(3).map((e) => e.join(" ")).join(" ").trim());
}
