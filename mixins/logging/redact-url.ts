/**
 * A connection URL fit for a log line or another node: its password masked, the rest (user,
 * host, port, database) kept so the reader can still tell which server it is. Takes a
 * comma-separated server list too (NATS).
 */
export function redactUrl(url: string): string {
	return url
		.split(",")
		.map((one) => {
			const trimmed = one.trim();
			try {
				const parsed = new URL(trimmed);
				if (parsed.password) parsed.password = "***";
				return parsed.toString();
			} catch {
				// Unparseable: it may still hold a secret, so show none of it.
				return trimmed.includes("@") ? "(unparseable url)" : trimmed;
			}
		})
		.join(",");
}
