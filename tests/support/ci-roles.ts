/**
 * The CI roles' documents (deploy/github-oidc-role) as the tests evaluate them: rendered for a stack's
 * account and region, wrapped in the resources that would carry them, and the packs' configs.
 */
import * as fs from "fs";
import * as path from "path";
import { PolicyPackConfig } from "@pulumi/policy";
import { Finding, PolicyPackSpec, ResourceRecord } from "../../policy/offline/engine";
import { PACKS } from "../../policy/packs";
import {
    CI_ROLE_NAMES,
    DEPLOY_POLICY_PACK_CONFIG,
    PROJECT,
    PolicyDocument,
    ProgramScope,
    SMOKE_POLICY_PACK_CONFIG,
    Target,
    documents,
} from "../../deploy/github-oidc-role/policies";
import { PLACEHOLDERS } from "../../deploy/github-oidc-role/render";
import { ACCOUNT } from "../mocks";
import { ROLE_DIR, regionOf } from "./workflows";

export const REPOSITORY = "example-org/s3-fargate-pipeline";

export function target(stack: string): Target {
    return { account: ACCOUNT, region: regionOf(stack), repository: REPOSITORY };
}

/** The documents, wrapped in the resources that would carry them (aws.iam.Role / Policy / RolePolicyAttachment). */
export function roleResources(docs: Record<string, PolicyDocument>, roles: { preview?: boolean; deploy?: boolean; smoke?: boolean } = { preview: true, deploy: true, smoke: true }): ResourceRecord[] {
    const rec = (type: string, name: string, inputs: Record<string, unknown>): ResourceRecord => ({
        type,
        name,
        urn: `urn:pulumi:ci::${PROJECT}::${type}::${name}`,
        inputs,
        state: { ...inputs, id: name, arn: type === "aws:iam/role:Role" ? `arn:aws:iam::${ACCOUNT}:role/${inputs.name}` : `arn:aws:iam::${ACCOUNT}:policy/${name}` },
    });
    const attach = (role: string, policy: string) => rec("aws:iam/rolePolicyAttachment:RolePolicyAttachment", `${role}-${policy}`, { role, policyArn: `arn:aws:iam::${ACCOUNT}:policy/${policy}` });
    const out: ResourceRecord[] = [rec("aws:iam/policy:Policy", "preview-policy", { policy: JSON.stringify(docs["preview-policy.json"]) })];
    if (roles.preview) {
        out.push(rec("aws:iam/role:Role", "preview-role", { name: CI_ROLE_NAMES.preview, assumeRolePolicy: JSON.stringify(docs["preview-trust-policy.json"]) }));
        out.push(attach(CI_ROLE_NAMES.preview, "preview-policy"));
    }
    if (roles.smoke) {
        out.push(rec("aws:iam/role:Role", "smoke-role", { name: CI_ROLE_NAMES.smoke, assumeRolePolicy: JSON.stringify(docs["smoke-trust-policy.json"]) }));
        out.push(rec("aws:iam/policy:Policy", "smoke-policy", { policy: JSON.stringify(docs["smoke-policy.json"]) }));
        out.push(attach(CI_ROLE_NAMES.smoke, "smoke-policy"));
    }
    if (roles.deploy) {
        out.push(rec("aws:iam/role:Role", "deploy-role", { name: CI_ROLE_NAMES.deploy, assumeRolePolicy: JSON.stringify(docs["trust-policy.json"]) }));
        for (const p of ["preview-policy", "deploy-compute-policy", "deploy-pipeline-policy"]) {
            if (p !== "preview-policy") {
                out.push(rec("aws:iam/policy:Policy", p, { policy: JSON.stringify(docs[`${p}.json`]) }));
            }
            out.push(attach(CI_ROLE_NAMES.deploy, p));
        }
    }
    return out;
}

export function packsWith(config?: PolicyPackConfig): PolicyPackSpec[] {
    return PACKS.map((p) => (p.name === "least-privilege-iam" && config ? { ...p, config } : p));
}

export function describeFindings(findings: Finding[]): string[] {
    return findings.map((f) => `${f.enforcementLevel} ${f.policy} ${f.resourceName}: ${f.message}`);
}

export function readTemplate(file: string): PolicyDocument {
    return JSON.parse(fs.readFileSync(path.join(ROLE_DIR, file), "utf8")) as PolicyDocument;
}

/** The documents as shipped (with placeholders), by file name. */
export function templates(): Record<string, PolicyDocument> {
    return Object.fromEntries(Object.keys(documents(PLACEHOLDERS)).map((f) => [f, readTemplate(f)]));
}

/** Nothing at all: the generator then writes only what needs no resource of the program. */
export const EMPTY_SCOPE: ProgramScope = {
    buckets: [],
    repositories: [],
    clusters: [],
    taskFamilies: [],
    services: [],
    roles: [],
    queues: [],
    topics: [],
    rules: [],
    schedules: [],
    alarms: [],
    dashboards: [],
    logGroups: [],
    functions: [],
    secrets: [],
    vpc: false,
    kmsKeys: false,
    queryDefinitions: false,
};

/** The pack config the deploy role's documents are evaluated with. */
export const DEPLOY_PACK_CONFIG = DEPLOY_POLICY_PACK_CONFIG as unknown as PolicyPackConfig;
/** The pack config the smoke-check role's document is evaluated with. */
export const SMOKE_PACK_CONFIG = SMOKE_POLICY_PACK_CONFIG as unknown as PolicyPackConfig;
