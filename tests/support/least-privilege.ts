/**
 * Fixtures for the least-privilege-iam rules: resource types, policy documents and statements in the
 * shapes AWS accepts, and one rule run as the only rule of the pack.
 */
import { PolicyPackConfig, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { Finding, ResourceRecord, evaluatePacks } from "../../policy/offline/engine";
import { resourceRecord } from "./policy";

export const ACCOUNT = "123456789012";
export const T = {
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    policy: "aws:iam/policy:Policy",
    role: "aws:iam/role:Role",
    attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    queuePolicy: "aws:sqs/queuePolicy:QueuePolicy",
    topicPolicy: "aws:sns/topicPolicy:TopicPolicy",
    taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
    eventTarget: "aws:cloudwatch/eventTarget:EventTarget",
};

export type Policy = ResourceValidationPolicy | StackValidationPolicy;
export type Props = Record<string, any>;
export type Shape = "string" | "object";

/** A policy document with these statements (one statement stays a single object), as a string or an object. */
export function doc(statements: Props | Props[], shape: Shape = "object"): string | Props {
    const d = { Version: "2012-10-17", Statement: statements };
    return shape === "string" ? JSON.stringify(d) : d;
}

export const rolePolicy = (statements: Props | Props[], shape: Shape = "object") =>
    resourceRecord(T.rolePolicy, "rp", { role: "some-role", policy: doc(statements, shape) });

/** Runs one rule (as the only rule of the pack) and returns its findings. */
export function findings(rule: Policy, records: ResourceRecord[], config?: PolicyPackConfig): Promise<Finding[]> {
    return evaluatePacks([{ name: "least-privilege-iam", policies: [rule], config }], records);
}

/** Runs one rule and returns the messages it reports, in order. */
export async function messages(rule: Policy, records: ResourceRecord[], config?: PolicyPackConfig): Promise<string[]> {
    return (await findings(rule, records, config)).map((f) => f.message);
}

export const allow = (Action: string | string[], Resource: string | string[] = "*", extra: Props = {}) => ({ Effect: "Allow", Action, Resource, ...extra });
export const deny = (Action: string | string[], Resource: string | string[] = "*", extra: Props = {}) => ({ Effect: "Deny", Action, Resource, ...extra });
export const PASSED_TO_ECS = { Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } } };
export const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
