/**
 * The resource URNs of this repository's stack under mocks, and the check that an upgrade keeps them.
 *
 * A URN is a resource's identity in a user's stack: when it changes, `pulumi up` deletes the resource and
 * creates a new one (a new bucket, without the old one's objects) unless the new resource lists the old
 * URN among its `aliases`. `tests/fixtures/release-urns.json` holds the URNs of the last release for each
 * stack below; tests/release-urns.test.ts fails when one of them is neither there any more nor aliased.
 *
 *   npm run urns:record     # after a release: record its URNs as the new baseline
 */
import * as fs from "fs";
import * as path from "path";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { PROJECT, ROOT, readStackFile } from "../policy/offline/mocks";
import { runProgram } from "../policy/offline/program";

/** Where the last release's URNs are kept. */
export const RELEASE_URNS_FILE = path.join(ROOT, "tests", "fixtures", "release-urns.json");

/** A stack whose URNs are kept: its name, the stack file it starts from, the settings added, and which of them are secret. */
export interface UrnStack {
    stack: string;
    base: string;
    extra: Record<string, unknown>;
    secretKeys?: string[];
}

/** dev with the Kubernetes pattern on an existing EKS cluster: an Indexed Job of 4 shards and a nightly CronJob. */
export const KUBERNETES_ON_EXISTING_CLUSTER: UrnStack = {
    stack: "kubernetes",
    base: "dev",
    extra: {
        kubernetes: {
            cluster: {
                existing: {
                    oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC",
                    oidcProviderUrl: "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC",
                },
            },
            job: { shards: 4 },
            cronJob: { schedule: "0 2 * * *", timeZone: "Europe/Berlin" },
        },
        kubeconfig: "apiVersion: v1\nkind: Config\n",
    },
    secretKeys: ["kubeconfig"],
};

/**
 * The stacks whose URNs are kept: the two stack files, and dev with each optional pattern switched on
 * (the Lambda trigger with the Slack notifier, so both Lambda functions are there).
 */
export const URN_STACKS: readonly UrnStack[] = [
    { stack: "dev", base: "dev", extra: {} },
    { stack: "prod", base: "prod", extra: {} },
    {
        stack: "lambda",
        base: "dev",
        extra: { trigger: "lambda", slackWebhookUrl: "https://hooks.slack.com/services/T000/B000/XXXX", slackChannelLabel: "#alerts" },
        secretKeys: ["slackWebhookUrl"],
    },
    { stack: "queue", base: "dev", extra: { trigger: "queue", queueWorker: { maxTasks: 4 } } },
    { stack: "scheduled", base: "dev", extra: { trigger: "none", schedule: { scheduleExpression: "cron(0 3 * * ? *)" } } },
    KUBERNETES_ON_EXISTING_CLUSTER,
];

/** The file's shape: the release the URNs were taken from, and the sorted URNs of each stack. */
export interface ReleaseUrns {
    release: string;
    stacks: Record<string, string[]>;
}

/** A resource as the engine would identify it: its URN and the URNs its aliases stand for. */
export interface Identified {
    urn: string;
    aliases: string[];
}

/** The parts of a registration request the URN of a resource and of its aliases come from. */
export interface Registration {
    getType(): string;
    getName(): string;
    getParent(): string;
    getAliasesList(): {
        hasUrn(): boolean;
        getUrn(): string;
        getSpec(): { getName(): string; getType(): string; getStack(): string; getProject(): string; hasParenturn(): boolean; getParenturn(): string; getNoparent(): boolean } | undefined;
    }[];
}

