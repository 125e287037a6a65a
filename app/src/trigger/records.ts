/**
 * S3 event notifications, as the bucket's notification configuration delivers them to the trigger:
 * which records start a task, the object each one names, and the environment the task receives.
 */

/**
 * The variables the task gets for its object — the names the EventBridge rule's input transformer
 * sets (components/builders/input-transformer.ts), so the processor runs the same either way.
 */
export const TASK_ENVIRONMENT = ["S3_BUCKET", "S3_KEY", "S3_OBJECT_SIZE", "S3_OBJECT_ETAG", "S3_EVENT_TIME", "S3_EVENT_ID"] as const;

export type TaskEnvironmentName = (typeof TASK_ENVIRONMENT)[number];

/** The object an S3 record names, its key decoded. */
export interface UploadedObject {
    bucket: string;
    /** The key, decoded once. */
    key: string;
    /** The key as the record carries it (URL-encoded, `+` for a space). */
    encodedKey: string;
    size?: number;
    etag?: string;
    eventTime?: string;
    /** Orders events for one key; the same for every delivery of one event. */
    sequencer?: string;
    eventName: string;
}

/** What to do with one record. */
export type RecordOutcome =
    | { kind: "start"; object: UploadedObject }
    /** Not for this trigger (another event type, bucket, prefix or suffix): ignored, not an error. */
    | { kind: "skip"; reason: string; bucket?: string; key?: string }
    /** Malformed: cannot be processed, and fails the invocation so it is not lost silently. */
    | { kind: "invalid"; reason: string; bucket?: string; key?: string };

/** The filters the trigger applies on top of the bucket's notification filters. */
export interface RecordFilter {
    uploadPrefix: string;
    keySuffixes: readonly string[];
    bucketName?: string;
}

/**
 * Decodes a key from an S3 event notification: URL-encoded, with `+` for a space. Decoded exactly
 * once, so a key that holds `%2B` or `%20` literally keeps them.
 * @throws URIError for text that is not valid URL encoding
 */
export function decodeS3Key(encoded: string): string {
    return decodeURIComponent(encoded.replace(/\+/g, " "));
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The message S3 sends to a new notification destination (`{"Event": "s3:TestEvent", …}`). */
export function isTestEvent(event: unknown): boolean {
    return isRecord(event) && event.Event === "s3:TestEvent";
}

/** The records of a notification, or undefined when the event is not one. */
export function recordsOf(event: unknown): unknown[] | undefined {
    return isRecord(event) && Array.isArray(event.Records) ? event.Records : undefined;
}

function text(value: unknown): string | undefined {
    return typeof value === "string" && value !== "" ? value : undefined;
}

/** Decides what one record asks for. */
export function classifyRecord(record: unknown, filter: RecordFilter): RecordOutcome {
    if (!isRecord(record)) {
        return { kind: "invalid", reason: "the record is not an object" };
    }
    const eventName = text(record.eventName) ?? "";
    const eventSource = text(record.eventSource);
    if (eventSource !== undefined && eventSource !== "aws:s3") {
        return { kind: "skip", reason: `event source ${JSON.stringify(eventSource)} is not aws:s3` };
    }
    const s3 = isRecord(record.s3) ? record.s3 : {};
    const bucket = text(isRecord(s3.bucket) ? s3.bucket.name : undefined);
    const object = isRecord(s3.object) ? s3.object : {};
    const encodedKey = text(object.key);
    if (!eventName.startsWith("ObjectCreated:")) {
        return { kind: "skip", reason: `event ${JSON.stringify(eventName)} is not an ObjectCreated event`, bucket, key: encodedKey };
    }
    if (bucket === undefined || encodedKey === undefined) {
        return { kind: "invalid", reason: "the record has no s3.bucket.name or s3.object.key", bucket, key: encodedKey };
    }
    let key: string;
    try {
        key = decodeS3Key(encodedKey);
    } catch {
        return { kind: "invalid", reason: `the key ${JSON.stringify(encodedKey)} is not valid URL encoding`, bucket, key: encodedKey };
    }
    if (filter.bucketName !== undefined && bucket !== filter.bucketName) {
        return { kind: "skip", reason: `bucket ${JSON.stringify(bucket)} is not ${JSON.stringify(filter.bucketName)}`, bucket, key };
    }
    if (!key.startsWith(filter.uploadPrefix) || key.length === filter.uploadPrefix.length) {
        return { kind: "skip", reason: `the key is not a file under the upload prefix ${JSON.stringify(filter.uploadPrefix)}`, bucket, key };
    }
    if (key.endsWith("/")) {
        return { kind: "skip", reason: "the key is a folder marker", bucket, key };
    }
    if (filter.keySuffixes.length > 0 && !filter.keySuffixes.some((s) => key.endsWith(s))) {
        return { kind: "skip", reason: `the key does not end in ${filter.keySuffixes.map((s) => JSON.stringify(s)).join(" or ")}`, bucket, key };
    }
    const size = typeof object.size === "number" && Number.isInteger(object.size) && object.size >= 0 ? object.size : undefined;
    return {
        kind: "start",
        object: {
            bucket,
            key,
            encodedKey,
            size,
            etag: text(object.eTag),
            eventTime: text(record.eventTime),
            sequencer: text(object.sequencer),
            eventName,
        },
    };
}

/**
 * The container environment for one object, in the transformer's order; values the record does not
 * carry are left out (the processor treats them as unknown).
 */
export function taskEnvironment(object: UploadedObject): { name: TaskEnvironmentName; value: string }[] {
    const values: Record<TaskEnvironmentName, string | undefined> = {
        S3_BUCKET: object.bucket,
        S3_KEY: object.key,
        S3_OBJECT_SIZE: object.size === undefined ? undefined : String(object.size),
        S3_OBJECT_ETAG: object.etag,
        S3_EVENT_TIME: object.eventTime,
        // The same for every delivery of one event, different for the next upload of the same key:
        // lets the processor count attempts at one event.
        S3_EVENT_ID: object.sequencer,
    };
    return TASK_ENVIRONMENT.filter((name) => values[name] !== undefined).map((name) => ({ name, value: values[name] as string }));
}
