/**
 * The mix of exceptions `npm run demo` plays by default: roughly what a busy week brings, so the
 * exception flows run next to the happy path. Each simulator takes its part through
 * `POST /_sim/scenario`; `--scenario happy` sends none.
 */
export const REALISTIC_MIX = {
	wms: { rates: { allocationShort: 0.04, shortPick: 0.06, splitShipment: 0.05, inventoryAdjustment: 0.03, warehouseException: 0.05 } },
	lastmile: { rates: { failedDelivery: 0.1, failedAgain: 0.35 } },
	erp: { rates: { cancelBeforeDispatch: 0.03, cancelAfterDispatch: 0.01, returnAfterDelivery: 0.04, addressChange: 0.04, lateLineChange: 0.02 } },
} as const;

/** How long a blocked wave or a carrier no-show holds an order: longer than the demo's express dispatch target (5 s). */
export const WAREHOUSE_EXCEPTION_DELAY_MS = 6_000;

export type ScenarioName = "realistic" | "happy";

/** Sends each simulator its part of the mix; a simulator that refuses it stops the demo with its reason. */
export async function applyScenario(name: ScenarioName, urls: { erp: string; wms: string; lastmile: string; lastmileRapid: string }): Promise<void> {
	if (name === "happy") return;
	for (const [sim, mix] of [["wms", "wms"], ["lastmile", "lastmile"], ["lastmileRapid", "lastmile"], ["erp", "erp"]] as const) {
		const response = await fetch(`${urls[sim]}/_sim/scenario`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(REALISTIC_MIX[mix]) });
		if (!response.ok) throw new Error(`the ${sim} simulator refused the scenario: ${response.status} ${await response.text()}`);
	}
}
