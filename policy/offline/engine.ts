/**
 * Evaluates policy packs over recorded resources the way the Pulumi engine's analyzer does:
 * resource rules see each resource's inputs, stack rules see every resource's outputs; property
 * values that are unknown make a rule not applicable; `notApplicable()` skips; enforcement levels
 * and rule config come from the pack config (a rule's own level otherwise).
 */
import {
    EnforcementLevel,
    Policies,
    PolicyPackConfig,
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationPolicy,
} from "@pulumi/policy";

// The Policy SDK's own proxy that throws on unknown (preview-time) values.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const proxy = require("@pulumi/policy/proxy") as {
    unknownCheckingProxy<T>(value: T): T;
    UnknownValueError: new (...args: unknown[]) => Error;
};

/** A resource as a program registered it. */
export interface ResourceRecord {
    type: string;
    name: string;
    urn: string;
    /** Inputs (what resource rules see). */
    inputs: Record<string, unknown>;
    /** Outputs (what stack rules see). */
    state: Record<string, unknown>;
}

export interface PolicyPackSpec {
    name: string;
    policies: Policies;
    /** Per-rule enforcement level and config, in the shape `--policy-pack-config` takes. */
    config?: PolicyPackConfig;
}

export interface Finding {
    pack: string;
    policy: string;
    enforcementLevel: EnforcementLevel;
    severity?: Severity;
    description: string;
    remediation?: string;
    message: string;
    /** The resource the finding is about (stack rules may report against the stack). */
    urn?: string;
    resourceName?: string;
    resourceType?: string;
}

class NotApplicable extends Error {}

function notApplicable(reason?: string): never {
    throw new NotApplicable(reason ?? "Policy does not apply");
}

type RuleConfig = Record<string, unknown> & { enforcementLevel?: EnforcementLevel };

function ruleSettings(policy: { name: string; enforcementLevel?: EnforcementLevel }, config?: PolicyPackConfig) {
    const entry = config?.[policy.name] as EnforcementLevel | RuleConfig | undefined;
    const given: RuleConfig = typeof entry === "string" ? { enforcementLevel: entry } : { ...(entry ?? {}) };
    const { enforcementLevel, ...properties } = given;
    return { level: enforcementLevel ?? policy.enforcementLevel ?? "advisory", properties };
}

function skipped(e: unknown): boolean {
    return e instanceof NotApplicable || e instanceof proxy.UnknownValueError;
}

const NO_OPTIONS = { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] };

function isTypeOf(type: string, resourceClass: { __pulumiType?: string }): boolean {
    return (resourceClass as { __pulumiType?: string }).__pulumiType === type;
}

function toPolicyResources(records: ResourceRecord[]): PolicyResource[] {
    return records.map((r) => {
        const props = proxy.unknownCheckingProxy(r.state as Record<string, any>);
        const resource: PolicyResource = {
            type: r.type,
            name: r.name,
            urn: r.urn,
            props,
            opts: NO_OPTIONS,
            dependencies: [],
            propertyDependencies: {},
            isType: (cls) => isTypeOf(r.type, cls as never),
            asType: ((cls: never) => (isTypeOf(r.type, cls) ? props : undefined)) as PolicyResource["asType"],
        };
        return resource;
    });
}

/** Runs every enabled rule of every pack over the resources and returns the findings. */
export async function evaluatePacks(packs: PolicyPackSpec[], records: ResourceRecord[]): Promise<Finding[]> {
    const findings: Finding[] = [];
    const stackResources = toPolicyResources(records);
    for (const pack of packs) {
        for (const policy of pack.policies) {
            const { level, properties } = ruleSettings(policy, pack.config);
            if (level === "disabled") {
                continue;
            }
            const base = {
                pack: pack.name,
                policy: policy.name,
                enforcementLevel: level,
                severity: policy.severity,
                description: policy.description,
                remediation: policy.remediationSteps,
            };
            const getConfig = <T extends object>() => ({ ...properties }) as T;
            if ("validateStack" in policy) {
                await runStackRule(policy, stackResources, getConfig, (message, urn) => {
                    const r = records.find((x) => x.urn === urn);
                    findings.push({ ...base, message, urn, resourceName: r?.name, resourceType: r?.type });
                });
            } else {
                for (const record of records) {
                    await runResourceRule(policy, record, getConfig, (message) => {
                        findings.push({ ...base, message, urn: record.urn, resourceName: record.name, resourceType: record.type });
                    });
                }
            }
        }
    }
    return findings;
}

async function runResourceRule(
    policy: ResourceValidationPolicy,
    record: ResourceRecord,
    getConfig: <T extends object>() => T,
    report: (message: string) => void,
): Promise<void> {
    const props = proxy.unknownCheckingProxy(record.inputs as Record<string, any>);
    const args: ResourceValidationArgs = {
        type: record.type,
        name: record.name,
        urn: record.urn,
        props,
        opts: NO_OPTIONS,
        stackTags: new Map(),
        isType: (cls) => isTypeOf(record.type, cls as never),
        asType: ((cls: never) => (isTypeOf(record.type, cls) ? props : undefined)) as ResourceValidationArgs["asType"],
        getConfig,
        notApplicable,
    };
    const validations = policy.validateResource === undefined ? [] : ([] as NonNullable<ResourceValidationPolicy["validateResource"]>[]).concat(policy.validateResource).flat();
    for (const validate of validations) {
        try {
            await validate(args, (message) => report(message));
        } catch (e) {
            if (!skipped(e)) {
                throw e;
            }
        }
    }
}

async function runStackRule(
    policy: StackValidationPolicy,
    resources: PolicyResource[],
    getConfig: <T extends object>() => T,
    report: (message: string, urn?: string) => void,
): Promise<void> {
    try {
        await policy.validateStack({ resources, stackTags: new Map(), getConfig, notApplicable }, report);
    } catch (e) {
        if (!skipped(e)) {
            throw e;
        }
    }
}

/** True when any finding is at the mandatory level. */
export function hasMandatory(findings: Finding[]): boolean {
    return findings.some((f) => f.enforcementLevel === "mandatory");
}
