/** Fixtures and checks for the cost model's tests: a plain stack, the stack files' config, a report's lines. */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { CostLine, CostPattern, CostReport, StackCostConfig } from "../../tools/cost";
import { ROOT } from "../mocks";
import { throwsExactly as exactly } from "./assertions";

/** The cost model's errors are ValidationErrors with exactly this message. */
export const throwsExactly = (fn: () => unknown, message: string): void => exactly(fn, message, "ValidationError");

export const MONTH_SECONDS = 730 * 3600;

/** A plain stack: us-east-1, 1 vCPU / 2 GB x86, all on-demand, no public IP, uploads never expire. */
export function stack(overrides: Partial<StackCostConfig> = {}): StackCostConfig {
    return {
        region: "us-east-1",
        taskCpu: 1024,
        taskMemory: 2048,
        cpuArchitecture: "X86_64",
        ephemeralStorageGiB: undefined,
        capacity: { fargateBase: 0, fargateWeight: 1, fargateSpotWeight: 0 },
        logRetentionDays: 30,
        assignPublicIp: false,
        expireUploadsAfterDays: false,
        ...overrides,
    };
}

/** The `config:` map of a stack file in the project. */
export function stackYaml(name: string): Record<string, unknown> {
    return (yaml.load(fs.readFileSync(path.join(ROOT, `Pulumi.${name}.yaml`), "utf8")) as { config: Record<string, unknown> }).config;
}

export function pattern(report: CostReport, name: CostPattern) {
    const p = report.patterns.find((x) => x.pattern === name);
    assert.ok(p, `no ${name} in the report`);
    return p;
}

export function lineOf(report: CostReport, name: CostPattern, itemStart: string): CostLine {
    const l = pattern(report, name).lines.find((x) => x.item.startsWith(itemStart));
    assert.ok(l, `${name} has no line starting "${itemStart}": ${pattern(report, name).lines.map((x) => x.item).join(" | ")}`);
    return l;
}

export function hasLine(report: CostReport, name: CostPattern, itemStart: string): boolean {
    return pattern(report, name).lines.some((x) => x.item.startsWith(itemStart));
}

export function near(actual: number, expected: number, what: string, relative = 1e-9): void {
    const tolerance = Math.max(Math.abs(expected) * relative, 1e-12);
    assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} ≠ ${expected}`);
}
