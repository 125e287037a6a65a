/** Events S3 sends about an object, as the pipeline's triggers receive them. */

/** An S3 "Object Created" event as EventBridge delivers it to a rule's target (ECS RunTask, an SQS queue). The ETag only when given. */
export function objectCreatedEvent(bucket: string, key: string, o: { size?: number; etag?: string; region?: string } = {}): Record<string, unknown> {
    return {
        version: "0",
        id: "17793124-05d4-b198-2fde-7ededc63b103",
        "detail-type": "Object Created",
        source: "aws.s3",
        account: "123456789012",
        time: "2026-11-23T10:00:00Z",
        region: o.region ?? "us-east-1",
        resources: [`arn:aws:s3:::${bucket}`],
        detail: {
            version: "0",
            bucket: { name: bucket },
            object: { key, size: o.size ?? 8, etag: o.etag, sequencer: "00617F08299329D189" },
            "request-id": "N4N7GDK58NMKJ12R",
            requester: "123456789012",
            reason: "PutObject",
        },
    };
}
