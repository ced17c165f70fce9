export { ErpSimulator, ERP_PARTNER_ID, type ErpStats } from "./erp.sim.ts";
export { WmsSimulator, WMS_PARTNER_ID, type WmsStats } from "./wms.sim.ts";
export { LastMileSimulator, LASTMILE_PARTNER_ID, type LastMileOptions, type LastMileStats } from "./lastmile.sim.ts";
export { WMS_EVENT_TYPES, type WmsEventType } from "./wms-events.ts";
export { ONFLEET_TRIGGERS, TASK_STATE, type OnfleetTrigger } from "./lastmile-task.ts";
export { sign3pl, signOnfleet } from "./signatures.ts";
export type { RecordedRequest } from "./sim-server.ts";
export type { WebhookSimOptions } from "./webhook-sender.ts";
