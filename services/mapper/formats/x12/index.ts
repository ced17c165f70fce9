/** ASC X12 for Waybill: read partner interchanges, check their envelopes, acknowledge, write ours. */
export * from "./x12-interchange.ts";
export { parseInterchange } from "./x12-tokenizer.ts";
export * from "./x12-envelope.ts";
export * from "./x12-writer.ts";
export * from "./x12-997.ts";
export { CONTENT_INVALID, contentProblems, type Party, type Reference } from "./x12-reading.ts";
export type { Carton } from "./x12-marks.ts";
export * from "./x12-940.ts";
export * from "./x12-945.ts";
export * from "./x12-856.ts";
export * from "./x12-214.ts";
export * from "./x12-990.ts";
export * from "./x12-204.ts";
export * from "./x12-210.ts";
export * from "./x12-944.ts";
export * from "./x12-947.ts";
