import { spawn } from "node:child_process";
import { describe, it } from "node:test";
import assert from "node:assert/strict";

/**
 * The fault-injection suite as a test: runs test/chaos/fault-injection/run.ts in full (2,000
 * orders, every fault) as a child process and asserts the zeros of its last JSON line. The run
 * starts its own nats-server and redis-server, so it needs neither the shared ones nor a clean
 * namespace. Its progress is passed through to stderr so a slow CI run shows where it is.
 */
const ROOT = new URL("../../../", import.meta.url).pathname;
const TIMEOUT_MS = 30 * 60_000;

interface ChaosResult {
	ok: boolean;
	orders: number;
	completed: number;
	lost: number;
	duplicateSideEffects: number;
	missingSideEffects: number;
	ledgerMissing: number;
	ledgerDuplicates: number;
	ledgerVerified: boolean;
	deadLettered: number;
	poisonInjected: number;
	poisonDeadLettered: number;
	faultsInjected: number;
	refused4xx: number;
}

function runSuite(args: string[]): Promise<{ code: number | null; stdout: string }> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ["--import", "tsx", "test/chaos/fault-injection/run.ts", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
		let stdout = "";
		child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
		child.once("error", reject);
		child.once("exit", (code) => resolve({ code, stdout }));
	});
}

describe("fault injection: kill -9, broker and store restarts, partner faults, duplicates, poison", () => {
	it("loses nothing, duplicates no side effect and ledgers every message exactly once", { timeout: TIMEOUT_MS }, async () => {
		const { code, stdout } = await runSuite(["--orders", "2000", "--timeout-ms", String(TIMEOUT_MS - 5 * 60_000)]);
		const last = stdout.trim().split("\n").at(-1) ?? "";
		const result = JSON.parse(last) as ChaosResult;
		assert.equal(result.orders, 2000, "every order accepted");
		assert.equal(result.lost, 0, "lost");
		assert.equal(result.duplicateSideEffects, 0, "duplicateSideEffects");
		assert.equal(result.missingSideEffects, 0, "missingSideEffects");
		assert.equal(result.ledgerMissing, 0, "ledgerMissing");
		assert.equal(result.ledgerDuplicates, 0, "ledgerDuplicates");
		assert.equal(result.ledgerVerified, true, "ledgerVerified");
		assert.equal(result.poisonDeadLettered, result.poisonInjected, "every poison dead-lettered");
		// 5 on the events stream and 1 signed webhook the mapper cannot read; the signed webhook that is
		// not JSON at all is refused at the gateway (400, audited) and never stored, so it is not poison.
		assert.ok(result.poisonInjected >= 6, "the poison was injected");
		assert.ok(result.faultsInjected >= 15, `every fault injected (${result.faultsInjected})`);
		assert.equal(result.refused4xx, 0, "no order refused");
		assert.equal(code, 0, `the suite's own verdict: ${last}`);
	});
});
