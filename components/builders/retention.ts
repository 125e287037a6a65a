/**
 * CloudWatch Logs retention values.
 *
 * Source: PutRetentionPolicy in the CloudWatch Logs API reference. Unset (0 in Pulumi) means
 * "never expire", which this project never chooses on its own.
 */
import { requireOneOf } from "./validation";

/** Every retention (days) CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** The retention this project uses when none is given. */
export const DEFAULT_LOG_RETENTION_DAYS = 30;

/** Checks a retention value against the list CloudWatch accepts. */
export function validateRetention(days: number, field = "logRetentionDays"): number {
    return requireOneOf(field, days, LOG_RETENTION_DAYS as readonly number[], "a CloudWatch Logs retention");
}
