/** UN/EDIFACT inbound: the tokenizer and envelope check, and the DESADV and IFTSTA readers and mappings. */
export * from "./edifact-syntax.ts";
export * from "./edifact-tokenizer.ts";
export { EDIFACT_PROBLEMS, type EdifactProblemCode } from "./edifact-envelope.ts";
export * from "./edifact-dates.ts";
export * from "./edifact-values.ts";
export * from "./iftsta-status-codes.ts";
export * from "./iftsta.ts";
export * from "./desadv.ts";
