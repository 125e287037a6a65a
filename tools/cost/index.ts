/**
 * Monthly cost model of the five processing patterns, computed from a stack's configuration and a
 * stated workload. Pure functions and documented price constants; no Pulumi resources, no network.
 *
 * Patterns:
 * - UploadTrigger: S3 → EventBridge rule → ECS RunTask, one Fargate task per file.
 * - ScheduledTask: EventBridge Scheduler runs one batch task per period that processes every new file.
 * - QueueWorkerService: S3 → EventBridge → SQS, an autoscaled ECS service of long-polling workers.
 * - LambdaTrigger: S3 event notification → Lambda → ECS RunTask, one Fargate task per file.
 * - KubernetesJobs: an EKS CronJob per period, on Fargate pods (or on nodes you price yourself).
 *
 * Billing rules used (AWS pricing pages): Fargate bills vCPU, memory and ephemeral storage above the
 * included 20 GiB from the start of the image download until the task stops, rounded up to the
 * second, with a one-minute minimum; Fargate Spot is a discount on vCPU and memory; a public IPv4
 * address costs per hour while attached; a month is 730 hours.
 */
export * from "./prices";
export * from "./workload";
export * from "./estimate";
export * from "./markdown";
