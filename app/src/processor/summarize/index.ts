/**
 * The summarising core: CSV / TSV / JSON Lines in (optionally gzip), a FileSummary out. See types.ts for the contract.
 */
export { createSummarizer } from "./summarizer";
export type { Summarizer } from "./summarizer";
export { summarizeStream } from "./stream";
export * from "./types";
