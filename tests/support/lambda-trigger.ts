/**
 * What the LambdaTrigger test files share: the cluster, task and network the trigger starts tasks in,
 * the environment the component gives the function, S3 notification records, and the RunTask request
 * the trigger must send for one object.
 */
import { strict as assert } from "assert";
import type { CapacityProviderStrategyItem } from "../../components/builders/capacity";
import { ACCOUNT } from "../mocks";

export const REGION = "eu-west-1";
export const BUCKET = "data-bucket";
export const CLUSTER_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/processing`;
export const TASK_DEFINITION_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/s3-fargate-pipeline-dev-processor:7`;
export const SUBNETS = ["subnet-0a1b2c3d4e5f60718", "subnet-0123abcd"];
export const SECURITY_GROUPS = ["sg-0fedcba987654321f"];
export const STRATEGY: CapacityProviderStrategyItem[] = [
    { capacityProvider: "FARGATE", base: 1, weight: 1 },
    { capacityProvider: "FARGATE_SPOT", base: 0, weight: 3 },
];

/** The environment the component gives the function (tests/lambda-trigger.test.ts checks it). */
export const ENV: Record<string, string> = {
    CLUSTER_ARN,
    TASK_DEFINITION_ARN,
    CONTAINER_NAME: "processor",
    SUBNET_IDS: SUBNETS.join(","),
    SECURITY_GROUP_IDS: SECURITY_GROUPS.join(","),
    ASSIGN_PUBLIC_IP: "ENABLED",
    CAPACITY_PROVIDER_STRATEGY: JSON.stringify(STRATEGY),
    PLATFORM_VERSION: "LATEST",
    UPLOAD_PREFIX: "uploads/",
    BUCKET_NAME: BUCKET,
    STARTED_BY: "upload-trigger",
};

export interface RecordOptions {
    bucket?: string;
    eventName?: string;
    size?: number;
    eTag?: string;
    sequencer?: string;
    eventTime?: string;
}

/** An S3 event notification record as S3 delivers it to Lambda (key URL-encoded, `+` for space). */
export function s3Record(encodedKey: string, o: RecordOptions = {}): Record<string, unknown> {
    const bucket = o.bucket ?? BUCKET;
    return {
        eventVersion: "2.1",
        eventSource: "aws:s3",
        awsRegion: REGION,
        eventTime: o.eventTime ?? "2026-03-14T09:15:27.123Z",
        eventName: o.eventName ?? "ObjectCreated:Put",
        userIdentity: { principalId: "AWS:AIDAEXAMPLEUSER" },
        requestParameters: { sourceIPAddress: "203.0.113.7" },
        responseElements: { "x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD" },
        s3: {
            s3SchemaVersion: "1.0",
            configurationId: "tf-s3-lambda-20260314091500",
            bucket: { name: bucket, ownerIdentity: { principalId: "A3NL1KOZZKExample" }, arn: `arn:aws:s3:::${bucket}` },
            object: { key: encodedKey, size: o.size ?? 1024, eTag: o.eTag ?? "0123456789abcdef0123456789abcdef", sequencer: o.sequencer ?? "0055AED6DCD90281E5" },
        },
    };
}

export const event = (...records: Record<string, unknown>[]) => ({ Records: records });

export const TEST_EVENT = {
    Service: "Amazon S3",
    Event: "s3:TestEvent",
    Time: "2026-03-14T09:00:00.000Z",
    Bucket: BUCKET,
    RequestId: "5582815E1AEA5ADF",
    HostId: "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE",
};

/** Keys as S3 encodes them in notifications, and the key they name. */
export const KEYS: { what: string; encoded: string; key: string }[] = [
    { what: "spaces", encoded: "uploads/Q3+report+2024.csv", key: "uploads/Q3 report 2024.csv" },
    { what: "a literal +", encoded: "uploads/a%2Bb%2Bc.csv", key: "uploads/a+b+c.csv" },
    { what: "a literal %2B and %20 (decoded once, not twice)", encoded: "uploads/already%252Bencoded%2520name.csv", key: "uploads/already%2Bencoded%20name.csv" },
    { what: "unicode", encoded: "uploads/Z%C3%BCrich+%E2%80%93+%E6%97%A5%E6%9C%AC.csv", key: "uploads/Zürich – 日本.csv" },
    { what: "quotes and a backslash", encoded: "uploads/%22quoted%22+%27single%27+back%5Cslash.csv", key: 'uploads/"quoted" \'single\' back\\slash.csv' },
];

/** The RunTask request the trigger must send for one object (clientToken aside). */
export function expectedRunTask(key: string, o: { size?: string; eTag?: string; sequencer?: string; eventTime?: string } = {}) {
    return {
        cluster: CLUSTER_ARN,
        taskDefinition: TASK_DEFINITION_ARN,
        count: 1,
        capacityProviderStrategy: STRATEGY,
        platformVersion: "LATEST",
        networkConfiguration: { awsvpcConfiguration: { subnets: SUBNETS, securityGroups: SECURITY_GROUPS, assignPublicIp: "ENABLED" } },
        overrides: {
            containerOverrides: [
                {
                    name: "processor",
                    environment: [
                        { name: "S3_BUCKET", value: BUCKET },
                        { name: "S3_KEY", value: key },
                        { name: "S3_OBJECT_SIZE", value: o.size ?? "1024" },
                        { name: "S3_OBJECT_ETAG", value: o.eTag ?? "0123456789abcdef0123456789abcdef" },
                        { name: "S3_EVENT_TIME", value: o.eventTime ?? "2026-03-14T09:15:27.123Z" },
                        { name: "S3_EVENT_ID", value: o.sequencer ?? "0055AED6DCD90281E5" },
                    ],
                },
            ],
        },
        startedBy: "upload-trigger",
        propagateTags: "TASK_DEFINITION",
        enableECSManagedTags: true,
    };
}

/** RunTask's client token: at most 64 characters in ASCII 33–126 (ECS_Idempotency.html); ours is a SHA-256 in hex. */
export const CLIENT_TOKEN = /^[0-9a-f]{64}$/;

/** A RunTask body without its client token (checked separately: one per object and event). */
export function withoutToken(body: any): any {
    assert.match(body.clientToken, CLIENT_TOKEN);
    const { clientToken: _token, ...rest } = body;
    return rest;
}

/** The S3_KEY of a RunTask body. */
export function keyOf(body: any): string {
    return body.overrides.containerOverrides[0].environment.find((e: any) => e.name === "S3_KEY").value;
}
