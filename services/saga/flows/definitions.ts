import type { SagaDefinition } from "../saga-definition.ts";

/**
 * The flows of PRODUCT.md as saga definitions: named steps, each with its compensation (`undo`)
 * or, where nothing physical can be undone, its forward recovery (`forward`). Every command the
 * saga sends is a step instance of one of these, recorded with its state on the order.
 */
export const ORDER_TO_DELIVERY: SagaDefinition = {
	name: "order-to-delivery",
	steps: [
		{ name: "fulfillment", undo: "cancel the fulfillment order, which releases its reservation" },
		{ name: "shipment-confirmation", forward: "goods that shipped come back as a return" },
		{ name: "delivery", undo: "cancel the delivery job" },
		{ name: "invoice", forward: "a credit note" },
	],
};

export const SHORTAGE: SagaDefinition = {
	name: "short-pick-and-split",
	steps: [{ name: "shortfall", forward: "backordered lines ship on a later order; cancelled ones are never invoiced" }],
};

export const FAILED_DELIVERY: SagaDefinition = {
	name: "failed-delivery",
	steps: [
		{ name: "cs-case", forward: "customer service closes the case in the CRM" },
		{ name: "invoicing-paused", undo: "invoicing resumed once the order is delivered after all" },
		{ name: "invoicing-resumed", forward: "the invoice follows" },
		{ name: "reattempt", forward: "another attempt within policy, else a return to the warehouse" },
	],
};

export const RETURNS: SagaDefinition = {
	name: "return",
	steps: [
		{ name: "return-expected", forward: "the receipt and its disposition" },
		{ name: "return-pickup", forward: "the parcel handed back to the warehouse" },
		{ name: "credit", forward: "a credit note is final; a mistake is corrected by a new invoice" },
		{ name: "refuse-return", forward: "the ERP cancels the order instead" },
	],
};

export const CANCELLATION: SagaDefinition = {
	name: "cancellation",
	steps: [
		{ name: "refuse-cancellation", forward: "the ERP authorises a return instead" },
		{ name: "cs-case", forward: "customer service tells the customer the parcel comes back" },
	],
};

export const ORDER_CHANGE: SagaDefinition = {
	name: "order-change",
	steps: [
		{ name: "change", forward: "a partner that refuses it: the change is refused to the ERP and the order keeps its old values" },
		{ name: "refuse-change", forward: "the ERP decides anew" },
	],
};

export const DEFINITIONS: readonly SagaDefinition[] = [ORDER_TO_DELIVERY, SHORTAGE, FAILED_DELIVERY, RETURNS, CANCELLATION, ORDER_CHANGE];
