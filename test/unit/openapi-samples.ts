import { NOTIFIABLE_EVENT_TYPES } from "../../services/notifier/subscription-filter.ts";
import { salesOrder } from "../helpers/fixtures.ts";
import { testOrder } from "../helpers/orders.ts";

/** Valid bodies of the governed API's writes, by the request schema's component name in the document. */
export function validBodies(): Record<string, unknown[]> {
	const address = testOrder("SO-A").shipTo;
	return {
		ReleaseOrderRequest: [
			testOrder("SO-100"),
			testOrder("SO-101", 1),
			salesOrder("SO-102"),
			{ ...testOrder("SO-103"), requestedWindow: { from: "2026-05-01T08:00:00Z", to: "2026-05-01T12:00:00Z" }, region: "north", warehouse: "WH2", serviceLevel: "express" },
		],
		ChangeOrderRequest: [{ shipTo: address }, { requestedWindow: { from: "2026-05-01T08:00:00Z", to: "2026-05-01T12:00:00Z" } }, { lines: testOrder("SO-A", 1).lines }],
		CancelOrderRequest: [{ reason: "customer changed their mind" }],
		AuthoriseReturnRequest: [{ rma: "RMA-1", reason: "damaged", lines: [{ lineNo: 1, sku: "SKU-1", qty: 1 }] }, { rma: "RMA-2", reason: "unwanted", pickupFrom: address, warehouse: "WH1" }],
		BookShipmentRequest: [{ reference: "REF-1", from: address, to: { ...address, name: "Bo" }, parcels: [{ weightKg: 2.5, lengthCm: 30 }], serviceLevel: "express" }],
		SubscribeRequest: [{ url: "https://portal.example.com/hooks/waybill", eventTypes: [...NOTIFIABLE_EVENT_TYPES.slice(0, 2)], customerId: "C-1" }],
		CreateApiKeyRequest: [{ name: "shop-a integration", role: "client" }, { name: "dashboards", scopes: ["ops:read"], rateLimitPerSecond: 20 }],
		ReplayDeadLettersRequest: [{ ids: ["dl-1", "dl-2"] }, { filter: { channel: "commands-wms", status: "waiting" }, by: "jane" }],
	};
}

const REPLACEMENTS: readonly unknown[] = [null, "x", "", "2026-05-01T08:00:00Z", "ann@example", "https://x.example", 0, -1, 1.5, 2_000_000, true, [], {}, "a".repeat(600)];

/**
 * The body itself and every body one edit away from it: each field (at any depth) removed,
 * replaced by values of other types and bounds, and an unknown field added to each object.
 */
export function mutations(body: unknown): unknown[] {
	const variants: unknown[] = [structuredClone(body)];
	for (const path of paths(body)) {
		variants.push(edit(body, path, undefined));
		for (const value of REPLACEMENTS) variants.push(edit(body, path, value));
	}
	for (const path of [[], ...paths(body)]) {
		const target = at(body, path);
		if (target && typeof target === "object" && !Array.isArray(target)) variants.push(edit(body, [...path, "unexpectedField"], "surprise"));
	}
	return variants;
}

type Path = Array<string | number>;

function paths(value: unknown, prefix: Path = []): Path[] {
	if (!value || typeof value !== "object") return [];
	const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
	return entries.flatMap(([key, child]) => [[...prefix, key], ...paths(child, [...prefix, key])]);
}

function at(value: unknown, path: Path): unknown {
	return path.reduce<unknown>((node, key) => (node as Record<string | number, unknown> | undefined)?.[key], value);
}

function edit(body: unknown, path: Path, value: unknown): unknown {
	const copy = structuredClone(body);
	const parent = at(copy, path.slice(0, -1)) as Record<string | number, unknown>;
	const key = path[path.length - 1]!;
	if (value === undefined) {
		if (Array.isArray(parent)) parent.splice(key as number, 1);
		else delete parent[key];
	} else parent[key] = value;
	return copy;
}
