import { accessSync, constants, readFileSync } from "node:fs";
import { Redis, type RedisOptions } from "ioredis";
import { ConfigurationInvalidError } from "../../canonical/errors/index.ts";

type SecurityOptions = Pick<RedisOptions, "username" | "password" | "tls">;

function fileContents(env: NodeJS.ProcessEnv, name: string): Buffer | undefined {
	const file = env[name];
	if (!file) return undefined;
	try {
		accessSync(file, constants.R_OK);
		return readFileSync(file);
	} catch (e: unknown) {
		throw new ConfigurationInvalidError(name, `cannot read '${file}': ${(e as Error).message}`);
	}
}

/** user:password of a redis:// or rediss:// URL, and the URL without them; other forms (a socket path) as they are. */
function splitCredentials(url: string): { url: string; username?: string; password?: string } {
	if (!/^rediss?:\/\//i.test(url)) return { url };
	const parsed = new URL(url);
	const username = decodeURIComponent(parsed.username) || undefined;
	const password = decodeURIComponent(parsed.password) || undefined;
	parsed.username = "";
	parsed.password = "";
	return { url: parsed.toString(), username, password };
}

/**
 * Credentials and TLS of every Redis connection, from the environment: REDIS_USERNAME (an ACL
 * user) and REDIS_PASSWORD win over user:password in the URL; TLS when the URL is rediss://,
 * REDIS_TLS=true or a TLS file is given, with REDIS_TLS_CA_FILE to trust a private CA and
 * REDIS_TLS_CERT_FILE with REDIS_TLS_KEY_FILE for a client certificate.
 */
export function redisClientOptions(env: NodeJS.ProcessEnv = process.env, url = ""): SecurityOptions {
	const fromUrl = splitCredentials(url);
	const ca = fileContents(env, "REDIS_TLS_CA_FILE");
	const cert = fileContents(env, "REDIS_TLS_CERT_FILE");
	const key = fileContents(env, "REDIS_TLS_KEY_FILE");
	if (Boolean(cert) !== Boolean(key)) {
		throw new ConfigurationInvalidError(cert ? "REDIS_TLS_KEY_FILE" : "REDIS_TLS_CERT_FILE", "a client certificate needs both REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE");
	}
	const tlsWanted = /^rediss:\/\//i.test(url) || env.REDIS_TLS === "true" || env.REDIS_TLS === "1" || Boolean(ca || cert);
	const options: SecurityOptions = {};
	const username = env.REDIS_USERNAME || fromUrl.username;
	const password = env.REDIS_PASSWORD || fromUrl.password;
	if (username) options.username = username;
	if (password) options.password = password;
	if (tlsWanted) options.tls = { ...(ca ? { ca } : {}), ...(cert ? { cert, key } : {}) };
	return options;
}

/**
 * An ioredis client of `url` with the security settings above, and `extraOptions` for its
 * behaviour (timeouts, queueing). ioredis lets a URL's credentials win over options, so they are
 * taken out of the URL first and passed with the environment's taking precedence.
 */
export function createRedisClient(url: string, extraOptions: RedisOptions = {}, env: NodeJS.ProcessEnv = process.env): Redis {
	return new Redis(splitCredentials(url).url, { ...extraOptions, ...redisClientOptions(env, url) });
}
