/** Parquet input for the summariser: see summarize.ts. */
export { isParquetMagic } from "./dispatch";
export { summarizeParquet } from "./summarize";
export type { ParquetColumnSummary, ParquetFileSummary, StatisticsFigure } from "./summarize";
export { bufferSource, fileSource } from "./source";
export type { RandomAccessSource } from "./source";
