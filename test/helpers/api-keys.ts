import assert from "node:assert/strict";

/** A key issued by a test through POST /ops/api-keys, with what the ledger and cases will name it. */
export interface IssuedKey {
	id: string;
	name: string;
	/** `<name> (key <id>)`: who the gateway records as having acted with this key. */
	actor: string;
	/** `Authorization: Bearer <key>`, to spread into a request's headers. */
	auth: { authorization: string };
}

/** Issues a key of `role` named `name`, as the platform's bootstrap admin; fails the test unless the gateway answers 201. */
export async function issueKey(platform: { gatewayUrl: string; auth: Record<string, string> }, name: string, role: "client" | "operator" | "observer" | "admin"): Promise<IssuedKey> {
	const response = await fetch(`${platform.gatewayUrl}/ops/api-keys`, { method: "POST", headers: { "content-type": "application/json", ...platform.auth }, body: JSON.stringify({ name, role }), signal: AbortSignal.timeout(10_000) });
	const text = await response.text();
	assert.equal(response.status, 201, `issuing the key '${name}': ${text}`);
	const issued = JSON.parse(text) as { key: string; id: string; name: string };
	assert.equal(issued.name, name);
	return { id: issued.id, name: issued.name, actor: `${issued.name} (key ${issued.id})`, auth: { authorization: `Bearer ${issued.key}` } };
}
