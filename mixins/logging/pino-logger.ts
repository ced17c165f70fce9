import { pino, type DestinationStream, type Logger } from "pino";
import type { BrokerOptions } from "moleculer";
import { messageContext } from "./message-context.ts";

/**
 * Fields that hold personal data (canonical addresses, customers, proof of delivery) or secrets,
 * and raw partner bytes (`body`), which can hold any of them. Redacted at any of the first four
 * levels of a log line, whatever a handler passes in. `name` only below the top: pino's own
 * fields never use it, and a person's name sits inside something (customer, shipTo, contact).
 */
const PERSONAL_FIELDS = ["shipTo", "customer", "recipients", "recipient", "recipientName", "address", "pickupFrom", "email", "phone", "line1", "line2", "postalCode", "body", "authorization", "password"];
const NESTED_ONLY = ["name"];

export const REDACTED_PATHS = [
	...PERSONAL_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`, `*.*.*.${f}`]),
	...NESTED_ONLY.flatMap((f) => [`*.${f}`, `*.*.${f}`, `*.*.*.${f}`]),
];

type Level = "fatal" | "error" | "warn" | "info" | "debug" | "trace";

/**
 * Moleculer's Pino logger, with three things added: the message being handled (correlation id,
 * order id, partner, message id and type, channel, group, attempt) on every line logged while it
 * is handled; personal data redacted; and Moleculer's `logger.info("text", { fields })` call
 * style turned into pino's `(fields, "text")`, which would otherwise drop the fields.
 */
export function waybillLogger(options: { level?: string; destination?: DestinationStream } = {}): NonNullable<BrokerOptions["logger"]> {
	const level = (options.level || "info") as Level;
	const pinoOptions = {
		level: "trace",
		redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
		mixin: () => ({ ...messageContext() }),
	};
	// Without a destination, pino's default: stdout, written synchronously (nothing lost on exit).
	const root = options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions);
	return {
		type: "Pino",
		options: {
			level,
			createLogger: (moduleLevel: Level, bindings: Record<string, unknown>) => wrap(root.child(bindings, { level: moduleLevel || level })),
		},
	};
}

function wrap(logger: Logger): Record<Level, (...args: unknown[]) => void> {
	// Checked first: a debug line per message must cost next to nothing at info.
	const at = (level: Level) => (...args: unknown[]) => {
		if (logger.isLevelEnabled(level)) (logger[level] as (...a: unknown[]) => void)(...pinoArgs(args));
	};
	return { fatal: at("fatal"), error: at("error"), warn: at("warn"), info: at("info"), debug: at("debug"), trace: at("trace") };
}

/** ("text", {a}, "more", err) becomes ({a, err}, "text more"); (fields, "text") and ("text") pass through. */
export function pinoArgs(args: unknown[]): unknown[] {
	if (args.length <= 1 || typeof args[0] !== "string") return args;
	const fields: Record<string, unknown> = {};
	const words: string[] = [args[0]];
	for (const arg of args.slice(1)) {
		if (arg instanceof Error) fields.err = arg;
		else if (arg !== null && typeof arg === "object" && !Array.isArray(arg)) Object.assign(fields, arg);
		else if (arg !== undefined) words.push(typeof arg === "string" ? arg : JSON.stringify(arg));
	}
	return Object.keys(fields).length > 0 ? [fields, words.join(" ")] : [words.join(" ")];
}
