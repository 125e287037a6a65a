/**
 * Pulumi mocks that record each resource (type, name, inputs, URN) and return the computed
 * attributes (id, arn, name, url…) the AWS provider would, so a program runs as in a preview of a
 * stack whose resources exist. Used by the offline policy runner and by the tests.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { getMonitor } from "@pulumi/pulumi/runtime/settings";
import { createHash } from "crypto";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { SourceLocation } from "./engine";
import { PolicyDocumentArgs, renderPolicyDocument } from "./policy-document";
import { SourceTracker } from "./source";

export const ACCOUNT = "123456789012";
export const PROJECT = "s3-fargate-pipeline";
/** This repository, when the runner runs from its sources here. */
const REPOSITORY = path.resolve(__dirname, "..", "..");
/**
 * Where the runner works: this repository; or, run from the published package
 * (@s3-fargate-pipeline/policy-packs, where there is no policy/offline above it), the folder it is run from.
 */
export const ROOT = fs.existsSync(path.join(REPOSITORY, "policy", "offline")) ? REPOSITORY : process.cwd();

export interface Recorded {
    type: string;
    name: string;
    /** Inputs as the engine received them (outputs resolved). */
    inputs: Record<string, any>;
    /** Outputs the mock returned. */
    state: Record<string, any>;
    /** URN, whose type part holds the parent chain (`Parent$Child`). */
    urn: string;
    /** The program line that declared it (the first frame outside node_modules when it was constructed). */
    source?: SourceLocation;
}

type State = Record<string, any>;

/** Computed attributes per resource type; anything else gets an id and a generic ARN. */
function computed(type: string, name: string, inputs: State, region: string): State {
    const arn = (service: string, resource: string) => `arn:aws:${service}:${region}:${ACCOUNT}:${resource}`;
    switch (type) {
        case "aws:s3/bucket:Bucket": {
            const bucket = inputs.bucket ?? `${name}-a1b2c3d`;
            return { id: bucket, bucket, arn: `arn:aws:s3:::${bucket}` };
        }
        case "aws:iam/role:Role": {
            const roleName = inputs.name ?? `${name}-r1`;
            return { id: roleName, name: roleName, arn: `arn:aws:iam::${ACCOUNT}:role/${roleName}` };
        }
        case "aws:ecs/cluster:Cluster": {
            const clusterName = inputs.name ?? `${name}-c1`;
            return { id: arn("ecs", `cluster/${clusterName}`), name: clusterName, arn: arn("ecs", `cluster/${clusterName}`) };
        }
        case "aws:ecs/taskDefinition:TaskDefinition":
            return { id: inputs.family, revision: 1, arn: arn("ecs", `task-definition/${inputs.family}:1`) };
        case "aws:cloudwatch/logGroup:LogGroup": {
            const groupName = inputs.name ?? `${name}-l1`;
            return { id: groupName, name: groupName, arn: arn("logs", `log-group:${groupName}`) };
        }
        case "aws:sqs/queue:Queue": {
            const queueName = inputs.name ?? `${name}-q1`;
            return {
                id: `https://sqs.${region}.amazonaws.com/${ACCOUNT}/${queueName}`,
                name: queueName,
                url: `https://sqs.${region}.amazonaws.com/${ACCOUNT}/${queueName}`,
                arn: arn("sqs", queueName),
            };
        }
        case "aws:cloudwatch/eventRule:EventRule": {
            const ruleName = inputs.name ?? `${name}-e1`;
            return { id: ruleName, name: ruleName, arn: arn("events", `rule/${ruleName}`) };
        }
        case "aws:ecr/repository:Repository": {
            const repo = inputs.name ?? `${name}-p1`;
            return {
                id: repo,
                name: repo,
                arn: arn("ecr", `repository/${repo}`),
                registryId: ACCOUNT,
                repositoryUrl: `${ACCOUNT}.dkr.ecr.${region}.amazonaws.com/${repo}`,
            };
        }
        case "aws:sns/topic:Topic": {
            const topicName = inputs.name ?? `${name}-t1`;
            return { id: arn("sns", topicName), name: topicName, arn: arn("sns", topicName) };
        }
        case "aws:iam/policy:Policy": {
            const policyName = inputs.name ?? `${name}-p1`;
            const policyArn = `arn:aws:iam::${ACCOUNT}:policy${inputs.path ?? "/"}${policyName}`;
            return { id: policyArn, name: policyName, arn: policyArn, path: inputs.path ?? "/" };
        }
        case "aws:iam/user:User":
        case "aws:iam/group:Group": {
            const principalName = inputs.name ?? `${name}-u1`;
            const kind = type === "aws:iam/user:User" ? "user" : "group";
            return { id: principalName, name: principalName, arn: `arn:aws:iam::${ACCOUNT}:${kind}${inputs.path ?? "/"}${principalName}` };
        }
        case "aws:eks/cluster:Cluster": {
            const clusterName = inputs.name ?? `${name}-k1`;
            return { id: clusterName, name: clusterName, arn: arn("eks", `cluster/${clusterName}`) };
        }
        case "aws:lambda/function:Function": {
            const functionName = inputs.name ?? `${name}-f1`;
            return { id: functionName, name: functionName, arn: arn("lambda", `function:${functionName}`) };
        }
        case "docker-build:index:Image": {
            // The registry's digest: a function of what was built, here the (content-derived) tags without the repository, and the platforms.
            const built = ((inputs.tags ?? []) as string[]).map((t) => t.slice(t.lastIndexOf(":") + 1));
            const digest = `sha256:${createHash("sha256").update(JSON.stringify([built, inputs.platforms])).digest("hex")}`;
            const tag = (inputs.tags ?? [])[0] as string | undefined;
            return { id: `${name}-id`, digest, ref: tag === undefined ? "" : `${tag}@${digest}`, contextHash: "" };
        }
        default:
            return { id: `${name}-id`, arn: arn(type.split(":")[1]?.split("/")[0] ?? "unknown", name) };
    }
}

