/**
 * The contract of the status page: one entry per status document, with a link to the file's
 * summary (a presigned URL that expires) when it succeeded.
 */
import type { StatusDocument } from "../processor/status";

export interface StatusEntry {
    /** Key of the status document. */
    statusKey: string;
    status: StatusDocument;
    /** Presigned GET URL of the summary, when the file succeeded. */
    summaryUrl?: string;
    /** Presigned GET URL of the status document itself. */
    statusUrl?: string;
}

export interface PageOptions {
    title: string;
    /** When the page was built (ISO). */
    generatedAt: string;
    /** Where the data comes from, e.g. "s3://bucket/status/". */
    source: string;
    /** How long the links stay valid, in seconds (shown on the page). */
    linkExpirySeconds: number;
    /** When set, the page polls this URL (JSON: { html: string } or StatusEntry[]) to update itself. */
    liveUpdateUrl?: string;
}
