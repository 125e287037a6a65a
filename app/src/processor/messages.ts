/**
 * The queue messages worker mode understands, parsed into the files they name:
 *
 * - an S3 event notification (`{"Records":[{"eventSource":"aws:s3","s3":{…}}]}`, one or more records;
 *   keys URL-encoded with `+` for space, as S3 sends them),
 * - the `s3:TestEvent` S3 sends when a notification configuration is saved,
 * - an EventBridge "Object Created" event (`{"source":"aws.s3","detail-type":"Object Created",…}`)
 *   delivered by a rule whose target is the queue,
 * - a plain `{"bucket":"…","key":"…"}`.
 *
 * Pure functions: no AWS calls.
 */

/** One file a message names. */
export interface MessageFile {
    bucket: string;
    /** As the message gives it (S3 notifications: URL-encoded). */
    key: string;
    size?: number;
    /** Without quotes. */
    etag?: string;
    eventTime?: string;
    /** The EventBridge event's id, when there is one. */
    eventId?: string;
}

export type MessageShape = "s3-notification" | "eventbridge" | "plain";

export type ParsedMessage =
    /** The S3 test event: nothing to process; delete it. */
    | { kind: "test"; bucket?: string }
    /** Files to process; `ignored` lists events that are not object creations (deletions, …). */
    | { kind: "files"; shape: MessageShape; files: MessageFile[]; ignored: { event: string; key?: string }[] }
    /** Not JSON, or no shape above: a failure (left on the queue, so it reaches the dead-letter queue). */
    | { kind: "invalid"; reason: string };

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function path(v: unknown, ...keys: string[]): unknown {
    let at = v;
    for (const k of keys) {
        if (!isObject(at)) {
            return undefined;
        }
        at = at[k];
    }
    return at;
}

function nonEmptyString(v: unknown): string | undefined {
    return typeof v === "string" && v !== "" ? v : undefined;
}

function size(v: unknown): number | undefined {
    return typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : undefined;
}

function etag(v: unknown): string | undefined {
    const s = nonEmptyString(v)?.replace(/"/g, "");
    return s === "" ? undefined : s;
}

const SHAPES = 'an S3 event notification ({"Records":[…]}), an EventBridge "Object Created" event or {"bucket","key"}';

function parseS3Notification(records: unknown[]): ParsedMessage {
    if (records.length === 0) {
        return { kind: "invalid", reason: "an S3 event notification with no Records" };
    }
    const files: MessageFile[] = [];
    const ignored: { event: string; key?: string }[] = [];
    for (const [i, r] of records.entries()) {
        if (path(r, "eventSource") !== "aws:s3") {
            return { kind: "invalid", reason: `Records[${i}].eventSource is ${JSON.stringify(path(r, "eventSource"))}, not "aws:s3"` };
        }
        const bucket = nonEmptyString(path(r, "s3", "bucket", "name"));
        const key = nonEmptyString(path(r, "s3", "object", "key"));
        if (bucket === undefined || key === undefined) {
            return { kind: "invalid", reason: `Records[${i}] has no s3.bucket.name or s3.object.key` };
        }
        const eventName = path(r, "eventName");
        if (typeof eventName === "string" && !eventName.startsWith("ObjectCreated:")) {
            ignored.push({ event: eventName, key });
            continue;
        }
        files.push({
            bucket,
            key,
            size: size(path(r, "s3", "object", "size")),
            etag: etag(path(r, "s3", "object", "eTag")),
            eventTime: nonEmptyString(path(r, "eventTime")),
        });
    }
    return { kind: "files", shape: "s3-notification", files, ignored };
}

function parseEventBridge(event: Json): ParsedMessage {
    const detailType = event["detail-type"];
    const bucket = nonEmptyString(path(event, "detail", "bucket", "name"));
    const key = nonEmptyString(path(event, "detail", "object", "key"));
    if (detailType !== "Object Created") {
        if (typeof detailType === "string" && bucket !== undefined) {
            return { kind: "files", shape: "eventbridge", files: [], ignored: [{ event: detailType, key }] };
        }
        return { kind: "invalid", reason: `an aws.s3 event with detail-type ${JSON.stringify(detailType)}, not "Object Created"` };
    }
    if (bucket === undefined || key === undefined) {
        return { kind: "invalid", reason: "an EventBridge Object Created event with no detail.bucket.name or detail.object.key" };
    }
    const file: MessageFile = {
        bucket,
        key,
        size: size(path(event, "detail", "object", "size")),
        etag: etag(path(event, "detail", "object", "etag")),
        eventTime: nonEmptyString(event.time),
        eventId: nonEmptyString(event.id),
    };
    return { kind: "files", shape: "eventbridge", files: [file], ignored: [] };
}

/** What a message body asks for. Never throws. */
export function parseMessage(body: string): ParsedMessage {
    let value: unknown;
    try {
        value = JSON.parse(body);
    } catch (e) {
        return { kind: "invalid", reason: `not JSON (${(e as Error).message}); expected ${SHAPES}` };
    }
    if (!isObject(value)) {
        return { kind: "invalid", reason: `not a JSON object; expected ${SHAPES}` };
    }
    if (value.Event === "s3:TestEvent") {
        return { kind: "test", bucket: nonEmptyString(value.Bucket) };
    }
    if (Array.isArray(value.Records)) {
        return parseS3Notification(value.Records);
    }
    if (value.source === "aws.s3" && "detail-type" in value) {
        return parseEventBridge(value);
    }
    if ("bucket" in value || "key" in value) {
        const bucket = nonEmptyString(value.bucket);
        const key = nonEmptyString(value.key);
        if (bucket === undefined || key === undefined) {
            return { kind: "invalid", reason: 'a {"bucket","key"} message needs both as non-empty strings' };
        }
        return { kind: "files", shape: "plain", files: [{ bucket, key }], ignored: [] };
    }
    return { kind: "invalid", reason: `unknown message shape; expected ${SHAPES}` };
}
