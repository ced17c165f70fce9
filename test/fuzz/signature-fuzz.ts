import { createHmac, randomBytes } from "node:crypto";
import type { PartnerEntry } from "../../config/partner-registry.ts";
import { judge } from "./http-fuzz.ts";
import { contentTypeOf, genuineBody, secretOf, signatureHeaders } from "./partner-signing.ts";
import { send, type RawRequest } from "./raw-http.ts";
import type { FuzzRoute } from "./routes.ts";
import { preview, type Tally } from "./tally.ts";

type Headers = Record<string, string | string[]>;

/** One way to get a webhook past the signature check without the partner's secret (or with it, too late). */
interface Forgery {
	name: string;
	/** Whether it applies to this partner (timestamp tricks need a signed timestamp). */
	applies(entry: PartnerEntry): boolean;
	forge(entry: PartnerEntry, body: Buffer, others: PartnerEntry[]): { body: Buffer; headers: Headers };
}

const now = () => Math.floor(Date.now() / 1000);
const sigHeader = (e: PartnerEntry) => e.webhook!.signatureHeader;
const tsHeader = (e: PartnerEntry) => e.webhook!.timestamp?.header;
const timestamped = (e: PartnerEntry) => Boolean(e.webhook?.timestamp);
const always = () => true;

/** The partner's genuine headers with one header replaced. */
function withHeader(entry: PartnerEntry, body: Buffer, name: string, value: string | string[], ts?: number): Headers {
	return { ...signatureHeaders(entry, body, undefined, ts), [name]: value };
}

/** A timestamped signature over `<ts>.<body>` for a timestamp that is not Unix seconds: genuine HMAC, malformed header. */
function signedWithRawTimestamp(e: PartnerEntry, body: Buffer, ts: string): Headers {
	const hmac = createHmac("sha256", Buffer.from(secretOf(e), "utf8")).update(Buffer.concat([Buffer.from(`${ts}.`), body])).digest("hex");
	return { [sigHeader(e)]: `${e.webhook!.signaturePrefix ?? ""}${hmac}`, [tsHeader(e)!]: ts };
}

const FORGERIES: Forgery[] = [
	{ name: "no signature header", applies: always, forge: (e, body) => ({ body, headers: Object.fromEntries(Object.entries(signatureHeaders(e, body)).filter(([k]) => k !== sigHeader(e))) }) },
	{ name: "empty signature", applies: always, forge: (e, body) => ({ body, headers: withHeader(e, body, sigHeader(e), "") }) },
	{ name: "prefix only", applies: always, forge: (e, body) => ({ body, headers: withHeader(e, body, sigHeader(e), e.webhook!.signaturePrefix ?? " ") }) },
	{ name: "random signature of the right shape", applies: always, forge: (e, body) => ({ body, headers: withHeader(e, body, sigHeader(e), `${e.webhook!.signaturePrefix ?? ""}${randomBytes(e.webhook!.scheme === "onfleet-hmac-sha512" ? 64 : 32).toString(e.webhook!.scheme.includes("base64") ? "base64" : "hex")}`) }) },
	{ name: "wrong prefix", applies: (e) => Boolean(e.webhook?.signaturePrefix), forge: (e, body) => ({ body, headers: withHeader(e, body, sigHeader(e), String(signatureHeaders(e, body)[sigHeader(e)]).replace(e.webhook!.signaturePrefix!, "sha1=")) }) },
	{ name: "truncated signature", applies: always, forge: (e, body) => ({ body, headers: withHeader(e, body, sigHeader(e), String(signatureHeaders(e, body)[sigHeader(e)]).slice(0, -2)) }) },
	{ name: "signature with trailing garbage", applies: always, forge: (e, body) => ({ body, headers: withHeader(e, body, sigHeader(e), `${String(signatureHeaders(e, body)[sigHeader(e)])}00`) }) },
	{ name: "garbage then genuine signature (duplicate header)", applies: always, forge: (e, body) => ({ body, headers: withHeader(e, body, sigHeader(e), ["deadbeef", String(signatureHeaders(e, body)[sigHeader(e)])]) }) },
	{
		name: "signed with another partner's secret",
		applies: always,
		forge: (e, body, others) => {
			const other = others.find((o) => o.webhook && secretOf(o) !== secretOf(e) && o.webhook.scheme === e.webhook!.scheme) ?? others.find((o) => o.webhook && secretOf(o) !== secretOf(e))!;
			const secret = e.webhook!.scheme === "onfleet-hmac-sha512" ? (/^[0-9a-f]+$/i.test(secretOf(other)) ? secretOf(other) : Buffer.from(secretOf(other)).toString("hex")) : secretOf(other);
			return { body, headers: signatureHeaders(e, body, secret) };
		},
	},
	{ name: "body altered after signing (a byte flipped)", applies: always, forge: (e, body) => ({ body: Buffer.concat([body.subarray(0, 20), Buffer.from([body[20]! ^ 1]), body.subarray(21)]), headers: signatureHeaders(e, body) }) },
	{ name: "body altered after signing (space appended)", applies: always, forge: (e, body) => ({ body: Buffer.concat([body, Buffer.from(" ")]), headers: signatureHeaders(e, body) }) },
	{ name: "signature for another timestamp", applies: timestamped, forge: (e, body) => ({ body, headers: { ...signatureHeaders(e, body, undefined, now() - 10), [tsHeader(e)!]: String(now()) } }) },
	{ name: "valid HMAC, stale timestamp (now-3600)", applies: timestamped, forge: (e, body) => ({ body, headers: signatureHeaders(e, body, undefined, now() - 3600) }) },
	{ name: "valid HMAC, timestamp beyond the window (now+3600)", applies: timestamped, forge: (e, body) => ({ body, headers: signatureHeaders(e, body, undefined, now() + 3600) }) },
	{ name: "captured request replayed after the window (signed now-301)", applies: timestamped, forge: (e, body) => ({ body, headers: signatureHeaders(e, body, undefined, now() - e.webhook!.timestamp!.toleranceSeconds - 1) }) },
	{ name: "timestamp header missing", applies: timestamped, forge: (e, body) => ({ body, headers: Object.fromEntries(Object.entries(signatureHeaders(e, body)).filter(([k]) => k !== tsHeader(e))) }) },
	...["", "abc", "-1", "1e9", " ", "0x10", "9999999999999", "1.5", "0"].map<Forgery>((ts) => ({
		name: `timestamp ${JSON.stringify(ts)} (signed with it)`,
		applies: (e) => timestamped(e) && e.webhook!.scheme === "hmac-sha256-hex",
		forge: (e, body) => ({ body, headers: signedWithRawTimestamp(e, body, ts) }),
	})),
	{ name: "two timestamps (duplicate header)", applies: timestamped, forge: (e, body) => ({ body, headers: withHeader(e, body, tsHeader(e)!, [String(now() - 3600), String(now())], now() - 3600) }) },
];

