import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { afterEach, before, beforeEach, describe, it } from "node:test";

import { MemoryStore } from "../../mixins/store/memory.store.ts";
import { RedisStore } from "../../mixins/store/redis.store.ts";
import { createStore } from "../../mixins/store/store-factory.ts";
import type { Store } from "../../mixins/store/store.ts";

// CI provides Redis; an unreachable one must fail this file, never skip it.
const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const SHORT_TTL_MS = 50;

type MakeStore = (prefix: string) => Promise<Store>;

const uniquePrefix = () => `test-store-${randomUUID()}`;

async function eventually(check: () => Promise<boolean>, timeoutMs = 2_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
}

function storeContract(name: string, makeStore: MakeStore): void {
	describe(name, () => {
		const opened: Store[] = [];
		let store: Store;
		const open = async (prefix = uniquePrefix()) => {
			const made = await makeStore(prefix);
			opened.push(made);
			return made;
		};

		// One probe up front, so an unreachable backend fails the suite once instead of per test.
		before(async () => {
			const probe = await makeStore(uniquePrefix());
			await probe.close();
		});
		beforeEach(async () => {
			store = await open();
		});
		afterEach(async () => {
			for (const made of opened.splice(0)) {
				await made.clear();
				await made.close();
			}
		});

		it("returns what was set, nested objects included", async () => {
			const order = { id: "o-1", lines: [{ sku: "A", qty: 2, tags: ["x"] }], ship: { to: { zip: "10115" } }, note: null };
			await store.set("order", order);
			assert.deepEqual(await store.get("order"), order);
		});

		it("reads a key that was never written as undefined", async () => {
			assert.equal(await store.get("missing"), undefined);
		});

		it("getMany answers in key order with undefined for missing keys", async () => {
			await store.set("a", 1);
			await store.set("c", { three: 3 });
			assert.deepEqual(await store.getMany(["a", "b", "c"]), [1, undefined, { three: 3 }]);
			assert.deepEqual(await store.getMany([]), []);
		});

		it("getMany reads keys of any hash tags, untagged ones and repeats mixed, in key order", async () => {
			const keys = ["{o-1}:x", "plain", "{o-2}:x", "{o-1}:y", "plain", "{o-3}:none"];
			for (const [i, key] of keys.entries()) if (key !== "{o-3}:none") await store.set(key, i);
			assert.deepEqual(await store.getMany(keys), [0, 4, 2, 3, 4, undefined]);
		});

		it("stores values as JSON, so a Date comes back as its ISO string", async () => {
			const at = new Date("2024-05-01T12:00:00.000Z");
			await store.set("event", { at, dropped: undefined });
			assert.deepEqual(await store.get("event"), { at: "2024-05-01T12:00:00.000Z" });
		});

		it("refuses a value that has no JSON form and a TTL that is not a positive integer", async () => {
			await assert.rejects(store.set("nothing", undefined), TypeError);
			await assert.rejects(store.set("k", 1, 0), RangeError);
			await assert.rejects(store.setIfAbsent("k", 1, 1.5), RangeError);
		});

		it("reads a key with a TTL as absent once it expires", async () => {
			await store.set("session", { user: "u-1" }, SHORT_TTL_MS);
			await store.set("kept", true);
			assert.deepEqual(await store.get("session"), { user: "u-1" });
			await eventually(async () => (await store.get("session")) === undefined);
			assert.deepEqual(await store.getMany(["session", "kept"]), [undefined, true]);
		});

		it("setIfAbsent claims a key once and leaves the first value in place", async () => {
			assert.equal(await store.setIfAbsent("claim", "first"), true);
			assert.equal(await store.setIfAbsent("claim", "second"), false);
			assert.equal(await store.get("claim"), "first");
		});

		it("setIfAbsent succeeds again once the earlier claim has expired", async () => {
			assert.equal(await store.setIfAbsent("claim", "first", SHORT_TTL_MS), true);
			assert.equal(await store.setIfAbsent("claim", "early"), false);
			await eventually(async () => (await store.get("claim")) === undefined);
			assert.equal(await store.setIfAbsent("claim", "after"), true);
			assert.equal(await store.get("claim"), "after");
		});

		it("delete removes a key, and deleting a missing key is harmless", async () => {
			await store.set("k", 1);
			await store.delete("k");
			await store.delete("never-written");
			assert.equal(await store.get("k"), undefined);
			assert.equal(await store.setIfAbsent("k", 2), true);
		});

		it("versions start at 1 for a write expecting 0 and grow by one per write", async () => {
			assert.equal(await store.getVersioned("saga"), undefined);
			assert.equal(await store.setVersioned("saga", { step: "reserve" }, 0), 1);
			assert.equal(await store.setVersioned("saga", { step: "ship" }, 1), 2);
			assert.deepEqual(await store.getVersioned("saga"), { value: { step: "ship" }, version: 2 });
		});

		it("refuses a versioned write with a stale version and keeps the stored value", async () => {
			await store.setVersioned("saga", "v1", 0);
			await store.setVersioned("saga", "v2", 1);
			assert.equal(await store.setVersioned("saga", "stale", 1), null);
			assert.equal(await store.setVersioned("saga", "as-new", 0), null);
			assert.equal(await store.setVersioned("ghost", "ahead", 3), null);
			assert.deepEqual(await store.getVersioned("saga"), { value: "v2", version: 2 });
			assert.equal(await store.getVersioned("ghost"), undefined);
		});

		it("lets exactly one of ten writers racing on the same version win", async () => {
			await store.setVersioned("saga", "start", 0);
			const results = await Promise.all(
				Array.from({ length: 10 }, (_, writer) => store.setVersioned("saga", `writer-${writer}`, 1)),
			);
			const winners = results.flatMap((version, writer) => (version === null ? [] : [{ version, writer }]));
			assert.equal(winners.length, 1);
			assert.deepEqual(await store.getVersioned("saga"), { value: `writer-${winners[0]!.writer}`, version: 2 });
		});

		it("setVersionedWith writes the versioned key and every extra key together", async () => {
			assert.equal(await store.setVersionedWith("{chain}:head", { seq: 2 }, 0, [{ key: "{chain}:entry:1", value: { n: 1 } }, { key: "{chain}:entry:2", value: { n: 2 } }]), 1);
			assert.deepEqual(await store.getVersioned("{chain}:head"), { value: { seq: 2 }, version: 1 });
			assert.deepEqual(await store.getMany(["{chain}:entry:1", "{chain}:entry:2"]), [{ n: 1 }, { n: 2 }]);
			assert.equal(await store.setVersionedWith("alone", "no extras", 0, []), 1, "one key needs no tag");
		});

		it("setVersionedWith writes nothing at all when the version is stale", async () => {
			await store.setVersioned("{chain}:head", { seq: 0 }, 0);
			assert.equal(await store.setVersionedWith("{chain}:head", { seq: 1 }, 0, [{ key: "{chain}:entry:1", value: "lost" }]), null);
			assert.deepEqual(await store.getVersioned("{chain}:head"), { value: { seq: 0 }, version: 1 });
			assert.equal(await store.get("{chain}:entry:1"), undefined);
		});

		it("setVersionedWith refuses keys without one shared hash tag, as a Redis Cluster would, and writes nothing", async () => {
			const refused = (e: Error) => e instanceof RangeError && /one hash tag/.test(e.message);
			await assert.rejects(store.setVersionedWith("head", 1, 0, [{ key: "entry:1", value: 1 }]), refused);
			await assert.rejects(store.setVersionedWith("{chain}:head", 1, 0, [{ key: "{other}:entry:1", value: 1 }]), refused);
			await assert.rejects(store.setVersionedWith("{chain}:head", 1, 0, [{ key: "chain", value: 1 }]), refused, "an untagged key hashes as a whole, prefix included");
			await assert.rejects(store.setVersionedWith("{}:head", 1, 0, [{ key: "{}:entry:1", value: 1 }]), refused, "an empty tag is no tag");
			assert.deepEqual(await store.getMany(["head", "entry:1", "{chain}:head", "{other}:entry:1"]), [undefined, undefined, undefined, undefined]);
		});

		it("lets exactly one of several batches racing on the same head commit its extras", async () => {
			const results = await Promise.all(
				Array.from({ length: 6 }, (_, w) => store.setVersionedWith("{chain}:head", { writer: w }, 0, [{ key: "{chain}:entry:1", value: { writer: w } }, { key: `{chain}:mark:${w}`, value: w }])),
			);
			const winners = results.flatMap((v, w) => (v === null ? [] : [w]));
			assert.equal(winners.length, 1);
			const marks = await store.getMany(Array.from({ length: 6 }, (_, w) => `{chain}:mark:${w}`));
			assert.deepEqual(marks.filter((m) => m !== undefined), [winners[0]]);
			assert.deepEqual(await store.get("{chain}:entry:1"), { writer: winners[0] });
		});

		it("treats a versioned key as a different kind from a plain one", async () => {
			await store.setVersioned("saga", "v1", 0);
			await assert.rejects(store.get("saga"));
		});

		it("increment starts from zero, adds the step and is readable with get", async () => {
			assert.equal(await store.increment("count"), 1);
			assert.equal(await store.increment("count", 5), 6);
			assert.equal(await store.increment("count", -2), 4);
			assert.equal(await store.get("count"), 4);
		});

		it("counts every one of many concurrent increments", async () => {
			const results = await Promise.all(Array.from({ length: 50 }, () => store.increment("count", 2)));
			assert.deepEqual(
				results.toSorted((a, b) => a - b),
				Array.from({ length: 50 }, (_, i) => 2 * (i + 1)),
			);
			assert.equal(await store.get("count"), 100);
		});

		it("indexRange returns members within inclusive bounds in ascending score order", async () => {
			for (const [member, score] of [["d", 4], ["b", 2], ["a", 1], ["c", 3]] as const) {
				await store.indexAdd("due", member, score);
			}
			assert.deepEqual(await store.indexRange("due", 2, 3), ["b", "c"]);
			assert.deepEqual(await store.indexRange("due", -Infinity, Infinity), ["a", "b", "c", "d"]);
			assert.deepEqual(await store.indexRange("due", 5, 9), []);
			assert.equal(await store.indexSize("due"), 4);
		});

		it("indexRange returns at most limit members, lowest scores first", async () => {
			for (const [member, score] of [["a", 1], ["b", 2], ["c", 3]] as const) await store.indexAdd("due", member, score);
			assert.deepEqual(await store.indexRange("due", 0, 10, 2), ["a", "b"]);
			assert.deepEqual(await store.indexRange("due", 0, 10, 0), []);
			await assert.rejects(store.indexRange("due", 0, 10, -1), RangeError);
		});

		it("indexRangeDesc returns members within inclusive bounds, highest scores first, at most limit", async () => {
			for (const [member, score] of [["d", 4], ["b", 2], ["a", 1], ["c", 3], ["c2", 3]] as const) await store.indexAdd("due", member, score);
			assert.deepEqual(await store.indexRangeDesc("due", 2, 3), ["c2", "c", "b"]);
			assert.deepEqual(await store.indexRangeDesc("due", -Infinity, Infinity, 2), ["d", "c2"]);
			assert.deepEqual(await store.indexRangeDesc("due", 5, 9), []);
			assert.deepEqual(await store.indexRangeDesc("none", -Infinity, Infinity, 10), []);
			await assert.rejects(store.indexRangeDesc("due", 0, 10, -1), RangeError);
		});

		it("re-adding a member moves it to its new score without growing the index", async () => {
			for (const [member, score] of [["a", 1], ["b", 2], ["c", 3]] as const) await store.indexAdd("due", member, score);
			await store.indexAdd("due", "a", 5);
			assert.deepEqual(await store.indexRange("due", -Infinity, Infinity), ["b", "c", "a"]);
			assert.deepEqual(await store.indexRange("due", 0, 1), []);
			assert.equal(await store.indexSize("due"), 3);
		});

		it("orders members with equal scores by member", async () => {
			for (const member of ["m-2", "m-3", "m-1"]) await store.indexAdd("due", member, 7);
			assert.deepEqual(await store.indexRange("due", 7, 7), ["m-1", "m-2", "m-3"]);
		});

		it("reads an index that was never written as empty", async () => {
			assert.deepEqual(await store.indexRange("none", -Infinity, Infinity), []);
			assert.equal(await store.indexSize("none"), 0);
		});

		it("indexRemove takes a member out and says whether it was there", async () => {
			for (const [member, score] of [["a", 1], ["b", 2]] as const) await store.indexAdd("due", member, score);
			assert.equal(await store.indexRemove("due", "a"), true);
			assert.equal(await store.indexRemove("due", "a"), false);
			assert.equal(await store.indexRemove("none", "a"), false);
			assert.deepEqual(await store.indexRange("due", -Infinity, Infinity), ["b"]);
			assert.equal(await store.indexSize("due"), 1);
		});

		it("removing the last member removes the index, so the key is free for another kind", async () => {
			await store.indexAdd("due", "a", 1);
			assert.equal(await store.indexRemove("due", "a"), true);
			await store.set("due", "plain now");
			assert.equal(await store.get("due"), "plain now");
		});

		it("indexClaim takes the lowest due members up to limit and re-scores them to the lease", async () => {
			for (const [member, score] of [["c", 3], ["a", 1], ["late", 50], ["b", 1]] as const) await store.indexAdd("due", member, score);
			assert.deepEqual(await store.indexClaim("due", 10, 100, 2), ["a", "b"]);
			assert.deepEqual(await store.indexRange("due", -Infinity, Infinity), ["c", "late", "a", "b"]);
			assert.deepEqual(await store.indexClaim("due", 10, 100, 5), ["c"]);
			assert.deepEqual(await store.indexClaim("due", 10, 100, 5), [], "leased members are not due again before the lease");
			assert.deepEqual(await store.indexClaim("due", 100, 200, 5), ["late", "a", "b", "c"]);
			assert.equal(await store.indexSize("due"), 4);
		});

		it("indexClaim on an empty or missing index, or with limit 0, takes nothing", async () => {
			assert.deepEqual(await store.indexClaim("none", Infinity, 1, 10), []);
			await store.indexAdd("due", "a", 1);
			assert.deepEqual(await store.indexClaim("due", Infinity, 5, 0), []);
			assert.deepEqual(await store.indexRange("due", 1, 1), ["a"]);
		});

		it("indexClaim refuses a negative or fractional limit and a NaN score", async () => {
			await assert.rejects(store.indexClaim("due", 1, 2, -1), RangeError);
			await assert.rejects(store.indexClaim("due", 1, 2, 1.5), RangeError);
			await assert.rejects(store.indexClaim("due", Number.NaN, 2, 1), RangeError);
			await assert.rejects(store.indexClaim("due", 1, Number.NaN, 1), RangeError);
		});

		it("never hands the same member to two of many concurrent claims", async () => {
			const members = Array.from({ length: 60 }, (_, i) => `m-${String(i).padStart(2, "0")}`);
			for (const member of members) await store.indexAdd("due", member, 1);
			const claims = await Promise.all(Array.from({ length: 12 }, () => store.indexClaim("due", 1, 1_000, 7)));
			const claimed = claims.flat();
			assert.equal(new Set(claimed).size, claimed.length, "no member claimed twice");
			assert.deepEqual(claimed.toSorted(), members);
		});

		it("deleteIfEquals deletes a key only while it still holds the expected value", async () => {
			const timer = { token: "t-1", dueAt: 5 };
			await store.set("timer", timer);
			assert.equal(await store.deleteIfEquals("timer", { token: "t-0", dueAt: 5 }), false);
			assert.deepEqual(await store.get("timer"), timer);
			assert.equal(await store.deleteIfEquals("timer", await store.get("timer")), true);
			assert.equal(await store.get("timer"), undefined);
			assert.equal(await store.deleteIfEquals("timer", timer), false, "a missing key equals nothing");
		});

		it("deleteIfEquals refuses a value that has no JSON form and fails on a key of another kind", async () => {
			await assert.rejects(store.deleteIfEquals("k", undefined), TypeError);
			await store.setVersioned("saga", "v1", 0);
			await assert.rejects(store.deleteIfEquals("saga", "v1"));
			assert.deepEqual(await store.getVersioned("saga"), { value: "v1", version: 1 });
		});

		it("clear removes every kind of key under this prefix and leaves other prefixes alone", async () => {
			const other = await open();
			await other.set("k", "other's");
			await store.set("k", "mine");
			await store.setVersioned("saga", "v1", 0);
			await store.increment("count");
			await store.indexAdd("due", "a", 1);
			// Enough keys, tagged and not, to land in many slots (on every node of a cluster).
			const many = Array.from({ length: 60 }, (_, i) => (i % 2 ? `{o-${i}}:k` : `k-${i}`));
			for (const key of many) await store.set(key, 1);

			await store.clear();

			assert.deepEqual(await store.getMany(["k", "count", ...many]), Array.from({ length: 62 }, () => undefined));
			assert.equal(await store.getVersioned("saga"), undefined);
			assert.equal(await store.indexSize("due"), 0);
			assert.equal(await other.get("k"), "other's");
		});

		it("shares data between two stores opened with the same prefix", async () => {
			const prefix = uniquePrefix();
			const first = await open(prefix);
			const second = await makeStore(prefix);
			await first.set("k", "shared");
			assert.equal(await second.get("k"), "shared");
			await second.close();
			assert.equal(await first.get("k"), "shared");
		});

		it("never lets a caller mutate stored state through a value it passed in or got back", async () => {
			const original = { lines: [{ qty: 1 }] };
			await store.set("k", original);
			await store.setVersioned("v", original, 0);
			original.lines[0]!.qty = 99;

			const read = await store.get<typeof original>("k");
			read!.lines.push({ qty: 2 });
			const [many] = await store.getMany<typeof original>(["k"]);
			many!.lines[0]!.qty = 42;
			const versioned = await store.getVersioned<typeof original>("v");
			versioned!.value.lines[0]!.qty = 7;

			assert.deepEqual(await store.get("k"), { lines: [{ qty: 1 }] });
			assert.deepEqual(await store.getVersioned("v"), { value: { lines: [{ qty: 1 }] }, version: 1 });
		});

		it("refuses calls once closed", async () => {
			const closed = await makeStore(uniquePrefix());
			await closed.close();
			await assert.rejects(closed.get("k"));
		});
	});
}

