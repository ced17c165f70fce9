/**
 * DTM values as ISO-8601. EDIFACT times carry no zone (format 205 aside): they are the sender's
 * local time, and which offset that is only the partner's agreement can say, so the reader gives
 * the local time and the partner's profile appends its offset (as for X12 local times).
 */
export interface EdifactTime {
	/** "2024-03-15T08:15:00": the value as written, with no offset. */
	localTime: string;
	/** Format 205 only: the instant, with the offset the value states. */
	at?: string;
}

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

export function isSupportedDateFormat(format: string): boolean {
	return Object.hasOwn(FORMATS, format);
}

/** Two-digit years (101, 201) are read in a 1970-2069 window, the common EDI convention. */
function fullYear(yy: string): number {
	const n = Number(yy);
	return n < 70 ? 2000 + n : 1900 + n;
}

/** The value in ISO-8601, or undefined for a format this reader does not know or a date that does not exist. */
export function edifactTime(value: string, format: string): EdifactTime | undefined {
	const m = isSupportedDateFormat(format) ? FORMATS[format]!.exec(value) : null;
	if (!m) return undefined;
	const year = format === "101" || format === "201" ? fullYear(m[1]!) : Number(m[1]);
	const [month, day, hour = 0, minute = 0, second = 0] = m.slice(2, format === "205" ? 6 : undefined).map(Number);
	const probe = new Date(Date.UTC(year, month! - 1, day!, hour, minute, second));
	if (probe.getUTCMonth() !== month! - 1 || probe.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return undefined;
	const pad = (n: number, w = 2) => String(n).padStart(w, "0");
	const localTime = `${pad(year, 4)}-${pad(month!)}-${pad(day!)}T${pad(hour)}:${pad(minute)}:${pad(second)}`;
	return format === "205" ? { localTime, at: `${localTime}${m[6]}${m[7]}:${m[8]}` } : { localTime };
}