/** The VPC existing subnets and security groups belong to unless a test says otherwise. */
export const DEFAULT_VPC = "vpc-0123456789abcdef0";

/** Records every resource; answers the data-source calls the program makes. */
export class Recorder implements pulumi.runtime.Mocks {
    private readonly records: Omit<Recorded, "urn">[] = [];
    /** Where each resource was constructed, when the recorder tracks sources. */
    sources?: SourceTracker;

    /**
     * @param vpcOf the VPC of existing subnets and security groups, by ID, for the lookups the program makes;
     *   IDs not listed belong to DEFAULT_VPC.
     */
    constructor(
        private readonly region = "eu-west-1",
        private readonly vpcOf: Record<string, string> = {},
    ) {}

    newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        const inputs = this.withReferencesAsIds(args.inputs) as State;
        const extra = computed(args.type, args.name, inputs, this.region);
        const state = { ...inputs, ...extra };
        this.records.push({ type: args.type, name: args.name, inputs, state, source: this.sources?.of(args.type, args.name) });
        return { id: extra.id ?? `${args.name}-id`, state };
    }

    /**
     * Inputs with every resource reference replaced by the resource's ID, as the provider receives
     * them (`function: fn` reaches a Lambda permission as the function's name). The inputs are not changed.
     */
    private withReferencesAsIds(value: unknown): unknown {
        if (pulumi.Resource.isInstance(value)) {
            const ref = value as unknown as { __pulumiType: string; __name: string };
            const record = this.records.find((r) => r.type === ref.__pulumiType && r.name === ref.__name);
            return record ? (record.state.id ?? `${record.name}-id`) : ref.__name;
        }
        if (Array.isArray(value)) {
            return value.map((v) => this.withReferencesAsIds(v));
        }
        if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
            return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.withReferencesAsIds(v)]));
        }
        return value;
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        switch (args.token) {
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/test`, userId: "AIDATEST", id: ACCOUNT };
            case "aws:index/getRegion:getRegion":
                return { region: this.region, name: this.region, id: this.region, endpoint: `ec2.${this.region}.amazonaws.com` };
            case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
                return { id: this.region, userName: "AWS", password: "mock-ecr-token", authorizationToken: "QVdTOm1vY2stZWNyLXRva2Vu", proxyEndpoint: `https://${ACCOUNT}.dkr.ecr.${this.region}.amazonaws.com`, expiresAt: "2099-01-01T00:00:00Z" };
            case "aws:index/getPartition:getPartition":
                return { partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: "aws" };
            case "aws:iam/getPolicyDocument:getPolicyDocument":
                return renderPolicyDocument(args.inputs as PolicyDocumentArgs);
            case "aws:index/getAvailabilityZones:getAvailabilityZones":
                return { names: ["a", "b", "c"].map((z) => `${this.region}${z}`), zoneIds: ["z1", "z2", "z3"], id: this.region };
            case "aws:ec2/getSubnet:getSubnet":
            case "aws:ec2/getSecurityGroup:getSecurityGroup":
                return { id: args.inputs.id, vpcId: this.vpcOf[args.inputs.id] ?? DEFAULT_VPC };
            default:
                throw new Error(`mock: no answer for call ${args.token}`);
        }
    }

    /** Every resource registered so far, with its URN. Call `settle()` first. */
    all(): Recorded[] {
        const monitor = getMonitor() as unknown as MockMonitor;
        const urns = [...monitor.resources.keys()];
        return this.records.map((r) => {
            const urn = urns.find((u) => u.endsWith(`::${r.name}`) && u.split("::")[2].split("$").pop() === r.type);
            return { ...r, urn: urn ?? "" };
        });
    }

    ofType(type: string): Recorded[] {
        return this.all().filter((r) => r.type === type);
    }

    /** The one resource of a type (and name), failing loudly if there is not exactly one. */
    one(type: string, name?: string): Recorded {
        const found = this.ofType(type).filter((r) => name === undefined || r.name === name);
        if (found.length !== 1) {
            throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`);
        }
        return found[0];
    }
}

/** Installs fresh mocks (and optionally stack config) and returns the recorder. */
export async function useMocks(
    options: { stack?: string; project?: string; config?: Record<string, string>; secretKeys?: string[]; region?: string; vpcOf?: Record<string, string> } = {},
): Promise<Recorder> {
    const region = options.region ?? options.config?.["aws:region"] ?? "eu-west-1";
    pulumi.runtime.setAllConfig(options.config ?? {}, options.secretKeys);
    const recorder = new Recorder(region, options.vpcOf);
    await pulumi.runtime.setMocks(recorder, options.project ?? PROJECT, options.stack ?? "test", true);
    return recorder;
}

// Waits until every outstanding registration has reached the mock monitor.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs: () => Promise<void> };

/** Resolves when every resource created so far has been registered. */
export async function settle(): Promise<void> {
    await waitForRPCs();
}

/** An output's value as a promise (so assertions run in the test, not inside `apply`). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((v) => resolve(v)));
}

/** What `secure:` values of a stack file stand for offline: the stack's secrets provider is not here to decrypt them. */
export const SECRET_STAND_IN = "[secret]";

/**
 * A stack's config from `Pulumi.<stack>.yaml`, in the form `setAllConfig` takes: structured values
 * are JSON, scalars their string form — as the CLI passes them to the program. `secure:` values become
 * SECRET_STAND_IN and are listed in `secretKeys`.
 */
export function readStackFile(stack: string, dir: string = ROOT): { config: Record<string, string>; secretKeys: string[] } {
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    const doc = yaml.load(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> };
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries(doc.config ?? {})) {
        if (value !== null && typeof value === "object" && Object.keys(value).join() === "secure") {
            config[key] = SECRET_STAND_IN;
            secretKeys.push(key);
        } else {
            config[key] = typeof value === "object" ? JSON.stringify(value) : String(value);
        }
    }
    return { config, secretKeys };
}

/** The stacks that have a `Pulumi.<stack>.yaml` in a directory, sorted. */
export function stacksIn(dir: string): string[] {
    return fs
        .readdirSync(dir)
        .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/** The project name of the Pulumi.yaml in a directory, if there is one. */
export function projectIn(dir: string): string | undefined {
    const file = ["Pulumi.yaml", "Pulumi.yml"].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
    const doc = file ? (yaml.load(fs.readFileSync(file, "utf8")) as { name?: unknown } | undefined) : undefined;
    return typeof doc?.name === "string" ? doc.name : undefined;
}

/** A stack's config (see readStackFile). */
export function stackConfig(stack: string): Record<string, string> {
    return readStackFile(stack).config;
}
