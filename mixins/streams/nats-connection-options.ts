import type { ConnectionOptions } from "nats";

/**
 * nats.js keeps only host and port from a server URL; credentials in it (nats://user:pass@host)
 * would be silently dropped and the connection refused by an authorising server. They are taken
 * out here and passed as user/pass, the way Moleculer's NATS transporter reads the same URL.
 * NATS_USER / NATS_PASSWORD / NATS_TOKEN in the environment win over the URL.
 */
export function natsConnectionOptions(servers: string, env: NodeJS.ProcessEnv = process.env): ConnectionOptions {
	let user: string | undefined;
	let pass: string | undefined;
	const list = servers.split(",").map((raw) => {
		const trimmed = raw.trim();
		try {
			const url = new URL(trimmed);
			if (url.username) user ??= decodeURIComponent(url.username);
			if (url.password) pass ??= decodeURIComponent(url.password);
			return `${url.protocol}//${url.host}`;
		} catch {
			return trimmed;
		}
	});
	const options: ConnectionOptions = { servers: list };
	user = env.NATS_USER || user;
	pass = env.NATS_PASSWORD || pass;
	if (env.NATS_TOKEN) options.token = env.NATS_TOKEN;
	else if (user) Object.assign(options, { user, pass });
	return options;
}
