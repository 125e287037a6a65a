/**
 * The status document written for each file under the status prefix: `running` when work starts,
 * then `succeeded`, `failed` or `interrupted`.
 */
export type StatusState = "running" | "succeeded" | "failed" | "interrupted";

export interface StatusDocument {
    schemaVersion: 1;
    state: StatusState;
    bucket: string;
    /** The object's key as found in S3. */
    key: string;
    etag?: string;
    size?: number;
    eventTime?: string;
    eventId?: string;
    /** The ECS task processing the file, when on ECS. */
    taskArn?: string;
    /** 1 for the first run for this event, 2 for the next run of the same event, … */
    attempt: number;
    startedAt: string;
    completedAt?: string;
    durationMs?: number;
    rowsProcessed?: number;
    bytesRead?: number;
    badRows?: number;
    /** Data records read: always rowsProcessed + badRows (the summary's `accounting` has lines and blank lines too). */
    records?: number;
    /** Bad rows by reason (field-count, unclosed-quote, …); the summary lists their first line numbers. */
    badRowsByReason?: Record<string, number>;
    outputKey?: string;
    throughputRowsPerSecond?: number;
    error?: { class: string; message: string; exitCode: number };
}

/** Where the status document of a file goes: `<statusPrefix><relative>.json`. */
export function statusKey(statusPrefix: string, relative: string): string {
    return `${statusPrefix}${relative}.json`;
}

/** Where the summary of a file goes: `<outputPrefix><relative>.summary.json`. */
export function summaryKey(outputPrefix: string, relative: string): string {
    return `${outputPrefix}${relative}.summary.json`;
}
