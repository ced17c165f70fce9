import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { openSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { eventually } from "./poll.ts";
import { freePort } from "./private-nats.ts";

/** The services of k8s/base/nats.yaml, each a NATS user with its own permissions. */
export const NATS_USERS = ["gateway", "erp", "wms", "lastmile", "mapper", "saga", "ledger", "notifier", "batch", "admin"] as const;
export type NatsUser = (typeof NATS_USERS)[number];

export interface Certificates {
	ca: string;
	serverCert: string;
	serverKey: string;
	clientCert: string;
	clientKey: string;
}

/** A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, in `dir`, valid for a day. */
export function makeCertificates(dir: string): Certificates {
	const at = (name: string) => join(dir, name);
	const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
	const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
	openssl("req", "-x509", ...ec, "-keyout", at("ca.key"), "-out", at("ca.crt"), "-days", "1", "-subj", "/CN=waybill-test-ca");
	const sign = (name: string, extensions: string) => {
		writeFileSync(at(`${name}.ext`), extensions);
		openssl("req", ...ec, "-keyout", at(`${name}.key`), "-out", at(`${name}.csr`), "-subj", `/CN=waybill-test-${name}`);
		openssl("x509", "-req", "-in", at(`${name}.csr`), "-CA", at("ca.crt"), "-CAkey", at("ca.key"), "-CAcreateserial", "-days", "1", "-out", at(`${name}.crt`), "-extfile", at(`${name}.ext`));
	};
	sign("server", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
	sign("client", "extendedKeyUsage=clientAuth\n");
	return { ca: at("ca.crt"), serverCert: at("server.crt"), serverKey: at("server.key"), clientCert: at("client.crt"), clientKey: at("client.key") };
}

function portOpen(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect(port, "127.0.0.1");
		socket.once("connect", () => (socket.destroy(), resolve(true)));
		socket.once("error", () => resolve(false));
	});
}

/** The `authorization { }` block of nats.conf in k8s/base/nats.yaml, as deployed (its users read their passwords from the environment). */
export function natsAuthorizationFromManifest(): string {
	const lines = readFileSync(new URL("../../k8s/base/nats.yaml", import.meta.url), "utf8").split("\n");
	const start = lines.indexOf("    authorization {");
	const end = lines.indexOf("    }", start);
	if (start < 0 || end < 0) throw new Error("k8s/base/nats.yaml: no authorization block in nats.conf");
	return lines.slice(start, end + 1).map((l) => l.slice(4)).join("\n");
}

/** The ACL arguments k8s/base/redis.yaml gives redis-server, with the Secret's user and password put in. */
export function redisAclFromManifest(username: string, password: string): string[] {
	const text = readFileSync(new URL("../../k8s/base/redis.yaml", import.meta.url), "utf8");
	const command = /^ {10}command:\n((?: {12}- .*\n)+)/m.exec(text);
	if (!command) throw new Error("k8s/base/redis.yaml: no command list for redis-server");
	const args = command[1].split("\n").filter(Boolean).map((l) => l.replace(/^ {12}- /, "").replace(/^"(.*)"$/, "$1"));
	return args.slice(2).map((a) => a.replace("$(REDIS_USERNAME)", username).replace("$(REDIS_PASSWORD)", password));
}

/** A server process of the test's own, killed and waited for on stop. */
class Server {
	constructor(readonly port: number, private readonly child: ChildProcess) {}

	/** Up once its port takes connections; one that exits or never listens is killed and its log shown. */
	static async spawn(command: string, args: string[], port: number, log: string, env?: NodeJS.ProcessEnv): Promise<Server> {
		const child = spawn(command, args, { env: env ?? process.env, stdio: ["ignore", openSync(log, "w"), openSync(log, "a")] });
		const server = new Server(port, child);
		try {
			await eventually(`${command} on ${port}`, async () => {
				if (child.exitCode !== null) throw new Error(`${command} exited with ${child.exitCode}`);
				return portOpen(port);
			}, 10_000);
		} catch (e: unknown) {
			await server.stop();
			throw new Error(`${(e as Error).message}\n${readFileSync(log, "utf8").slice(-2_000)}`);
		}
		return server;
	}

	async stop(): Promise<void> {
		if (this.child.exitCode !== null || this.child.signalCode !== null) return;
		await new Promise<void>((resolve) => {
			this.child.once("exit", () => resolve());
			this.child.kill("SIGKILL");
		});
	}
}

/**
 * nats-server with JetStream that every client must reach over TLS with a certificate of the
 * test CA (mutual TLS), with the users and permissions of the Kubernetes manifest and a fresh
 * random password each.
 */
export async function startSecureNats(dir: string, certs: Certificates): Promise<Server & { passwords: Record<NatsUser, string> }> {
	const port = await freePort();
	// NATS parses an environment variable it substitutes as a config value: a hex string starting
	// with digits ("6e3f...") reads as a number, so passwords start with letters (k8s/README.md).
	const passwords = Object.fromEntries(NATS_USERS.map((u) => [u, `nats-${randomBytes(12).toString("hex")}`])) as Record<NatsUser, string>;
	writeFileSync(join(dir, "nats.conf"), [
		`listen: 127.0.0.1:${port}`,
		`jetstream { store_dir: "${join(dir, "jetstream")}" }`,
		`tls { cert_file: "${certs.serverCert}", key_file: "${certs.serverKey}", ca_file: "${certs.ca}", verify: true, timeout: 2 }`,
		natsAuthorizationFromManifest(),
	].join("\n"));
	const env = { ...process.env, ...Object.fromEntries(NATS_USERS.map((u) => [`NATS_PASSWORD_${u.toUpperCase()}`, passwords[u]])) };
	const server = await Server.spawn("nats-server", ["-c", join(dir, "nats.conf")], port, join(dir, "nats.log"), env);
	return Object.assign(server, { passwords });
}

/** A nats-server without TLS or users, to show a client that requires TLS will not settle for less. */
export async function startPlainNats(dir: string): Promise<Server> {
	const port = await freePort();
	return Server.spawn("nats-server", ["-a", "127.0.0.1", "-p", String(port)], port, join(dir, "plain-nats.log"));
}

/** redis-server on a TLS port only, with the ACL of the Kubernetes manifest (default user off). */
export async function startSecureRedis(dir: string, certs: Certificates, username: string, password: string): Promise<Server> {
	const port = await freePort();
	const tls = ["--tls-cert-file", certs.serverCert, "--tls-key-file", certs.serverKey, "--tls-ca-cert-file", certs.ca, "--tls-auth-clients", "no"];
	const args = ["--port", "0", "--tls-port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...tls, ...redisAclFromManifest(username, password)];
	return Server.spawn("redis-server", args, port, join(dir, "redis.log"));
}
