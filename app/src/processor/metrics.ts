/**
 * CloudWatch Embedded Metric Format through aws-embedded-metrics: one EMF document per file on
 * stdout, which CloudWatch Logs (awslogs driver) turns into metrics.
 */
import { Configuration, Unit, createMetricsLogger } from "aws-embedded-metrics";
import Environments from "aws-embedded-metrics/lib/environment/Environments";

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
    // stdout, not the CloudWatch agent: the awslogs driver ships stdout and CloudWatch extracts EMF.
    Configuration.environmentOverride = Environments.Local;
    Configuration.namespace = process.env.AWS_EMF_NAMESPACE || METRICS_NAMESPACE;
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
