/**
 * UN/EDIFACT inbound: the tokenizer and envelope check, and the DESADV and IFTSTA readers. What a
 * message means in canonical terms is its partner's mapping profile (mappings/wms/edifact-3pl,
 * mappings/lastmile/edifact-carrier), evaluated on what these readers yield.
 */
export * from "./edifact-syntax.ts";
export * from "./edifact-tokenizer.ts";
export { EDIFACT_PROBLEMS, segmentOfProblem, type EdifactProblemCode } from "./edifact-envelope.ts";
export * from "./edifact-dates.ts";
export * from "./edifact-values.ts";
export { readDesadv, readDesadvMessage, type DespatchAdvice, type DespatchLine, type PackagingLevel } from "./desadv-reader.ts";
export { readIftsta, readIftstaMessage, ssccsOf, type IftstaConsignment, type IftstaGoodsItem, type IftstaReport, type IftstaStatus } from "./iftsta-reader.ts";