storeContract("MemoryStore", async (prefix) => new MemoryStore(prefix));

storeContract("RedisStore", async (prefix) => {
	const store = new RedisStore({ url: REDIS_URL, prefix });
	try {
		await store.ready();
	} catch (error) {
		// Otherwise ioredis keeps reconnecting and the test process never exits.
		await store.close();
		throw error;
	}
	return store;
});

describe("store prefixes", () => {
	it("refuse a brace, so that a key's hash tag is always the caller's and never the namespace's", () => {
		for (const prefix of ["{ns}", "ns}", "n{s"]) {
			assert.throws(() => new MemoryStore(prefix), RangeError);
			assert.throws(() => new RedisStore({ url: REDIS_URL, prefix }), RangeError);
		}
	});
});

describe("RedisStore without a reachable Redis", () => {
	const closedPortUrl = async () => {
		const server = createServer().listen(0, "127.0.0.1");
		await new Promise((resolve) => server.once("listening", resolve));
		const { port } = server.address() as { port: number };
		await new Promise((resolve) => server.close(resolve));
		return `redis://:secret@127.0.0.1:${port}`;
	};

	it("fails ready() with the URL, password hidden, and fails commands instead of hanging", async () => {
		const store = new RedisStore({ url: await closedPortUrl(), prefix: uniquePrefix() });
		try {
			await assert.rejects(store.ready(300), (error: Error) => {
				assert.match(error.message, /Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ is not reachable/);
				assert.doesNotMatch(error.message, /secret/);
				return true;
			});
			await assert.rejects(store.get("k"), /max retries per request/i);
		} finally {
			await store.close();
		}
	});
});

