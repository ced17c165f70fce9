import type { PartnerEntry } from "../../../config/partner-registry.ts";

const SCHEMES: Record<string, string> = {
	"hmac-sha256-hex": "HMAC-SHA256 of the raw body keyed with the secret, hex",
	"onfleet-hmac-sha512": "HMAC-SHA512 of the raw body keyed with the hex-decoded secret, hex (Onfleet)",
	"easypost-hmac-sha256": "HMAC-SHA256 of the raw body keyed with the NFKD-normalised secret, hex (EasyPost)",
	"shopify-hmac-sha256-base64": "HMAC-SHA256 of the raw body keyed with the secret, base64 (Shopify)",
	"frappe-hmac-sha256-base64": "HMAC-SHA256 of the raw body keyed with the secret, base64 (Frappe, ERPNext)",
	"standard-webhooks": "Standard Webhooks: HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<body>` keyed with the base64 secret after `whsec_`, base64",
};

/** How one partner signs: what the webhook operation documents instead of an API key. */
export interface PartnerSignature {
	system: string;
	partner: string;
	header: string;
	prefix?: string;
	scheme: string;
	timestampHeader?: string;
	toleranceSeconds?: number;
}

export function partnerSignatures(partners: readonly PartnerEntry[]): PartnerSignature[] {
	return partners.flatMap((p) => {
		const w = p.webhook;
		if (!w) return [];
		return [{
			system: p.system,
			partner: p.partner,
			header: w.signatureHeader,
			...(w.signaturePrefix ? { prefix: w.signaturePrefix } : {}),
			scheme: w.scheme,
			...(w.timestamp ? { timestampHeader: w.timestamp.header, toleranceSeconds: w.timestamp.toleranceSeconds } : {}),
		}];
	});
}

/** Markdown for the webhook operation: one line per partner. */
export function signatureDescription(signatures: readonly PartnerSignature[]): string {
	const lines = signatures.map((s) => {
		const prefix = s.prefix ? ` (after the prefix \`${s.prefix}\`)` : "";
		const timestamp = s.timestampHeader ? `; the body is signed as \`<timestamp>.<body>\`, the timestamp in \`${s.timestampHeader}\` (Unix seconds, within ${s.toleranceSeconds} s)` : "";
		return `- \`${s.system}/${s.partner}\`: header \`${s.header}\`${prefix}: ${SCHEMES[s.scheme] ?? `scheme ${s.scheme}`}${timestamp}.`;
	});
	return [
		"No API key: each partner signs the raw body with its own secret (two may be valid during a rotation). Requests are counted per partner.",
		...(lines.length > 0 ? ["", ...lines] : []),
	].join("\n");
}
