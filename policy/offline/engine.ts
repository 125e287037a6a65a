/**
 * Evaluates policy packs over recorded resources the way the Pulumi engine's analyzer does:
 * resource rules see each resource's inputs, stack rules see every resource's outputs; property
 * values that are unknown make a rule not applicable; `notApplicable()` skips; enforcement levels
 * and rule config come from the pack config, reconciled and validated as the engine does.
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
import { assertSupported, validate } from "./config-schema";

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
    /** Where the program declares it, when known. */
    source?: SourceLocation;
}

/** A line of a program file. */
export interface SourceLocation {
    file: string;
    line: number;
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
    /** Where the program declares the resource, when known. */
    source?: SourceLocation;
}

class NotApplicable extends Error {}

function notApplicable(reason?: string): never {
    throw new NotApplicable(reason ?? "Policy does not apply");
}

/** Bad pack config: names the pack, the rule, the value and what is allowed. */
export class PackConfigError extends Error {}

/** The enforcement levels the engine accepts (apitype.EnforcementLevel). */
export const ENFORCEMENT_LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

/** What one rule runs with: its level and its settings (schema defaults, then the given values). */
export interface RuleSettings {
    level: EnforcementLevel;
    properties: Record<string, unknown>;
}

function levelOf(pack: string, key: string, value: unknown): EnforcementLevel {
    if (typeof value !== "string" || !(ENFORCEMENT_LEVELS as readonly string[]).includes(value)) {
        throw new PackConfigError(`${pack} config: "${key}": enforcementLevel ${JSON.stringify(value)} is not an enforcement level; use one of ${ENFORCEMENT_LEVELS.join(", ")}`);
    }
    return value as EnforcementLevel;
}

/**
 * Each rule's level and settings from a pack's config, as the engine reconciles them
 * (pkg/resource/analyzer/config.go): every rule starts from its own level and its schema's defaults;
 * the `all` key sets every rule's level; a rule's own entry (a level, or an object with
 * `enforcementLevel` and settings) comes last. Settings are checked against the rule's schema.
 * Stricter than the engine, which ignores them: a key that names no rule of the pack, and a setting
 * the rule's schema does not list, are errors too, so a typo cannot switch a check off unnoticed.
 */
export function resolveConfig(pack: PolicyPackSpec): Map<string, RuleSettings> {
    const given = (pack.config ?? {}) as Record<string, unknown>;
    if (typeof given !== "object" || given === null || Array.isArray(given)) {
        throw new PackConfigError(`${pack.name} config: ${JSON.stringify(given)} is not an object mapping rule names to settings`);
    }
    const names = pack.policies.map((p) => p.name);
    for (const key of Object.keys(given)) {
        if (key !== "all" && !names.includes(key)) {
            throw new PackConfigError(`${pack.name} config: "${key}" is not a rule of this pack; use "all" or one of ${names.join(", ")}`);
        }
    }
    const entry = (key: string): { level?: EnforcementLevel; properties: Record<string, unknown> } => {
        const value = given[key];
        if (value === undefined) {
            return { properties: {} };
        }
        if (typeof value === "string") {
            return { level: levelOf(pack.name, key, value), properties: {} };
        }
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
            throw new PackConfigError(`${pack.name} config: "${key}": ${JSON.stringify(value)} is neither an enforcement level nor an object of settings`);
        }
        const { enforcementLevel, ...properties } = value as Record<string, unknown>;
        return { level: enforcementLevel === undefined ? undefined : levelOf(pack.name, key, enforcementLevel), properties };
    };
    const all = entry("all");
    if (Object.keys(all.properties).length > 0) {
        throw new PackConfigError(`${pack.name} config: "all" takes only enforcementLevel, not ${Object.keys(all.properties).join(", ")}`);
    }
    const settings = new Map<string, RuleSettings>();
    for (const policy of pack.policies) {
        const own = entry(policy.name);
        const schema = policy.configSchema;
        const defaults = Object.fromEntries(Object.entries(schema?.properties ?? {}).filter(([, p]) => p.default !== undefined).map(([k, p]) => [k, p.default]));
        const properties = { ...defaults, ...own.properties };
        const errors = validate({ type: "object", properties: schema?.properties ?? {}, required: schema?.required, additionalProperties: false }, properties, `"${policy.name}"`);
        if (errors.length > 0) {
            throw new PackConfigError(`${pack.name} config: ${errors.join("; ")}`);
        }
        settings.set(policy.name, { level: own.level ?? all.level ?? policy.enforcementLevel ?? "advisory", properties });
    }
    return settings;
}