/**
 * Every forgery against every partner that verifies webhooks, then a genuine request and its replay
 * inside the window, which must come back as a duplicate. Partners without webhook verification
 * are sent a plausible body with no credential at all: they must refuse it too.
 */
export async function runSignatureFuzz(base: URL, partners: PartnerEntry[], route: FuzzRoute, tally: Tally, rounds: number): Promise<{ forgeries: number; replays: number; genuineRefused: string[] }> {
	const verified = partners.filter((p) => p.webhook);
	const genuineRefused: string[] = [];
	let forgeries = 0;
	let replays = 0;
	const post = (entry: PartnerEntry, body: Buffer, headers: Headers): RawRequest => ({
		method: "POST",
		path: `/webhooks/${entry.system}/${entry.partner}`,
		headers: { "content-type": contentTypeOf(entry), "content-length": String(body.length), ...headers },
		body,
	});
	for (let round = 0; round < rounds; round++) {
		for (const entry of verified) {
			for (const forgery of FORGERIES.filter((f) => f.applies(entry))) {
				const { body, headers } = forgery.forge(entry, genuineBody(entry, round * 1000 + forgeries), partners);
				const request = post(entry, body, headers);
				judge(tally, { route, label: `forgery '${forgery.name}' for ${entry.system}/${entry.partner}`, request, valid: false }, await send(base, request));
				forgeries++;
			}
			const body = genuineBody(entry, round * 1000 + 999);
			const request = post(entry, body, signatureHeaders(entry, body));
			const first = await send(base, request);
			judge(tally, { route, label: `genuine request for ${entry.system}/${entry.partner}`, request, valid: true }, first);
			if (!first.ok || first.status >= 300) {
				genuineRefused.push(`${entry.system}/${entry.partner}: ${first.ok ? `${first.status} ${first.body.toString("utf8").slice(0, 200)}` : first.error}`);
				continue;
			}
			const again = await send(base, request);
			replays++;
			const duplicate = again.ok && again.status < 300 && /"duplicate"\s*:\s*true/.test(again.body.toString("utf8"));
			judge(tally, { route, label: `replay inside the window for ${entry.system}/${entry.partner}`, request, valid: true }, again);
			if (again.ok && again.status < 300 && !duplicate) tally.fail({ kind: "forged-accepted", where: `POST ${route.template}`, input: `replay of a genuine ${entry.partner} request ${preview(body, 120)}`, got: `processed again: ${again.body.toString("utf8").slice(0, 160)}` });
		}
		for (const entry of partners.filter((p) => !p.webhook)) {
			const body = Buffer.from(JSON.stringify({ orderId: `SO-UNSIGNED-${round}-${Date.now()}`, type: "erp.order.released" }));
			const request = post(entry, body, {});
			judge(tally, { route, label: `unsigned webhook to ${entry.system}/${entry.partner} (no webhook verification configured)`, request, valid: false }, await send(base, request));
			forgeries++;
		}
	}
	return { forgeries, replays, genuineRefused };
}
