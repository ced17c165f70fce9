import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { loadPartnerRegistry, type PartnerEntry } from "../../config/partner-registry.ts";
import { sign3pl, signOnfleet, signed3plHeaders } from "../../simulators/signatures.ts";
import { ediCorpus, jsonCorpus } from "./edi-corpus.ts";

export const partnerEntries = (): PartnerEntry[] => loadPartnerRegistry().entries;

/**
 * Secrets for the partners the harness does not configure, set before it starts so that every
 * partner's signature check is reachable (otherwise all their webhooks stop at "no secret
 * configured"). Returns a function that removes what it set.
 */
export function configureMissingSecrets(): () => void {
	const set: string[] = [];
	for (const entry of partnerEntries()) {
		const name = entry.webhook?.secretEnv;
		if (!name || process.env[name]) continue;
		process.env[name] = entry.webhook!.scheme === "onfleet-hmac-sha512" ? randomBytes(32).toString("hex") : `fuzz-${randomBytes(12).toString("hex")}`;
		set.push(name);
	}
	return () => set.forEach((name) => delete process.env[name]);
}

export function secretOf(entry: PartnerEntry): string {
	return (process.env[entry.webhook?.secretEnv ?? ""] ?? "").split(",")[0]!.trim();
}

/**
 * The headers a partner sends with `body`: its own scheme, written here from the registry entry
 * (the simulators' signers for the schemes they cover), with the timestamp given when it signs one.
 */
export function signatureHeaders(entry: PartnerEntry, body: Buffer, secret = secretOf(entry), timestampSeconds = Math.floor(Date.now() / 1000)): Record<string, string> {
	const webhook = entry.webhook;
	if (!webhook) return {};
	const utf8 = body.toString("utf8");
	const isUtf8 = Buffer.from(utf8, "utf8").equals(body);
	// The simulators sign text; for bytes that are not UTF-8 the HMAC is computed over the bytes themselves.
	const hmac = (algorithm: string, key: Buffer, prefix = "") => createHmac(algorithm, key).update(Buffer.concat([Buffer.from(prefix), body]));
	switch (webhook.scheme) {
		case "onfleet-hmac-sha512":
			return { [webhook.signatureHeader]: isUtf8 ? signOnfleet(utf8, secret) : hmac("sha512", Buffer.from(secret, "hex")).digest("hex") };
		case "easypost-hmac-sha256":
			return { [webhook.signatureHeader]: `${webhook.signaturePrefix ?? ""}${hmac("sha256", Buffer.from(secret.normalize("NFKD"), "utf8")).digest("hex")}` };
		case "shopify-hmac-sha256-base64":
		case "frappe-hmac-sha256-base64":
			return { [webhook.signatureHeader]: hmac("sha256", Buffer.from(secret, "utf8")).digest("base64") };
		case "hmac-sha256-hex": {
			if (webhook.timestamp) {
				if (isUtf8 && webhook.signatureHeader === "x-3pl-signature" && webhook.timestamp.header === "x-3pl-timestamp") return signed3plHeaders(utf8, secret, timestampSeconds);
				const ts = String(timestampSeconds);
				return { [webhook.timestamp.header]: ts, [webhook.signatureHeader]: `${webhook.signaturePrefix ?? ""}${hmac("sha256", Buffer.from(secret, "utf8"), `${ts}.`).digest("hex")}` };
			}
			return { [webhook.signatureHeader]: isUtf8 ? sign3pl(utf8, secret).replace(/^sha256=/, webhook.signaturePrefix ?? "") : `${webhook.signaturePrefix ?? ""}${hmac("sha256", Buffer.from(secret, "utf8")).digest("hex")}` };
		}
		default:
			throw new Error(`fuzz suite has no signer for scheme ${webhook.scheme}; add one`);
	}
}

const FORMAT_SEEDS: Record<string, string[]> = {
	"x12-3pl": ["cli/945-shipping-advice.edi", "x12/856-two-orders.edi"],
	"x12-erp": ["x12/940-erp-order.edi"],
	"x12-carrier": ["x12-carrier/214-status.edi"],
	"edifact-3pl": ["edifact/DESADV_D96A_EAN005_waybill-mixed-pallet.edi"],
	"edifact-carrier": ["edifact/IFTSTA_D01B_EAN004_waybill-carrier-report.edi"],
};

const JSON_SEEDS: Record<string, string> = {
	onfleet: "cli/onfleet-task-completed.json",
	easypost: "cli/easypost-tracker-out-for-delivery.json",
	shopify: "shopify/fulfillments-update-webhook.json",
	erpnext: "erpnext/delivery-note-submitted.json",
};

/** A new X12 interchange control number (ISA13 and IEA02), so the same document is a new interchange. */
function renumberX12(text: string, control: number): string {
	const element = text[3]!;
	const nine = String(control).padStart(9, "0");
	const parts = text.split(element);
	parts[13] = nine;
	return parts
		.join(element)
		.replace(new RegExp(`IEA\\${element}(\\d+)\\${element}\\d+`), (_m, count: string) => `IEA${element}${count}${element}${nine}`);
}

function renumberEdifact(text: string, reference: string): string {
	return text.replace(/^(UNB(?:\+[^+']*){4}\+)[^+']*/m, `$1${reference}`).replace(/^(UNZ\+\d+\+)[^']*/m, `$1${reference}`);
}

/**
 * A genuine webhook body for a partner, unique each call (its event id or interchange number),
 * built from the repository's fixtures and the simulators' event shapes.
 */
export function genuineBody(entry: PartnerEntry, n: number): Buffer {
	const unique = `${Date.now()}${n}`.slice(-9);
	const ediSeed = FORMAT_SEEDS[entry.profile];
	if (ediSeed) {
		const corpus = ediCorpus();
		const seed = corpus.find((s) => s.name === ediSeed[n % ediSeed.length])!;
		return Buffer.from(seed.format === "x12" ? renumberX12(seed.text, Number(unique)) : renumberEdifact(seed.text, `FZ${unique}`));
	}
	if (entry.profile === "generic-3pl") {
		return Buffer.from(JSON.stringify({
			eventId: `evt_fuzz_${randomUUID().replaceAll("-", "")}`,
			eventType: "order.allocated",
			occurredAt: new Date().toISOString(),
			order: { id: `FO-FZ-${unique}`, externalRef: `FZ-${unique}`, orderRef: `SO-FZ-${unique}`, warehouse: "WH1" },
			lines: [{ lineNo: 1, sku: "SKU-1", qty: 1 }],
		}));
	}
	const fixture = JSON_SEEDS[entry.profile];
	const body = structuredClone(jsonCorpus().find((f) => f.name === fixture)?.body ?? { fuzz: unique }) as Record<string, unknown>;
	if (entry.profile === "onfleet") Object.assign(body, { taskId: `tsk_fz_${unique}`, time: Date.now() + n });
	else if (entry.profile === "easypost") body["id"] = `evt_fz_${unique}`;
	else if (entry.profile === "erpnext") body["modified"] = new Date(Date.now() + n).toISOString().replace("T", " ").slice(0, 23);
	else body["fuzz_nonce"] = unique;
	return Buffer.from(JSON.stringify(body));
}

export function contentTypeOf(entry: PartnerEntry): string {
	return entry.webhook?.format === "x12" ? "application/edi-x12" : entry.webhook?.format === "edifact" ? "application/edifact" : "application/json";
}
