/**
 * The cloud's event path, reproduced locally with the same builders: an object-created notification
 * becomes an EventBridge "Object Created" event, is matched against the upload rule's pattern, and is
 * turned into the container's environment by the rule target's input transformer.
 */
import { createHash } from "crypto";
import {
    EventPattern,
    environmentFromOverrides,
    matchesEventPattern,
    renderInputTemplate,
    runTaskInputTransformer,
    uploadEventPattern,
} from "../../../components/builders";
import type { TaskOverrides } from "../../../components/builders";
import type { ObjectCreatedRecord } from "./s3-server";

export const LOCAL_ACCOUNT = "000000000000";
export const LOCAL_REGION = "us-east-1";

/** The EventBridge event S3 sends for a created object. */
export function objectCreatedEvent(record: ObjectCreatedRecord): Record<string, unknown> {
    const { bucket, object } = record.s3;
    const reason = record.eventName.endsWith(":Copy") ? "CopyObject" : record.eventName.endsWith(":CompleteMultipartUpload") ? "CompleteMultipartUpload" : "PutObject";
    return {
        version: "0",
        id: createHash("sha256").update(`${bucket.name}/${object.key}/${object.sequencer}`).digest("hex").slice(0, 36),
        "detail-type": "Object Created",
        source: "aws.s3",
        account: LOCAL_ACCOUNT,
        time: record.eventTime,
        region: LOCAL_REGION,
        resources: [`arn:aws:s3:::${bucket.name}`],
        detail: {
            version: "0",
            bucket: { name: bucket.name },
            object: { key: object.key, size: object.size, etag: object.eTag, sequencer: object.sequencer },
            "request-id": object.sequencer,
            requester: LOCAL_ACCOUNT,
            reason,
        },
    };
}

export interface Route {
    pattern: EventPattern;
    containerName: string;
}

/** The rule's pattern for this bucket, prefix and suffixes — the builder the UploadTrigger uses. */
export function uploadRoute(bucketName: string, prefix: string, suffixes: string[], containerName = "processor"): Route {
    return { pattern: uploadEventPattern({ bucketName, prefix, suffixes }), containerName };
}

/** The environment the target's overrides give the container, or undefined when the rule does not match. */
export function routeEvent(route: Route, event: Record<string, unknown>): Record<string, string> | undefined {
    if (!matchesEventPattern(route.pattern, event)) {
        return undefined;
    }
    const overrides = JSON.parse(renderInputTemplate(runTaskInputTransformer(route.containerName), event)) as TaskOverrides;
    return environmentFromOverrides(overrides, route.containerName);
}
