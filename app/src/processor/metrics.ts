/**
 * CloudWatch Embedded Metric Format through aws-embedded-metrics: one EMF document per file on
 * stdout, which CloudWatch Logs (awslogs driver) turns into metrics, and one per batch run. A
 * command's own metrics (OUTPUT_DIR/.status.json) join its file's document, with the same dimensions.
 */
import type { MetricsLogger } from "aws-embedded-metrics";

export interface RunMetrics {
    outcome: "succeeded" | "failed" | "interrupted" | "skipped";
    rows: number;
    bytes: number;
    badRows: number;
    /** Files uploaded from OUTPUT_DIR, and their bytes. */
    outputFiles: number;
    outputBytes: number;
    /** The job's own metrics (a command's OUTPUT_DIR/.status.json), by name; unit None. */
    jobMetrics?: Record<string, number>;
    durationMs: number;
    bucket: string;
    key: string;
    taskArn?: string;
    /** How the file arrived (a property, not a dimension: the per-file metrics stay one series). */
    mode?: string;
}

/** The namespace metrics go to. */
export const METRICS_NAMESPACE = "S3FargatePipeline";

async function loadLibrary(): Promise<typeof import("aws-embedded-metrics")> {
    // The library picks its sink when it is loaded: stdout ("Local"), not the CloudWatch agent, because
    // the awslogs driver ships stdout and CloudWatch extracts EMF from it. So set that, then load it.
    process.env.AWS_EMF_ENVIRONMENT ??= "Local";
    process.env.AWS_EMF_NAMESPACE ??= METRICS_NAMESPACE;
    return import("aws-embedded-metrics");
}

type Library = typeof import("aws-embedded-metrics");
type MetricUnit = Library["Unit"][keyof Library["Unit"]];

/**
 * Writes one EMF document: the metrics in the order given (their units from the library's `Unit`), every
 * property of `properties`, and those of `ifSet` that are set (not undefined or empty).
 */
async function emit(
    dimensions: Record<string, string>[],
    metrics: (unit: Library["Unit"]) => [name: string, value: number, unit: MetricUnit][],
    properties: Record<string, string>,
    ifSet: Record<string, string | undefined>,
): Promise<void> {
    const { Unit, createMetricsLogger } = await loadLibrary();
    const logger: MetricsLogger = createMetricsLogger();
    logger.setDimensions(dimensions, false);
    for (const [name, value, unit] of metrics(Unit)) {
        logger.putMetric(name, value, unit);
    }
    for (const [name, value] of Object.entries(properties)) {
        logger.setProperty(name, value);
    }
    for (const [name, value] of Object.entries(ifSet)) {
        if (value) {
            logger.setProperty(name, value);
        }
    }
    await logger.flush();
}

/** One file's metrics (every mode). */
export async function emitMetrics(m: RunMetrics): Promise<void> {
    await emit(
        [{ Service: "processor" }, { Service: "processor", Outcome: m.outcome }],
        (Unit) => [
            ["FilesProcessed", 1, Unit.Count],
            ["RowsProcessed", m.rows, Unit.Count],
            ["BytesRead", m.bytes, Unit.Bytes],
            ["BadRows", m.badRows, Unit.Count],
            ["DurationMs", m.durationMs, Unit.Milliseconds],
            ["OutputFiles", m.outputFiles, Unit.Count],
            ["OutputBytes", m.outputBytes, Unit.Bytes],
            ...Object.entries(m.jobMetrics ?? {}).map(([name, value]): [string, number, MetricUnit] => [name, value, Unit.None]),
        ],
        { bucket: m.bucket, key: m.key },
        { taskArn: m.taskArn, mode: m.mode },
    );
}

export interface BatchRunMetrics {
    /** Files of this shard (and suffixes) found under the upload prefix. */
    seen: number;
    /** Files processed successfully in this run. */
    processed: number;
    /** Files already processed for their current ETag (or changed while listed). */
    skipped: number;
    failed: number;
    interrupted: number;
    durationMs: number;
    bucket: string;
    shardIndex: number;
    shardCount: number;
    taskArn?: string;
}

/** One batch run's metrics, dimension `Service=processor, Mode=batch`. */
export async function emitBatchMetrics(m: BatchRunMetrics): Promise<void> {
    const files = { Seen: m.seen, Processed: m.processed, Skipped: m.skipped, Failed: m.failed, Interrupted: m.interrupted };
    await emit(
        [{ Service: "processor", Mode: "batch" }],
        (Unit) => [
            ...Object.entries(files).map(([name, value]): [string, number, MetricUnit] => [`BatchFiles${name}`, value, Unit.Count]),
            ["BatchDurationMs", m.durationMs, Unit.Milliseconds],
        ],
        { bucket: m.bucket, shard: `${m.shardIndex}/${m.shardCount}` },
        { taskArn: m.taskArn },
    );
}
