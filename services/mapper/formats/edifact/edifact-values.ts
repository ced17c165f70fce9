import type { EdifactSegment } from "./edifact-lexer.ts";
import { edifactTime, type EdifactTime } from "./edifact-dates.ts";

/**
 * Readers for the composites that DESADV and IFTSTA share. Empty components read as undefined:
 * in EDIFACT an empty position means "not given", never an empty value.
 */
export function el(segment: EdifactSegment, element: number, component = 0): string | undefined {
	const value = segment.elements[element]?.[component];
	return value === undefined || value === "" ? undefined : value;
}

/** A DTM as sent, with its ISO-8601 reading (edifact-dates.ts) when the format is known and the date real. */
export interface DateTimeValue extends Partial<EdifactTime> {
	qualifier: string;
	value: string;
	format: string;
}

/** When a partner omits the format (2379), the length of a purely numeric value is unambiguous enough. */
const FORMAT_BY_LENGTH: Record<number, string> = { 8: "102", 12: "203", 14: "204" };

/** DTM C507: qualifier (2005), value (2380), format (2379). */
export function readDtm(segment: EdifactSegment): DateTimeValue {
	const value = el(segment, 0, 1) ?? "";
	const format = el(segment, 0, 2) ?? (/^\d+$/.test(value) ? FORMAT_BY_LENGTH[value.length] : undefined) ?? "";
	return { qualifier: el(segment, 0, 0) ?? "", value, format, ...edifactTime(value, format) };
}

export interface Reference {
	qualifier: string;
	value: string;
	/** C506 1156: the line within the referenced document (an order line, say). */
	line?: string;
}

export function readRff(segment: EdifactSegment): Reference {
	const line = el(segment, 0, 2);
	return { qualifier: el(segment, 0, 0) ?? "", value: el(segment, 0, 1) ?? "", ...(line ? { line } : {}) };
}

export interface Party {
	/** 3035: BY buyer, SU supplier, DP delivery party, SF ship from, FW forwarder, CZ consignor, ... */
	qualifier: string;
	/** C082 3039, a GLN when the agency (3055) is 9. */
	id?: string;
	agency?: string;
	name?: string;
	street?: string;
	city?: string;
	postalCode?: string;
	country?: string;
}

export function readNad(segment: EdifactSegment): Party {
	const fields: Array<[keyof Party, string | undefined]> = [
		["id", el(segment, 1, 0)],
		["agency", el(segment, 1, 2)],
		["name", el(segment, 3, 0) ?? el(segment, 2, 0)],
		["street", el(segment, 4, 0)],
		["city", el(segment, 5, 0)],
		["postalCode", el(segment, 7, 0)],
		["country", el(segment, 8, 0)],
	];
	const party: Party = { qualifier: el(segment, 0) ?? "" };
	for (const [key, value] of fields) if (value !== undefined) party[key] = value;
	return party;
}

export interface Location {
	/** 3227: e.g. 16E in the GS1 IFTSTA example; 11 place of discharge, 7 place of delivery. */
	qualifier: string;
	id?: string;
	name?: string;
}

export function readLoc(segment: EdifactSegment): Location {
	const id = el(segment, 1, 0);
	const name = el(segment, 1, 3);
	return { qualifier: el(segment, 0) ?? "", ...(id ? { id } : {}), ...(name ? { name } : {}) };
}

/** ISO 9735 allows either decimal mark in data whatever the UNA says, and no grouping separators. */
export function readDecimal(value: string | undefined): number | undefined {
	if (value === undefined || !/^-?\d*[.,]?\d+$/.test(value)) return undefined;
	return Number(value.replace(",", "."));
}

/** GS1 mod-10 check digit, the same for SSCC (18), GTIN and GLN. */
export function hasValidCheckDigit(digits: string): boolean {
	if (!/^\d{8,18}$/.test(digits)) return false;
	const body = digits.slice(0, -1);
	let sum = 0;
	for (let i = 0; i < body.length; i++) sum += Number(body[body.length - 1 - i]) * (i % 2 === 0 ? 3 : 1);
	return (10 - (sum % 10)) % 10 === Number(digits.at(-1));
}
