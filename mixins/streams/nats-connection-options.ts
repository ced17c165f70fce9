import { accessSync, constants, readFileSync } from "node:fs";
import {
	credsAuthenticator, nkeyAuthenticator, tokenAuthenticator, usernamePasswordAuthenticator,
	type Authenticator, type ConnectionOptions, type TlsOptions,
} from "nats";
import type { BrokerOptions } from "moleculer";
import { ConfigurationInvalidError } from "../../canonical/errors/index.ts";

const flag = (value: string | undefined): boolean => value === "true" || value === "1";

/** A file the connection will read on every (re)connect: checked now, so a typo fails the start, not the first reconnect. */
function readable(env: NodeJS.ProcessEnv, name: string): string | undefined {
	const file = env[name];
	if (!file) return undefined;
	try {
		accessSync(file, constants.R_OK);
	} catch (e: unknown) {
		throw new ConfigurationInvalidError(name, `cannot read '${file}': ${(e as Error).message}`);
	}
	return file;
}

/**
 * One way of proving who we are, first match wins: a JWT creds file, an nkey seed, a token, a
 * user and password (the environment's, else the URL's). Re-read on every connect (nats.js calls
 * the authenticator each time), so a rotated creds file is picked up on the next reconnect.
 */
function authenticatorFrom(env: NodeJS.ProcessEnv, urlUser?: string, urlPass?: string): Authenticator | undefined {
	const creds = readable(env, "NATS_CREDS_FILE");
	if (creds) return credsAuthenticator(() => readFileSync(creds));
	const seed = env.NATS_NKEY_SEED?.trim();
	if (seed) {
		if (!seed.startsWith("SU")) throw new ConfigurationInvalidError("NATS_NKEY_SEED", "expected a user nkey seed (it starts with SU)");
		return nkeyAuthenticator(new TextEncoder().encode(seed));
	}
	if (env.NATS_TOKEN) return tokenAuthenticator(env.NATS_TOKEN);
	const user = env.NATS_USER || urlUser;
	if (user) return usernamePasswordAuthenticator(user, env.NATS_PASSWORD || urlPass);
	return undefined;
}

/** TLS when NATS_TLS=true or any TLS file is given; otherwise nats.js still upgrades when the server requires it. */
function tlsFrom(env: NodeJS.ProcessEnv): TlsOptions | undefined {
	const caFile = readable(env, "NATS_TLS_CA_FILE");
	const certFile = readable(env, "NATS_TLS_CERT_FILE");
	const keyFile = readable(env, "NATS_TLS_KEY_FILE");
	if (Boolean(certFile) !== Boolean(keyFile)) {
		throw new ConfigurationInvalidError(certFile ? "NATS_TLS_KEY_FILE" : "NATS_TLS_CERT_FILE", "a client certificate needs both NATS_TLS_CERT_FILE and NATS_TLS_KEY_FILE");
	}
	if (!flag(env.NATS_TLS) && !caFile && !certFile) return undefined;
	return { ...(caFile ? { caFile } : {}), ...(certFile ? { certFile, keyFile } : {}) };
}

/**
 * The connection options of every NATS connection a process makes: the Moleculer transporter
 * (natsTransporter below), the stream bus, the payload store and clean-up. From the environment:
 *
 * - credentials, first match wins: NATS_CREDS_FILE (JWT .creds), NATS_NKEY_SEED, NATS_TOKEN,
 *   NATS_USER / NATS_PASSWORD, else user:password in the URL. nats.js keeps only host and port
 *   of a server URL, so credentials in it are taken out here rather than silently dropped.
 * - TLS: NATS_TLS=true refuses a server without TLS; NATS_TLS_CA_FILE trusts a private CA;
 *   NATS_TLS_CERT_FILE with NATS_TLS_KEY_FILE present a client certificate (mutual TLS).
 * - NATS_INBOX_PREFIX: replies and pull deliveries arrive on `<prefix>.>` instead of `_INBOX.>`,
 *   so a service's NATS user may be allowed to subscribe to its own inbox only (k8s/base/nats.yaml).
 *
 * Credentials go in as an authenticator function, never as fields: serialised options (Moleculer
 * answers `$node.options` to any node, a config may be logged) cannot carry them.
 */
export function natsConnectionOptions(servers: string, env: NodeJS.ProcessEnv = process.env): ConnectionOptions {
	let urlUser: string | undefined;
	let urlPass: string | undefined;
	const list = servers.split(",").map((raw) => {
		const trimmed = raw.trim();
		try {
			const url = new URL(trimmed);
			if (url.username) urlUser ??= decodeURIComponent(url.username);
			if (url.password) urlPass ??= decodeURIComponent(url.password);
			return `${url.protocol}//${url.host}`;
		} catch {
			return trimmed;
		}
	});
	const options: ConnectionOptions = { servers: list };
	const authenticator = authenticatorFrom(env, urlUser, urlPass);
	if (authenticator) options.authenticator = authenticator;
	const tls = tlsFrom(env);
	if (tls) options.tls = tls;
	if (env.NATS_INBOX_PREFIX) options.inboxPrefix = env.NATS_INBOX_PREFIX;
	return options;
}

/**
 * Moleculer's transporter (TRANSPORTER by default): a nats:// URL becomes the NATS transporter
 * with the same options as the stream bus (Moleculer hands them to nats.connect as they are);
 * any other transporter string is passed on unchanged, and none means embedded mode.
 */
export function natsTransporter(env: NodeJS.ProcessEnv = process.env, url = env.TRANSPORTER): BrokerOptions["transporter"] {
	if (!url) return null;
	if (!url.startsWith("nats://")) return url as BrokerOptions["transporter"];
	return { type: "NATS", options: natsConnectionOptions(url, env) };
}
