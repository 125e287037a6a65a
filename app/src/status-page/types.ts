/**
 * The contract of the status page: one entry per status document, with links to the file's
 * summary or outputs (presigned URLs that expire) when it succeeded.
 */
import type { StatusDocument } from "../processor/status";

export interface StatusEntry {
    /** Key of the status document. */
    statusKey: string;
    status: StatusDocument;
    /** Presigned GET URL of the summary, when the file succeeded. */
    summaryUrl?: string;
    /** Presigned GET URLs of the other outputs the status lists (a command's files), when the file succeeded; at most MAX_OUTPUT_LINKS. */
    outputUrls?: { key: string; url: string }[];
    /** Outputs listed in the status beyond those linked. */
    moreOutputs?: number;
    /** Presigned GET URL of the status document itself. */
    statusUrl?: string;
    /**
     * Set when the status document could not be read or is not a status document (not JSON, wrong
     * shape, too large). `status` is then a placeholder built from the key (state `failed`, error
     * class `UnreadableStatus`, this text as the message) and the page shows the entry as
     * "unreadable" rather than "failed".
     */
    warning?: string;
}

export interface PageOptions {
    title: string;
    /** When the page was built (ISO). Relative times ("3 min ago") are relative to this. */
    generatedAt: string;
    /** Where the data comes from, e.g. "s3://bucket/status/". */
    source: string;
    /** How long the links stay valid, in seconds (shown on the page). */
    linkExpirySeconds: number;
    /**
     * When set, the page polls this URL every 2 s and replaces its status region with the answer's
     * `html` (JSON `{ html: string, summary?: string }`, as `renderStatusRegion` and the status server
     * produce).
     */
    liveUpdateUrl?: string;
}

/** What the live-update URL answers. */
export interface LiveUpdate {
    /** The status region (counts and table), as `renderStatusRegion` renders it. */
    html: string;
    /** A one-line text summary of the counts ("4 files: 1 running, …"), announced when it changes. */
    summary: string;
    generatedAt: string;
}
