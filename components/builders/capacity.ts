/**
 * Fargate capacity provider strategies: how tasks are split between FARGATE (on demand) and
 * FARGATE_SPOT (up to 70% cheaper, may be interrupted with a two-minute SIGTERM warning).
 *
 * What AWS documents (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CapacityProviderStrategyItem.html):
 * `base` is how many tasks, at a minimum, run on its provider; `weight` is "the relative percentage
 * of the total number of tasks launched", taken into account once the base is satisfied. Both act
 * on the tasks of one RunTask call or of one service. The upload trigger, the Lambda trigger and
 * each scheduled run start one task per RunTask call, and AWS does not document how one-task calls
 * spread over the providers across many calls: see SINGLE_TASK_WEIGHTS.
 */
import { invalid, requireIntegerInRange } from "./validation";

/**
 * How tasks split between FARGATE and FARGATE_SPOT. For a service (QueueWorkerService) the weights
 * share its tasks. For one-task RunTask calls (one per upload) only three settings have a documented
 * outcome; see SINGLE_TASK_WEIGHTS.
 */
export interface CapacitySplit {
    /**
     * Tasks of each RunTask call (or of a service) that always run on FARGATE before weights apply.
     * The upload rule starts one task per file, so a base of 1 puts every file on FARGATE.
     * @default 0
     */
    fargateBase?: number;
    /** Relative share of FARGATE after the base, among the tasks of one call or one service. @default 1 */
    fargateWeight?: number;
    /** Relative share of FARGATE_SPOT after the base, among the tasks of one call or one service. @default 0 */
    fargateSpotWeight?: number;
}

/**
 * The one statement of how the weights act on one-task RunTask calls; the stack config docs, the
 * cost estimate and docs/configuration.md say this.
 */
export const SINGLE_TASK_WEIGHTS =
    "Weights divide the tasks of one RunTask call (or of one service) between FARGATE and FARGATE_SPOT. " +
    "Each upload (and each scheduled run) is a RunTask call of one task, and AWS does not document how such calls " +
    "spread over the providers, so mixed weights are not a share of files on Spot. " +
    "Documented outcomes per file: fargateBase 1 or more → FARGATE; fargateSpotWeight 0 → FARGATE; " +
    "fargateWeight 0 with fargateBase 0 → FARGATE_SPOT.";

/** Where the task of a one-task RunTask call runs with a split: a documented provider, or "unspecified". */
export type SingleTaskPlacement = "FARGATE" | "FARGATE_SPOT" | "unspecified";

/** Where a one-task RunTask call's task runs under `split` (validated), as far as AWS documents it; see SINGLE_TASK_WEIGHTS. */
export function singleTaskPlacement(split: Required<CapacitySplit>): SingleTaskPlacement {
    if (split.fargateBase >= 1 || split.fargateSpotWeight === 0) {
        return "FARGATE";
    }
    if (split.fargateWeight === 0) {
        return "FARGATE_SPOT";
    }
    return "unspecified";
}

export interface CapacityProviderStrategyItem {
    capacityProvider: "FARGATE" | "FARGATE_SPOT";
    base: number;
    weight: number;
}

export type CapacityFields = Record<keyof CapacitySplit, string>;

/**
 * Validates a split and returns the strategy list (providers with neither base nor weight are left out).
 */
export function capacityProviderStrategy(
    split: CapacitySplit,
    fields: CapacityFields = { fargateBase: "fargateBase", fargateWeight: "fargateWeight", fargateSpotWeight: "fargateSpotWeight" },
): CapacityProviderStrategyItem[] {
    const base = requireIntegerInRange(fields.fargateBase, split.fargateBase ?? 0, 0, 100000);
    const fargate = requireIntegerInRange(fields.fargateWeight, split.fargateWeight ?? 1, 0, 1000);
    const spot = requireIntegerInRange(fields.fargateSpotWeight, split.fargateSpotWeight ?? 0, 0, 1000);
    if (fargate === 0 && spot === 0) {
        invalid(
            `${fields.fargateWeight} and ${fields.fargateSpotWeight}`,
            [fargate, spot],
            "are both 0",
            "give at least one of them a weight above 0",
        );
    }
    const items: CapacityProviderStrategyItem[] = [];
    if (base > 0 || fargate > 0) {
        items.push({ capacityProvider: "FARGATE", base, weight: fargate });
    }
    if (spot > 0) {
        items.push({ capacityProvider: "FARGATE_SPOT", base: 0, weight: spot });
    }
    return items;
}
