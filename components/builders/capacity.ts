/**
 * Fargate capacity provider strategies: how tasks are split between FARGATE (on demand) and
 * FARGATE_SPOT (up to 70% cheaper, may be interrupted with a two-minute SIGTERM warning).
 */
import { invalid, requireIntegerInRange } from "./validation";

export interface CapacitySplit {
    /**
     * Tasks of each RunTask call (or of a service) that always run on FARGATE before weights apply.
     * The upload rule starts one task per file, so a base of 1 puts every file on FARGATE.
     * @default 0
     */
    fargateBase?: number;
    /** Relative share of FARGATE after the base. @default 1 */
    fargateWeight?: number;
    /** Relative share of FARGATE_SPOT after the base. @default 0 */
    fargateSpotWeight?: number;
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
