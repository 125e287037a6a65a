/** What the QueueWorkerService test files share: the bucket, image, cluster and network a worker runs with, and its base arguments. */
import type { QueueWorkerServiceArgs } from "../../components/queue-worker-service";
import { ACCOUNT } from "../mocks";

export const REGION = "eu-west-1";
export const PREFIXES = { upload: "uploads/", output: "processed/", status: "status/" };
export const BUCKET = { bucketName: "data-bucket", bucketArn: "arn:aws:s3:::data-bucket", prefixes: PREFIXES };
export const IMAGE = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/processor:1.4.2`;
export const CLUSTER = { clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/work`, clusterName: "work" };
export const NETWORK = { subnetIds: ["subnet-1", "subnet-2"], securityGroupIds: ["sg-1"] };
export const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
export const TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:alerts`;
/** The statement of each queue's policy that refuses anything but TLS. */
export const TLS_DENY = (resource: string) => ({
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "sqs:*",
    Resource: [resource],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
});

/** A worker on CLUSTER and NETWORK, reading BUCKET with IMAGE, and `extra` on top. */
export function baseArgs(extra: Partial<QueueWorkerServiceArgs> = {}): QueueWorkerServiceArgs {
    return { cluster: CLUSTER, network: NETWORK, task: { bucket: BUCKET, image: IMAGE }, ...extra };
}
