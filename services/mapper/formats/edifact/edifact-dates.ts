import { MappingFailedError } from "../../../../canonical/errors/index.ts";

/**
 * DTM values to ISO-8601. EDIFACT times carry no zone (format 205 aside): they are the sender's
 * local time, so the partner profile must say which offset that is. The default "Z" is only an
 * assumption, and the reason the option exists.
 */
export const DEFAULT_UTC_OFFSET = "Z";

/** Date/time format qualifiers (2379) this reader understands, with the shape of the value. */
const FORMATS: Record<string, RegExp> = {
	"101": /^(\d{2})(\d{2})(\d{2})$/,
	"102": /^(\d{4})(\d{2})(\d{2})$/,
	"201": /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/,
	"203": /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})$/,
	"204": /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/,
	/** CCYYMMDDHHMMZHHMM: the only format that states its own offset. */
	"205": /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})([+-])(\d{2})(\d{2})$/,
};

const OFFSET = /^(Z|[+-]\d{2}:\d{2})$/;

export function isSupportedDateFormat(format: string): boolean {
	return Object.hasOwn(FORMATS, format);
}

/** Two-digit years (101, 201) are read in a 1970-2069 window, the common EDI convention. */
function fullYear(yy: string): number {
	const n = Number(yy);
	return n < 70 ? 2000 + n : 1900 + n;
}

export function edifactTimeToIso(value: string, format: string, utcOffset: string = DEFAULT_UTC_OFFSET): string {
	if (!OFFSET.test(utcOffset)) throw new MappingFailedError("edifact DTM", `utcOffset '${utcOffset}' is not Z or ±HH:MM`);
	const shape = isSupportedDateFormat(format) ? FORMATS[format]! : undefined;
	if (!shape) throw new MappingFailedError("edifact DTM", `date/time format ${format} is not supported (value '${value}')`);
	const m = shape.exec(value);
	if (!m) throw new MappingFailedError("edifact DTM", `'${value}' does not match format ${format}`);
	const year = format === "101" || format === "201" ? fullYear(m[1]!) : Number(m[1]);
	const [month, day, hour = 0, minute = 0, second = 0] = m.slice(2, format === "205" ? 6 : undefined).map(Number);
	const probe = new Date(Date.UTC(year, month! - 1, day!, hour, minute, second));
	if (probe.getUTCMonth() !== month! - 1 || probe.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
		throw new MappingFailedError("edifact DTM", `'${value}' (format ${format}) is not a real date/time`);
	}
	const offset = format === "205" ? `${m[6]}${m[7]}:${m[8]}` : utcOffset;
	const pad = (n: number, w = 2) => String(n).padStart(w, "0");
	return `${pad(year, 4)}-${pad(month!)}-${pad(day!)}T${pad(hour)}:${pad(minute)}:${pad(second)}${offset}`;
}
