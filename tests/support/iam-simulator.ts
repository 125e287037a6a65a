/** Requests through an IAM policy simulator (@cloud-copilot/iam-simulate, test-only), as AWS would evaluate them. */
import { strict as assert } from "assert";
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { ACCOUNT } from "../mocks";

/** Request context keys and their values (`aws:SecureTransport`, `ecs:cluster`, …). */
export type Context = Record<string, string | string[]>;
export type Outcome = "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied";

export interface SimulatedRequest {
    /** Who asks: a role session ARN. */
    principal: string;
    /** The principal's identity policies. */
    policies: unknown[];
    action: string;
    resource: string;
    context?: Context;
    /** The resource's own policy, where one applies (a bucket policy, a KMS key policy). */
    resourcePolicy?: unknown;
}

/** Allows everything: the control principal's policy, which shows that a denial comes from the policy under test. */
export const ALLOW_ALL = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };

/** Each document list's JSON, written once per list. */
const documentsJson = new WeakMap<unknown[], string>();
/** Outcomes by request: the simulator is a pure function of the request, the policies and the resource policy. */
const outcomes = new Map<string, Promise<Outcome>>();

/**
 * Runs one request in strict mode in the account of the mocks; fails the test when the simulator rejects it or ignores a
 * context key. A request made before (the same principal, policies, action, resource, context and resource policy: the
 * stacks share most of them) gets the outcome the simulator gave then.
 */
export function simulateRequest(req: SimulatedRequest): Promise<Outcome> {
    let policies = documentsJson.get(req.policies);
    if (policies === undefined) {
        policies = JSON.stringify(req.policies);
        documentsJson.set(req.policies, policies);
    }
    const key = `${policies}\0${JSON.stringify([req.principal, req.action, req.resource, req.context ?? {}, req.resourcePolicy ?? null])}`;
    let outcome = outcomes.get(key);
    if (outcome === undefined) {
        outcome = simulateOnce(req);
        outcomes.set(key, outcome);
    }
    return outcome;
}

async function simulateOnce(req: SimulatedRequest): Promise<Outcome> {
    const simulation: Simulation = {
        request: { principal: req.principal, action: req.action, resource: { resource: req.resource, accountId: ACCOUNT }, contextVariables: req.context ?? {} },
        identityPolicies: req.policies.map((policy, i) => ({ name: `policy-${i}`, policy })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(req.resourcePolicy ? { resourcePolicy: req.resourcePolicy } : {}),
    };
    const result = await runSimulation(simulation, { simulationMode: "Strict" });
    const what = `${req.action} on ${req.resource} with ${JSON.stringify(req.context ?? {})}`;
    if (result.resultType === "error") {
        assert.fail(`simulator rejected ${what}: ${JSON.stringify(result.errors)}`);
    }
    if (result.resultType === "single") {
        assert.deepEqual(result.result.ignoredContextKeys ?? [], [], `simulator ignored context keys for ${what}`);
    }
    return result.overallResult as Outcome;
}
