/**
 * CloudWatch Embedded Metric Format through aws-embedded-metrics: one EMF document per file on
 * stdout, which CloudWatch Logs (awslogs driver) turns into metrics.
 */

export interface RunMetrics {
    outcome: "succeeded" | "failed" | "interrupted" | "skipped";
    rows: number;
    bytes: number;
    badRows: number;
    durationMs: number;
    bucket: string;
    key: string;
    taskArn?: string;
}

/** The namespace metrics go to. */
export const METRICS_NAMESPACE = "S3FargatePipeline";

export async function emitMetrics(m: RunMetrics): Promise<void> {
    // The library picks its sink when it is loaded: stdout ("Local"), not the CloudWatch agent, because
    // the awslogs driver ships stdout and CloudWatch extracts EMF from it. So set that, then load it.
    process.env.AWS_EMF_ENVIRONMENT ??= "Local";
    process.env.AWS_EMF_NAMESPACE ??= METRICS_NAMESPACE;
    const { Unit, createMetricsLogger } = await import("aws-embedded-metrics");
    const metrics = createMetricsLogger();
    metrics.setDimensions([{ Service: "processor" }, { Service: "processor", Outcome: m.outcome }], false);
    metrics.putMetric("FilesProcessed", 1, Unit.Count);
    metrics.putMetric("RowsProcessed", m.rows, Unit.Count);
    metrics.putMetric("BytesRead", m.bytes, Unit.Bytes);
    metrics.putMetric("BadRows", m.badRows, Unit.Count);
    metrics.putMetric("DurationMs", m.durationMs, Unit.Milliseconds);
    metrics.setProperty("bucket", m.bucket);
    metrics.setProperty("key", m.key);
    if (m.taskArn) {
        metrics.setProperty("taskArn", m.taskArn);
    }
    await metrics.flush();
}