/** `urn:pulumi:<stack>::<project>::<parent types$><type>::<name>`, as the engine builds it. */
export function urnOf(stack: string, project: string, type: string, name: string, parentUrn?: string): string {
    const qualified = parentUrn ? `${parentUrn.split("::")[2]}$${type}` : type;
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/**
 * The URN a resource has in a real stack and the URNs it answers to through its aliases.
 *
 * The URN's type part is the types of all its ancestors and its own (`A$B$aws:…`), as the engine builds
 * it; Pulumi's MockMonitor puts only the parent's own type there, so the URN is built here from the
 * parent's (`known` holds every resource registered so far by the URN the mock gave it, which is what a
 * child's request names as its parent). An alias given as a spec takes the resource's stack, project,
 * type, name and parent where it leaves them out, and a child answers to each URN its parent answers to
 * (the engine gives children their parent's aliases), as
 * https://www.pulumi.com/docs/iac/concepts/resources/options/aliases/ describes.
 */
export function identify(req: Registration, mockUrn: string, known: ReadonlyMap<string, Identified>): Identified {
    const stack = mockUrn.split(":")[2];
    const project = mockUrn.split("::")[1];
    const parent = req.getParent() ? known.get(req.getParent()) : undefined;
    if (req.getParent() && parent === undefined) {
        throw new Error(`${req.getType()} ${req.getName()}: its parent ${req.getParent()} was not registered before it`);
    }
    const urn = urnOf(stack, project, req.getType(), req.getName(), parent?.urn);
    const parentAnswersTo = parent ? [parent.urn, ...parent.aliases] : [undefined];
    const aliases = new Set<string>();
    // Under a parent's alias the resource keeps its own type and name.
    for (const p of parentAnswersTo.slice(1)) {
        aliases.add(urnOf(stack, project, req.getType(), req.getName(), p));
    }
    for (const alias of req.getAliasesList()) {
        if (alias.hasUrn()) {
            aliases.add(alias.getUrn());
            continue;
        }
        const spec = alias.getSpec();
        if (!spec) {
            continue;
        }
        const parents = spec.hasParenturn() ? [spec.getParenturn()] : spec.getNoparent() ? [undefined] : parentAnswersTo;
        for (const p of parents) {
            aliases.add(urnOf(spec.getStack() || stack, spec.getProject() || project, spec.getType() || req.getType(), spec.getName() || req.getName(), p));
        }
    }
    aliases.delete(urn);
    return { urn, aliases: [...aliases].sort() };
}

/** A stack's config and secret keys in `setAllConfig` form: its base stack file with the extra settings. */
export function urnStackConfig(spec: UrnStack): { config: Record<string, string>; secretKeys: string[] } {
    const base = readStackFile(spec.base);
    const config: Record<string, string> = { ...base.config };
    for (const [key, value] of Object.entries(spec.extra)) {
        config[`${PROJECT}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return { config, secretKeys: [...base.secretKeys, ...(spec.secretKeys ?? []).map((k) => `${PROJECT}:${k}`)] };
}

/** Runs index.ts under mocks for one of URN_STACKS and returns every resource with the URNs it answers to, by URN. */
export async function identifiedResources(spec: UrnStack): Promise<Identified[]> {
    const { config, secretKeys } = urnStackConfig(spec);
    const known = new Map<string, Identified>();
    // Every registration passes through the mock monitor; its answer carries the URN.
    type Register = (this: MockMonitor, req: Registration, cb: (err: unknown, res: { getUrn(): string } | undefined) => void) => Promise<void>;
    const prototype = MockMonitor.prototype as unknown as { registerResource: Register };
    const register = prototype.registerResource;
    prototype.registerResource = function (req, cb) {
        return register.call(this, req, (err, res) => {
            if (res) {
                known.set(res.getUrn(), identify(req, res.getUrn(), known));
            }
            cb(err, res);
        });
    };
    try {
        await runProgram({ stack: spec.stack, config, secretKeys });
    } finally {
        prototype.registerResource = register;
    }
    return [...known.values()].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
}

/**
 * The URNs of a previous release that an upgrade would replace: those no resource has now, neither as its
 * URN nor among its aliases. Empty when the upgrade keeps every resource.
 */
export function replacedUrns(previous: readonly string[], now: readonly Identified[]): string[] {
    const answered = new Set(now.flatMap((r) => [r.urn, ...r.aliases]));
    return previous.filter((urn) => !answered.has(urn));
}

/** The URNs of every stack in URN_STACKS now, as the file keeps them. */
export async function currentUrns(release: string): Promise<ReleaseUrns> {
    const stacks: Record<string, string[]> = {};
    for (const spec of URN_STACKS) {
        stacks[spec.stack] = (await identifiedResources(spec)).map((r) => r.urn);
    }
    return { release, stacks };
}

if (require.main === module) {
    const release = process.argv[2];
    if (!release || !/^\d+\.\d+\.\d+$/.test(release)) {
        console.error("usage: npm run urns:record -- <released version, e.g. 0.2.0>");
        process.exit(2);
    }
    currentUrns(release).then(
        (urns) => {
            fs.writeFileSync(RELEASE_URNS_FILE, `${JSON.stringify(urns, null, 2)}\n`);
            const counts = Object.entries(urns.stacks).map(([s, u]) => `${s} ${u.length}`);
            console.log(`${path.relative(process.cwd(), RELEASE_URNS_FILE)}: ${release}: ${counts.join(", ")}`);
        },
        (e: unknown) => {
            console.error(e instanceof Error ? e.message : e);
            process.exit(1);
        },
    );
}
