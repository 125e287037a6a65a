/**
 * CloudWatch Logs retention values.
 *
 * Source: PutRetentionPolicy in the CloudWatch Logs API reference
 * (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html).
 * Unset (0 in Pulumi) means "never expire". components/builders/retention.ts keeps the same list
 * for the components; a test holds the two equal.
 */

/** Every retention (days) CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS: readonly number[] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];