/** Throws when a rule's own config schema uses keywords the offline runner cannot check. */
export function assertSchemasSupported(pack: PolicyPackSpec): void {
    for (const policy of pack.policies) {
        for (const [name, property] of Object.entries(policy.configSchema?.properties ?? {})) {
            assertSupported(property, `${pack.name}/${policy.name}.${name}`);
        }
    }
}

function skipped(e: unknown): boolean {
    return e instanceof NotApplicable || e instanceof proxy.UnknownValueError;
}

const NO_OPTIONS = { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] };

function isTypeOf(type: string, resourceClass: { __pulumiType?: string }): boolean {
    return (resourceClass as { __pulumiType?: string }).__pulumiType === type;
}

/** What a rule sees of one resource, resource rule or stack rule alike: its names, properties (unknown values checked) and type tests. */
function resourceView(record: ResourceRecord, values: unknown) {
    const props = proxy.unknownCheckingProxy(values as Record<string, any>);
    return {
        type: record.type,
        name: record.name,
        urn: record.urn,
        props,
        opts: NO_OPTIONS,
        isType: (cls: never) => isTypeOf(record.type, cls),
        asType: (cls: never) => (isTypeOf(record.type, cls) ? props : undefined),
    };
}

function toPolicyResources(records: ResourceRecord[]): PolicyResource[] {
    return records.map((r) => {
        const view = resourceView(r, r.state);
        const resource: PolicyResource = { ...view, dependencies: [], propertyDependencies: {}, asType: view.asType as PolicyResource["asType"] };
        return resource;
    });
}

/** Runs every enabled rule of every pack over the resources and returns the findings. */
export async function evaluatePacks(packs: PolicyPackSpec[], records: ResourceRecord[]): Promise<Finding[]> {
    const findings: Finding[] = [];
    const stackResources = toPolicyResources(records);
    for (const pack of packs) {
        assertSchemasSupported(pack);
        const settings = resolveConfig(pack);
        for (const policy of pack.policies) {
            const { level: configured, properties } = settings.get(policy.name) as RuleSettings;
            if (configured === "disabled") {
                continue;
            }
            // The Policy SDK reports a validation rule at "remediate" as mandatory (it has nothing to remediate with).
            const level: EnforcementLevel = configured === "remediate" ? "mandatory" : configured;
            const base = {
                pack: pack.name,
                policy: policy.name,
                enforcementLevel: level,
                severity: policy.severity,
                description: policy.description,
                remediation: policy.remediationSteps,
            };
            const getConfig = <T extends object>() => structuredClone(properties) as T;
            if ("validateStack" in policy) {
                await runStackRule(policy, stackResources, getConfig, (message, urn) => {
                    const r = records.find((x) => x.urn === urn);
                    findings.push({ ...base, message, urn, resourceName: r?.name, resourceType: r?.type, source: r?.source });
                });
            } else {
                for (const record of records) {
                    await runResourceRule(policy, record, getConfig, (message) => {
                        findings.push({ ...base, message, urn: record.urn, resourceName: record.name, resourceType: record.type, source: record.source });
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
    const view = resourceView(record, record.inputs);
    const args: ResourceValidationArgs = { ...view, stackTags: new Map(), asType: view.asType as ResourceValidationArgs["asType"], getConfig, notApplicable };
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
