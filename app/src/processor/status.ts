/**
 * The status document written for each file under the status prefix: `running` when work starts,
 * then `succeeded`, `failed` or `interrupted`.
 *
 * A `succeeded` document is also the manifest of the file's outputs: it is written only after every
 * output has been uploaded, and lists each with its size and ETag (see outputs.ts for why a manifest
 * written last, not a staging prefix).
 */
export type StatusState = "running" | "succeeded" | "failed" | "interrupted";

/** One uploaded output. */
export interface OutputFile {
    key: string;
    size: number;
    /** Without quotes. */
    etag?: string;
}

export interface StatusError {
    /** `InputError:empty`, `CommandFailed:exit`, `Interrupted`, … */
    class: string;
    message: string;
    /** The processor's exit code (exit-codes.ts). */
    exitCode: number;
    /** The command's own exit code, when it exited. */
    commandExitCode?: number;
    /** The signal that ended the command, when one did. */
    commandSignal?: string;
    /** The command's last stderr lines, bounded, with secrets redacted. */
    stderr?: string[];
}

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
    /** What does the work: the built-in summariser or the stack's command. */
    job?: "summary" | "command";
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
    /** The summariser's summary (the first of `outputs`). */
    outputKey?: string;
    /** Every output of this run, written before this document. */
    outputs?: OutputFile[];
    /** A command's own one-line message (from OUTPUT_DIR/.status.json). */
    message?: string;
    /** A command's own metrics (from OUTPUT_DIR/.status.json), also emitted as EMF metrics. */
    metrics?: Record<string, number>;
    throughputRowsPerSecond?: number;
    error?: StatusError;
    /**
     * A file processed in byte-range shards (docs/sharding.md): how many, how many are done, failed
     * attempts (each retried until the last), and the good rows of the shards done so far.
     */
    shards?: { total: number; done: number; failed: number; rows: number };
}

/** Where the status document of a file goes: `<statusPrefix><relative>.json`. */
export function statusKey(statusPrefix: string, relative: string): string {
    return `${statusPrefix}${relative}.json`;
}

/** Where the summary of a file goes: `<outputPrefix><relative>.summary.json`. */
export function summaryKey(outputPrefix: string, relative: string): string {
    return `${outputPrefix}${relative}.summary.json`;
}

/** Where a command's output goes: `<outputPrefix><relative>/<path under OUTPUT_DIR>`. */
export function commandOutputKey(outputPrefix: string, relative: string, outputPath: string): string {
    return `${outputPrefix}${relative}/${outputPath}`;
}
