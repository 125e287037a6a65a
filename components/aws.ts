/**
 * The parts of the AWS provider SDK the components use, each from its own module. With `import * as aws from
 * "@pulumi/aws"`, every TypeScript program that reads the components' declarations (a user's program against the
 * published package, the Pulumi package's schema analysis) parses the declarations of every AWS service: 2,714 files,
 * against 523 for these services, and 4.1 CPU s against 2.6 s to create the schema analysis's program. The components
 * read `aws.s3.BucketV2` and the rest through this module as they would through the SDK's index. The Kubernetes
 * component's declarations name `@pulumi/eks` types, and `@pulumi/eks` imports the SDK's index, so a program that reads
 * those (the package's index does) still parses every service's declarations.
 */

// At run time the SDK's index is loaded as before: it registers the AWS provider package and every service's resource
// module, so that a resource reference (an `aws.Provider` a program in another language passes to a component through
// the Pulumi package's provider) comes back as the SDK's class. The type checker does not follow a require() call.
// eslint-disable-next-line @typescript-eslint/no-require-imports
require("@pulumi/aws");

export * as appautoscaling from "@pulumi/aws/appautoscaling";
export * as cloudwatch from "@pulumi/aws/cloudwatch";
export * as ec2 from "@pulumi/aws/ec2";
export * as ecr from "@pulumi/aws/ecr";
export * as ecs from "@pulumi/aws/ecs";
export * as eks from "@pulumi/aws/eks";
export * as iam from "@pulumi/aws/iam";
export * as kms from "@pulumi/aws/kms";
export * as lambda from "@pulumi/aws/lambda";
export * as s3 from "@pulumi/aws/s3";
export * as scheduler from "@pulumi/aws/scheduler";
export * as secretsmanager from "@pulumi/aws/secretsmanager";
export * as sns from "@pulumi/aws/sns";
export * as sqs from "@pulumi/aws/sqs";
export * as types from "@pulumi/aws/types";
export { getAvailabilityZonesOutput } from "@pulumi/aws/getAvailabilityZones";
export { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
export { getPartitionOutput } from "@pulumi/aws/getPartition";
export { getRegionOutput } from "@pulumi/aws/getRegion";
