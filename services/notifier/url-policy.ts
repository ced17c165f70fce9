import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { BlockList, isIP } from "node:net";
import { SchemaInvalidError } from "../../canonical/index.ts";

/**
 * Subscribers choose the URLs the notifier calls, which makes it an SSRF vector: no loopback,
 * private, link-local (cloud metadata), carrier-grade NAT, multicast or reserved addresses.
 * Checked when a subscription is made (the URL as written) and again on every connection (the
 * addresses its name resolves to then), so a name that later points inside is still refused.
 */
const blocked = new BlockList();
for (const [net, prefix] of [
	["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12],
	["192.0.0.0", 24], ["192.168.0.0", 16], ["198.18.0.0", 15], ["224.0.0.0", 4], ["240.0.0.0", 4],
] as const) blocked.addSubnet(net, prefix, "ipv4");
for (const [net, prefix] of [["::", 128], ["::1", 128], ["fc00::", 7], ["fe80::", 10], ["ff00::", 8], ["64:ff9b::", 96]] as const) blocked.addSubnet(net, prefix, "ipv6");

export const PRIVATE_ADDRESS = "EPRIVATEADDRESS";

/** True for an address a webhook must not reach (IPv4-mapped IPv6 is judged as the IPv4 it carries). */
export function isPrivateAddress(address: string): boolean {
	const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
	if (mapped) return blocked.check(mapped, "ipv4");
	const family = isIP(address);
	if (family === 0) return true;
	return blocked.check(address, family === 4 ? "ipv4" : "ipv6");
}

function hostOf(url: URL): string {
	return url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
}

/** The literal part of the check: loopback names and IP literals in the ranges above. */
export function isPrivateHost(url: URL): boolean {
	const host = hostOf(url);
	if (host === "localhost" || host.endsWith(".localhost")) return true;
	return isIP(host) !== 0 && isPrivateAddress(host);
}

/** A subscription URL: http(s), no fragment, and not private unless `allowPrivate`. Throws SchemaInvalidError naming `url`. */
export function assertWebhookUrl(raw: string, allowPrivate: boolean): URL {
	const refuse = (message: string) => new SchemaInvalidError("subscription", [{ field: "url", message, type: "url" }]);
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		throw refuse("'url' must be an absolute http(s) URL");
	}
	if (url.protocol !== "http:" && url.protocol !== "https:") throw refuse("'url' must use http or https");
	if (url.username || url.password) throw refuse("'url' must not carry credentials; the signature authenticates the sender");
	if (!allowPrivate && isPrivateHost(url)) throw refuse(`'url' points at a private or loopback host (${hostOf(url)}), which webhooks may not reach`);
	return url;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for http.request that refuses names resolving to a private address: the connection-time check. */
export function publicOnlyLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
	dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
		if (error) return callback(error, []);
		const refused = addresses.find((a) => isPrivateAddress(a.address));
		if (refused) {
			const e: NodeJS.ErrnoException = new Error(`${hostname} resolves to ${refused.address}, a private address webhooks may not reach`);
			e.code = PRIVATE_ADDRESS;
			return callback(e, []);
		}
		if (options.all) return callback(null, addresses);
		callback(null, addresses[0]!.address, addresses[0]!.family);
	});
}
