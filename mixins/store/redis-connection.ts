import { accessSync, constants, readFileSync } from "node:fs";
import { Cluster, Redis, type RedisOptions } from "ioredis";
import { ConfigurationInvalidError } from "../../canonical/errors/index.ts";
import { redactUrl } from "../logging/redact-url.ts";

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

/** `redis-cluster://[user:password@]host:port[,host:port...]`, `rediss-cluster://` for TLS. */
const CLUSTER_URL = /^rediss?-cluster:\/\/(.*)$/i;

interface ClusterUrl {
	/** Seed nodes: the client learns the rest of the cluster from any one of them. */
	nodes: Array<{ host: string; port: number }>;
	username?: string;
	password?: string;
}

/** The seed nodes and credentials of a Redis Cluster URL; undefined for any other URL. A cluster has only database 0. */
export function parseClusterUrl(url: string): ClusterUrl | undefined {
	const match = CLUSTER_URL.exec(url);
	if (!match) return undefined;
	const invalid = () => new ConfigurationInvalidError("REDIS_URL", `expected rediss?-cluster://[user:password@]host:port[,host:port...]; got ${redactUrl(url)}`);
	const rest = match[1]!;
	const at = rest.lastIndexOf("@");
	const [user = "", ...pass] = at === -1 ? [] : rest.slice(0, at).split(":");
	const nodes = rest
		.slice(at + 1)
		.replace(/\/0?$/, "")
		.split(",")
		.map((node) => {
			const colon = node.lastIndexOf(":");
			const host = node.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
			const port = Number(node.slice(colon + 1));
			if (colon < 1 || !host || !Number.isInteger(port) || port < 1 || port > 65_535) throw invalid();
			return { host, port };
		});
	const username = decodeURIComponent(user) || undefined;
	const password = decodeURIComponent(pass.join(":")) || undefined;
	return { nodes, ...(username ? { username } : {}), ...(password ? { password } : {}) };
}

/**
 * Credentials and TLS of every Redis connection, from the environment: REDIS_USERNAME (an ACL
 * user) and REDIS_PASSWORD win over user:password in the URL; TLS when the URL is rediss:// (or rediss-cluster://),
 * REDIS_TLS=true or a TLS file is given, with REDIS_TLS_CA_FILE to trust a private CA and
 * REDIS_TLS_CERT_FILE with REDIS_TLS_KEY_FILE for a client certificate.
 */
export function redisClientOptions(env: NodeJS.ProcessEnv = process.env, url = ""): SecurityOptions {
	const fromUrl = parseClusterUrl(url) ?? splitCredentials(url);
	const ca = fileContents(env, "REDIS_TLS_CA_FILE");
	const cert = fileContents(env, "REDIS_TLS_CERT_FILE");
	const key = fileContents(env, "REDIS_TLS_KEY_FILE");
	if (Boolean(cert) !== Boolean(key)) {
		throw new ConfigurationInvalidError(cert ? "REDIS_TLS_KEY_FILE" : "REDIS_TLS_CERT_FILE", "a client certificate needs both REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE");
	}
	const tlsWanted = /^rediss(-cluster)?:\/\//i.test(url) || env.REDIS_TLS === "true" || env.REDIS_TLS === "1" || Boolean(ca || cert);
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
	// Refused rather than handed to ioredis, which would keep failing to connect to a host named "a:1,b".
	if (parseClusterUrl(url)) throw new ConfigurationInvalidError("REDIS_URL", "this client needs a single Redis; a Redis Cluster URL needs createRedisConnection");
	return new Redis(splitCredentials(url).url, { ...extraOptions, ...redisClientOptions(env, url) });
}

/**
 * A client of one Redis, or of a Redis Cluster for a redis-cluster:// URL. Every cluster node gets
 * the security settings above and `extraOptions`, except the two that only the cluster client
 * itself takes (the offline queue and lazy connecting).
 */
export function createRedisConnection(url: string, extraOptions: RedisOptions = {}, env: NodeJS.ProcessEnv = process.env): Redis | Cluster {
	const cluster = parseClusterUrl(url);
	if (!cluster) return createRedisClient(url, extraOptions, env);
	const { enableOfflineQueue, lazyConnect, ...perNode } = extraOptions;
	const security = redisClientOptions(env, url);
	return new Cluster(cluster.nodes, {
		enableOfflineQueue,
		lazyConnect,
		redisOptions: { ...perNode, ...security },
		// With TLS, connect by the names given so the certificates match them, not by resolved addresses.
		...(security.tls ? { dnsLookup: (address: string, callback: (e: null, address: string) => void) => callback(null, address) } : {}),
	});
}