describe("createStore", () => {
	it("picks Redis when a URL is configured and memory when it is unset or empty", async () => {
		const stores = [
			createStore({ redisUrl: REDIS_URL, prefix: uniquePrefix() }),
			createStore({ prefix: uniquePrefix() }),
			createStore({ redisUrl: "", prefix: uniquePrefix() }),
		];
		assert.deepEqual(
			stores.map((store) => store.constructor.name),
			["RedisStore", "MemoryStore", "MemoryStore"],
		);
		for (const store of stores) await store.close();
	});
});

describe("a Redis store that cannot reach Redis", () => {
	it("fails with a retryable STORE_UNAVAILABLE error, so the message is redelivered rather than dead-lettered", async () => {
		const { isRetryable, isStoreUnavailable } = await import("../../canonical/errors/index.ts");
		const store = createStore({ redisUrl: "redis://127.0.0.1:1", prefix: `t-down-${randomUUID()}` });
		try {
			const error = await store.get("anything").then(() => undefined, (e: unknown) => e);
			assert.ok(isStoreUnavailable(error), String(error));
			assert.equal(isRetryable(error), true);
			// Methods added after the wrapper was written are covered too (it wraps whatever the store has).
			const outages = await Promise.all(
				[store.indexClaim("due", 1, 2, 10), store.indexRemove("due", "a"), store.deleteIfEquals("k", 1)].map((call) => call.then(() => undefined, (e: unknown) => e)),
			);
			for (const outage of outages) assert.ok(isStoreUnavailable(outage), String(outage));
			await assert.rejects(store.set("k", () => undefined), TypeError, "our own checks still fail as what they are");
			await assert.rejects(store.indexClaim("due", 1, 2, -1), RangeError);
		} finally {
			await store.close();
		}
	});
});
