/**
 * The summarising core: CSV / TSV / JSON Lines in (optionally gzip), a FileSummary out. See types.ts for the contract.
 */
export { createSummarizer } from "./summarizer";
export type { Summarizer } from "./summarizer";
export { summarizeStream } from "./stream";
export * from "./types";
export { mergePartials, resolvePartials, summarizePartial } from "./partial";
export type { ByteRange, PartialSummary } from "./partial";
export { bufferRangeReader, openFileRange } from "./reader";
export type { RangeReader } from "./reader";
