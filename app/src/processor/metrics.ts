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

/** One file's metrics (every mode). */
export async function emitMetrics(m: RunMetrics): Promise<void> {
    const { Unit, createMetricsLogger } = await loadLibrary();
    const metrics: MetricsLogger = createMetricsLogger();
    metrics.setDimensions([{ Service: "processor" }, { Service: "processor", Outcome: m.outcome }], false);
    metrics.putMetric("FilesProcessed", 1, Unit.Count);
    metrics.putMetric("RowsProcessed", m.rows, Unit.Count);
    metrics.putMetric("BytesRead", m.bytes, Unit.Bytes);
    metrics.putMetric("BadRows", m.badRows, Unit.Count);
    metrics.putMetric("DurationMs", m.durationMs, Unit.Milliseconds);
    metrics.putMetric("OutputFiles", m.outputFiles, Unit.Count);
    metrics.putMetric("OutputBytes", m.outputBytes, Unit.Bytes);
    for (const [name, value] of Object.entries(m.jobMetrics ?? {})) {
        metrics.putMetric(name, value, Unit.None);
    }
    metrics.setProperty("bucket", m.bucket);
    metrics.setProperty("key", m.key);
    if (m.taskArn) {
        metrics.setProperty("taskArn", m.taskArn);
    }
    if (m.mode) {
        metrics.setProperty("mode", m.mode);
    }
    await metrics.flush();
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
    const { Unit, createMetricsLogger } = await loadLibrary();
    const metrics: MetricsLogger = createMetricsLogger();
    metrics.setDimensions([{ Service: "processor", Mode: "batch" }], false);
    metrics.putMetric("BatchFilesSeen", m.seen, Unit.Count);
    metrics.putMetric("BatchFilesProcessed", m.processed, Unit.Count);
    metrics.putMetric("BatchFilesSkipped", m.skipped, Unit.Count);
    metrics.putMetric("BatchFilesFailed", m.failed, Unit.Count);
    metrics.putMetric("BatchFilesInterrupted", m.interrupted, Unit.Count);
    metrics.putMetric("BatchDurationMs", m.durationMs, Unit.Milliseconds);
    metrics.setProperty("bucket", m.bucket);
    metrics.setProperty("shard", `${m.shardIndex}/${m.shardCount}`);
    if (m.taskArn) {
        metrics.setProperty("taskArn", m.taskArn);
    }
    await metrics.flush();
}
