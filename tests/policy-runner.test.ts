import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pathToFileURL } from "url";
import { ResourceValidationPolicy } from "@pulumi/policy";
import * as pulumi from "@pulumi/pulumi";
import { LOG_RETENTION_DAYS } from "@s3-fargate-pipeline/policy-lib";
import { assertSchemasSupported, evaluatePacks, hasMandatory, resolveConfig } from "../policy/offline/engine";
import { renderPolicyDocument } from "../policy/offline/policy-document";
import { runProgram } from "../policy/offline/program";
import { formatText, toSarif } from "../policy/offline/report";
import { UsageError, parseOptions, runPolicies } from "../policy/offline/run";
import { PACKS } from "../policy/packs";
import { ACCOUNT, ROOT, valueOf } from "./mocks";
import { TS_REGISTER } from "./support/ts-process";

const INSECURE = path.join(ROOT, "tests/fixtures/insecure-stack/index.ts");

/** Every finding the insecure stack must produce: [level, rule, resource, message], in report order. */
const EXPECTED_INSECURE_FINDINGS: [string, string, string, string][] = [
    ["mandatory", "iam-no-wildcard-actions", "star-policy", "policy statement 0 allows \"*\"."],
    ["mandatory", "iam-no-wildcard-resource", "star-policy", "policy statement 0 grants * (15349 scopable actions, e.g. a4b:AssociateContactWithAddressBook) on \"*\"; they support resource-level scoping."],
    ["mandatory", "iam-no-wildcard-resource", "passrole-policy", "policy statement \"PassAnything\" grants iam:PassRole on \"*\"; it supports resource-level scoping."],
    ["mandatory", "iam-no-wildcard-resource", "passrole-policy", "policy statement \"ReadAll\" grants s3:Get* (61 scopable actions, e.g. s3:GetAccelerateConfiguration) on \"*\"; they support resource-level scoping."],
    ["mandatory", "iam-no-wildcard-resource", "target-policy", "policy statement \"RunAny\" grants ecs:RunTask on \"*\"; it supports resource-level scoping."],
    ["mandatory", "iam-no-unknown-actions", "passrole-policy", "policy statement \"Typo\" names \"s3:GetObjet\", which matches no action AWS defines."],
    ["mandatory", "iam-pass-role-scoped", "star-policy", "policy statement 0 allows iam:PassRole on \"*\", which is any role."],
    ["mandatory", "iam-pass-role-scoped", "star-policy", "policy statement 0 allows iam:PassRole without an iam:PassedToService condition."],
    ["mandatory", "iam-pass-role-scoped", "passrole-policy", "policy statement \"PassAnything\" allows iam:PassRole on \"*\", which is any role."],
    ["mandatory", "iam-pass-role-scoped", "passrole-policy", "policy statement \"PassAnything\" allows iam:PassRole without an iam:PassedToService condition."],
    ["mandatory", "iam-no-not-action-not-resource", "passrole-policy", "policy statement \"AllButIam\" is an Allow with NotAction."],
    ["mandatory", "iam-no-admin-managed-policies", "deployer-admin", "attaches the AWS managed policy AdministratorAccess (arn:aws:iam::aws:policy/AdministratorAccess)."],
    ["mandatory", "iam-no-privilege-escalation", "star-policy", "policy grants iam:CreatePolicyVersion, iam:SetDefaultPolicyVersion, iam:AttachUserPolicy, iam:AttachGroupPolicy and 10 more, which let a principal raise its own privileges."],
    ["mandatory", "iam-no-privilege-escalation", "star-policy", "policy grants iam:PassRole on any role together with lambda:CreateFunction + lambda:InvokeFunction; lambda:CreateFunction + lambda:CreateEventSourceMapping; ec2:RunInstances; cloudformation:CreateStack; glue:CreateDevEndpoint; datapipeline:CreatePipeline; ecs:RegisterTaskDefinition + ecs:RunTask."],
    ["mandatory", "iam-no-privilege-escalation", "passrole-policy", "policy grants iam:PassRole on any role together with lambda:CreateFunction + lambda:InvokeFunction."],
    ["mandatory", "iam-trust-policy-specific-principal", "wide-role", "assumeRolePolicy statement 0 trusts every principal (\"*\"), and no condition limits it to an organization, account or source."],
    ["mandatory", "iam-trust-policy-specific-principal", "deployer-role", "assumeRolePolicy statement 0 trusts everyone through Principal \"arn:aws:iam::*:root\" (any account), and no condition limits it to an organization, account or source."],
    ["mandatory", "resource-policy-no-public-access", "open-queue-policy", "policy statement 0 allows everyone (Principal {\"AWS\": \"*\"}) to sqs:SendMessage; no condition limits the caller."],
    ["mandatory", "resource-policy-no-public-access", "open-bucket-policy", "policy statement 0 allows everyone (Principal \"*\") to s3:GetObject; no condition limits the caller."],
    ["mandatory", "ecs-distinct-execution-and-task-roles", "insecure-task", "uses arn:aws:iam::123456789012:role/shared-ecs-role-r1 as both execution role and task role."],
    ["mandatory", "eventbridge-target-role-scoped", "target-role", "role target-role of target insecure-target grants ecs:RunTask on * (only insecure-task may run)."],
    ["mandatory", "eventbridge-target-role-scoped", "target-role", "role target-role of target insecure-target grants iam:PassRole on arn:aws:iam::123456789012:role/other-role (only the task's execution and task roles)."],
    ["mandatory", "iam-role-policy-styles-consistent", "fn-role", "role fn-role has inlinePolicies and RolePolicy resources; they overwrite each other."],
    ["mandatory", "log-group-retention", "forever-logs", "has no retentionInDays, so its logs never expire."],
    ["mandatory", "log-group-retention", "odd-logs", "retentionInDays 10 is not a value CloudWatch accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."],
    ["advisory", "log-group-kms-encryption", "forever-logs", "is not encrypted with a customer managed KMS key."],
    ["advisory", "log-group-kms-encryption", "odd-logs", "is not encrypted with a customer managed KMS key."],
    ["mandatory", "lambda-log-group-managed", "unmanaged-fn", "function unmanaged-fn logs to /aws/lambda/unmanaged-fn, which is not a log group in this stack."],
    ["mandatory", "ecs-awslogs-managed-group", "insecure-task", "container app of insecure-task sets awslogs-create-group."],
    ["mandatory", "ecs-awslogs-managed-group", "insecure-task", "container app of insecure-task logs to /ecs/self-made, which is not a log group in this stack."],
];

/** Runs `npm run policy` the way a user does, without npm: the same entry (loaded as the tests load TypeScript). */
function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [...TS_REGISTER, path.join(ROOT, "policy/offline/run.ts"), ...args], {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 120000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("offline policy runner", function () {
    this.timeout(120000);

    it("finds zero mandatory violations in the project's own dev and prod stacks", async () => {
        const results = await runPolicies(parseOptions([]));
        assert.deepEqual(results.map((r) => r.stack), ["dev", "prod"]);
        for (const r of results) {
            assert.deepEqual(r.findings.filter((f) => f.enforcementLevel === "mandatory"), [], `${r.stack}:\n${formatText([r])}`);
        }
    });

    it("flags exactly the expected findings in the deliberately insecure stack", async () => {
        const [result] = await runPolicies(parseOptions(["--program", INSECURE, "--stack", "insecure"]));
        assert.deepEqual(
            result.findings.map((f) => [f.enforcementLevel, f.policy, f.resourceName, f.message]),
            EXPECTED_INSECURE_FINDINGS,
        );
    });

    it("flags the insecure stack's mandatory violations and writes JSON and SARIF, exiting 1", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-"));
        try {
            const json = path.join(dir, "out", "report.json");
            const sarif = path.join(dir, "out", "report.sarif");
            const r = cli(["--program", INSECURE, "--stack", "insecure", "--json", json, "--sarif", sarif]);
            assert.equal(r.status, 1, r.stderr);
            assert.match(r.stdout, /MANDATORY {2}iam-pass-role-scoped/);
            assert.match(r.stdout, /how to fix: /);
            const report = JSON.parse(fs.readFileSync(json, "utf8"));
            assert.equal(report.stacks[0].stack, "insecure");
            const log = JSON.parse(fs.readFileSync(sarif, "utf8"));
            assert.equal(log.version, "2.1.0");
            assert.equal(log.runs[0].results.length, report.stacks[0].findings.length);
            assert.deepEqual(fs.readdirSync(path.join(dir, "out")).sort(), ["report.json", "report.sarif"]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("exits 0 on the project's stacks", () => {
        const r = cli(["--stack", "dev"]);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /^dev: 0 mandatory, \d+ advisory$/m);
    });

    it("rejects bad usage with exit 2 and a message naming what is allowed", () => {
        const r = cli(["--stak", "dev"]);
        assert.equal(r.status, 2);
        assert.match(r.stderr, /^usage: .*--stak.*; allowed: --stack NAME, --program FILE, --policy-pack-config PACK=FILE, --json FILE, --sarif FILE/);
        assert.throws(() => parseOptions(["--policy-pack-config", "nope=x.json"]), {
            message: '--policy-pack-config: "nope=x.json" is not PACK=FILE with PACK one of least-privilege-iam, log-retention',
        });
        assert.throws(() => parseOptions(["--program", "missing.ts"]), UsageError);
        assert.throws(() => parseOptions(["--stack", "a b"]), { message: '--stack: "a b" is not a stack name; use letters, digits, "-", "_" and "."' });
    });

    it("applies a --policy-pack-config file: a disabled rule reports nothing, an advisory one does not fail", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-config-"));
        const file = path.join(dir, "logs.json");
        fs.writeFileSync(file, JSON.stringify({ "log-group-retention": "disabled", "lambda-log-group-managed": { enforcementLevel: "advisory" } }));
        const [result] = await runPolicies(parseOptions(["--program", INSECURE, "--stack", "insecure", "--policy-pack-config", `log-retention=${file}`])).finally(() =>
            fs.rmSync(dir, { recursive: true, force: true }),
        );
        const logFindings = result.findings.filter((f) => f.pack === "log-retention");
        assert.ok(!logFindings.some((f) => f.policy === "log-group-retention"));
        assert.deepEqual(logFindings.filter((f) => f.policy === "lambda-log-group-managed").map((f) => f.enforcementLevel), ["advisory"]);
        assert.ok(hasMandatory(result.findings));
    });

    it("SARIF names every rule once, maps mandatory to error and advisory to warning, and locates results in the program", () => {
        const finding = (level: "mandatory" | "advisory", policy: string) => ({
            pack: "p",
            policy,
            enforcementLevel: level,
            severity: "high" as const,
            description: "d",
            message: "m",
            urn: "urn:pulumi:dev::proj::aws:iam/role:Role::r",
            resourceName: "r",
            resourceType: "aws:iam/role:Role",
        });
        const log = toSarif(
            [{ stack: "dev", program: "index.ts", findings: [finding("mandatory", "iam-no-wildcard-actions"), finding("advisory", "log-group-kms-encryption")] }],
            [...PACKS],
            "0.1.0",
        ) as any;
        const ids = log.runs[0].tool.driver.rules.map((r: any) => r.id);
        assert.equal(new Set(ids).size, ids.length);
        assert.deepEqual(ids, PACKS.flatMap((p) => p.policies.map((x) => x.name)));
        assert.deepEqual(log.runs[0].results.map((r: any) => [r.ruleId, r.level, ids[r.ruleIndex]]), [
            ["iam-no-wildcard-actions", "error", "iam-no-wildcard-actions"],
            ["log-group-kms-encryption", "warning", "log-group-kms-encryption"],
        ]);
        assert.deepEqual(log.runs[0].results[0].locations[0].physicalLocation.artifactLocation, { uri: "index.ts" });
        assert.equal(log.runs[0].results[0].message.text, "[dev] r: m");
        assert.equal(log.runs[0].tool.driver.rules[0].properties["security-severity"], "8.0");
    });
});

/** A temporary folder outside the repository, removed after the test. */
function outside(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-program-"));
    for (const [name, content] of Object.entries(files)) {
        fs.writeFileSync(path.join(dir, name), content);
    }
    return dir;
}

function configFile(content: unknown): { file: string; dir: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-config-"));
    const file = path.join(dir, "pack.json");
    fs.writeFileSync(file, JSON.stringify(content));
    return { file, dir };
}

describe("offline policy runner: pack config is checked as the engine checks it, and fails closed", function () {
    this.timeout(120000);
    const dirs: string[] = [];
    after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
    const withConfig = (pack: string, content: unknown): string[] => {
        const { file, dir } = configFile(content);
        dirs.push(dir);
        return ["--program", INSECURE, "--stack", "insecure", "--policy-pack-config", `${pack}=${file}`];
    };

    const REJECTED: [string, unknown, string][] = [
        ["log-retention", { "log-group-retention": "manditory" }, 'log-retention config: "log-group-retention": enforcementLevel "manditory" is not an enforcement level; use one of advisory, mandatory, remediate, disabled'],
        ["log-retention", { "log-group-retention": { enforcementLevel: "Mandatory" } }, 'log-retention config: "log-group-retention": enforcementLevel "Mandatory" is not an enforcement level; use one of advisory, mandatory, remediate, disabled'],
        ["log-retention", { all: "strict" }, 'log-retention config: "all": enforcementLevel "strict" is not an enforcement level; use one of advisory, mandatory, remediate, disabled'],
        ["log-retention", { "log-group-retention": { maxDays: "abc" } }, 'log-retention config: "log-group-retention".maxDays: "abc" is not an integer'],
        ["log-retention", { "log-group-retention": { minDays: 7.5 } }, 'log-retention config: "log-group-retention".minDays: 7.5 is not an integer'],
        ["log-retention", { "log-group-retention": { allowNeverExpire: "yes" } }, 'log-retention config: "log-group-retention".allowNeverExpire: "yes" is not a boolean'],
        ["log-retention", { "log-group-retention": { maxDay: 90 } }, 'log-retention config: "log-group-retention": maxDay is not a setting of this rule; settings: minDays, maxDays, allowNeverExpire'],
        ["log-retention", { "log-group-kms-encryption": { keyArn: "x" } }, 'log-retention config: "log-group-kms-encryption": keyArn is not a setting of this rule; it takes none'],
        ["log-retention", { "log-group-retension": "disabled" }, 'log-retention config: "log-group-retension" is not a rule of this pack; use "all" or one of log-group-retention, log-group-kms-encryption, lambda-log-group-managed, ecs-awslogs-managed-group, eks-control-plane-log-group-managed'],
        ["log-retention", { all: { enforcementLevel: "advisory", minDays: 5 } }, 'log-retention config: "all" takes only enforcementLevel, not minDays'],
        ["least-privilege-iam", { "iam-no-wildcard-actions": { allowedActions: "logs:*" } }, 'least-privilege-iam config: "iam-no-wildcard-actions".allowedActions: "logs:*" is not an array'],
        ["least-privilege-iam", { "iam-no-wildcard-actions": { allowedActions: [1] } }, 'least-privilege-iam config: "iam-no-wildcard-actions".allowedActions[0]: 1 is not a string'],
        ["least-privilege-iam", ["iam-no-wildcard-actions"], 'least-privilege-iam config: ["iam-no-wildcard-actions"] is not an object mapping rule names to settings'],
        ["least-privilege-iam", { "iam-no-wildcard-actions": 3 }, 'least-privilege-iam config: "iam-no-wildcard-actions": 3 is neither an enforcement level nor an object of settings'],
    ];
    for (const [pack, content, message] of REJECTED) {
        it(`rejects ${JSON.stringify(content)} naming the key, the value and what is allowed`, () => {
            assert.throws(() => parseOptions(withConfig(pack, content)), { name: "Error", message: `--policy-pack-config: ${message}` });
        });
    }

    it("exits 2 on bad config, before running any program", () => {
        const r = cli(withConfig("log-retention", { "log-group-retention": { maxDays: "abc" } }));
        assert.equal(r.status, 2);
        assert.equal(r.stderr, 'usage: --policy-pack-config: log-retention config: "log-group-retention".maxDays: "abc" is not an integer\n');
        assert.equal(r.stdout, "");
    });

    it('applies "all" to every rule of the pack, and a rule\'s own entry over it', async () => {
        const [advisory] = await runPolicies(parseOptions(withConfig("log-retention", { all: "advisory", "lambda-log-group-managed": "mandatory" })));
        const levels = new Map(advisory.findings.filter((f) => f.pack === "log-retention").map((f) => [f.policy, f.enforcementLevel]));
        assert.deepEqual([...levels].sort(), [
            ["ecs-awslogs-managed-group", "advisory"],
            ["lambda-log-group-managed", "mandatory"],
            ["log-group-kms-encryption", "advisory"],
            ["log-group-retention", "advisory"],
        ]);
        const [disabled] = await runPolicies(parseOptions(withConfig("log-retention", { all: { enforcementLevel: "disabled" } })));
        assert.deepEqual(disabled.findings.filter((f) => f.pack === "log-retention"), []);
    });

    it('reports a rule set to "remediate" as mandatory (the rules validate and remediate nothing), as the Policy SDK does', async () => {
        const [result] = await runPolicies(parseOptions(withConfig("log-retention", { "log-group-kms-encryption": "remediate" })));
        assert.deepEqual([...new Set(result.findings.filter((f) => f.policy === "log-group-kms-encryption").map((f) => f.enforcementLevel))], ["mandatory"]);
    });

    it("hands each rule its schema's defaults merged with the given settings, and a fresh copy each time", async () => {
        const seen: unknown[] = [];
        const probe: ResourceValidationPolicy = {
            name: "probe",
            description: "records its config",
            enforcementLevel: "advisory",
            configSchema: { properties: { limit: { type: "integer", default: 5 }, names: { type: "array", items: { type: "string" }, default: ["a"] } } },
            validateResource: (args) => {
                const config = args.getConfig<{ names: string[] }>();
                seen.push(structuredClone(config));
                config.names.push("changed");
            },
        };
        const record = { type: "t", name: "n", urn: "urn:pulumi:s::p::t::n", inputs: {}, state: {} };
        await evaluatePacks([{ name: "p", policies: [probe] }], [record, record]);
        await evaluatePacks([{ name: "p", policies: [probe], config: { probe: { names: ["b"] } } }], [record]);
        assert.deepEqual(seen, [{ limit: 5, names: ["a"] }, { limit: 5, names: ["a"] }, { limit: 5, names: ["b"] }]);
    });

    it("refuses a rule whose schema uses a keyword the runner cannot check", async () => {
        const rule: ResourceValidationPolicy = { name: "odd", description: "d", configSchema: { properties: { x: { type: "string", format: "email" } } }, validateResource: () => undefined };
        await assert.rejects(evaluatePacks([{ name: "p", policies: [rule] }], []), { message: 'p/odd.x: the config schema keyword "format" is not supported by the offline runner' });
    });

    it("checks every rule schema of both packs with the keywords it supports", () => {
        for (const pack of PACKS) {
            assertSchemasSupported(pack);
            assert.ok(resolveConfig(pack).size === pack.policies.length);
        }
    });
});

describe("offline policy runner: stacks and programs", function () {
    this.timeout(120000);
    const dirs: string[] = [];
    after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

    it("rejects a stack without its Pulumi.<stack>.yaml, listing the stacks that exist, and exits 2", () => {
        assert.throws(() => parseOptions(["--stack", "prd"]), {
            message: '--stack: "prd" has no stack file (Pulumi.prd.yaml does not exist); the program\'s stacks are dev, prod',
        });
        const r = cli(["--stack", "prd"]);
        assert.equal(r.status, 2);
        assert.match(r.stderr, /^usage: --stack: "prd" has no stack file .*; the program's stacks are dev, prod\n$/);
        assert.equal(r.stdout, "");
    });

    it("runs every stack file beside the program by default", () => {
        assert.deepEqual(parseOptions([]).stacks, ["dev", "prod"]);
    });

    it("runs a program with no stack file beside it once, with no config, as stack dev (or under the --stack names given)", () => {
        assert.deepEqual(parseOptions(["--program", INSECURE]).stacks, ["dev"]);
        assert.deepEqual(parseOptions(["--program", INSECURE, "--stack", "a", "--stack", "b"]).stacks, ["a", "b"]);
    });

    it("runs a program outside the repository with the Pulumi.yaml and Pulumi.<stack>.yaml beside it, resolving @pulumi packages from the repository", async () => {
        const dir = outside({
            "Pulumi.yaml": "name: elsewhere\nruntime: nodejs\n",
            "Pulumi.short.yaml": "config:\n  elsewhere:retentionDays: 10\n",
            "Pulumi.long.yaml": "config:\n  elsewhere:retentionDays: 90\n",
            "index.ts": [
                'import * as aws from "@pulumi/aws";',
                'import * as pulumi from "@pulumi/pulumi";',
                "const config = new pulumi.Config();",
                'new aws.cloudwatch.LogGroup("logs", { name: "/elsewhere", retentionInDays: config.requireNumber("retentionDays"), kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/k" });',
                "",
            ].join("\n"),
        });
        dirs.push(dir);
        const options = parseOptions(["--program", path.join(dir, "index.ts")]);
        assert.deepEqual(options.stacks, ["long", "short"]);
        const results = await runPolicies(options);
        assert.deepEqual(
            results.map((r) => [r.stack, r.findings.map((f) => f.message)]),
            [
                ["long", []],
                ["short", [`retentionInDays 10 is not a value CloudWatch accepts (${LOG_RETENTION_DAYS.join(", ")}).`]],
            ],
        );
        assert.throws(() => parseOptions(["--program", path.join(dir, "index.ts"), "--stack", "dev"]), { message: /"dev" has no stack file .*; the program's stacks are long, short$/ });
    });

    it("answers getCallerIdentity, getRegion and getPartition as AWS would for the mock account and the stack's region", async () => {
        const dir = outside({
            "Pulumi.dev.yaml": "config:\n  aws:region: us-east-2\n",
            "index.ts": [
                'import * as aws from "@pulumi/aws";',
                "export const account = aws.getCallerIdentityOutput().accountId;",
                "export const region = aws.getRegionOutput().region;",
                "export const partition = aws.getPartitionOutput().partition;",
                "export const dnsSuffix = aws.getPartitionOutput().dnsSuffix;",
                "",
            ].join("\n"),
        });
        dirs.push(dir);
        const run = await runProgram({ program: path.join(dir, "index.ts"), stack: "dev" });
        const values = await Promise.all(["account", "region", "partition", "dnsSuffix"].map((k) => valueOf(run.outputs[k] as pulumi.Output<string>)));
        assert.deepEqual(values, [ACCOUNT, "us-east-2", "aws", "amazonaws.com"]);
    });
});

describe("offline policy runner: aws.iam.getPolicyDocument answered as the AWS provider renders it", function () {
    this.timeout(60000);

    it("renders statements with the provider's key order, single values as strings, sets sorted in reverse, &{ as ${ and sorted condition keys", () => {
        const out = renderPolicyDocument({
            statements: [
                {
                    sid: "Read",
                    actions: ["s3:GetObject", "s3:ListBucket"],
                    resources: ["arn:aws:s3:::b", "arn:aws:s3:::b/&{aws:username}/*"],
                    principals: [
                        { type: "Service", identifiers: ["events.amazonaws.com"] },
                        { type: "AWS", identifiers: ["arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:root"] },
                    ],
                    conditions: [
                        { test: "StringEquals", variable: "aws:SourceAccount", values: ["222222222222", "111111111111"] },
                        { test: "Bool", variable: "aws:SecureTransport", values: ["true"] },
                    ],
                },
                { effect: "Deny", notActions: ["iam:*"], notResources: ["*"], principals: [{ type: "*", identifiers: ["*"] }] },
            ],
        });
        const expected = {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "Read",
                    Effect: "Allow",
                    Action: ["s3:ListBucket", "s3:GetObject"],
                    Resource: ["arn:aws:s3:::b/${aws:username}/*", "arn:aws:s3:::b"],
                    Principal: { AWS: ["arn:aws:iam::222222222222:root", "arn:aws:iam::111111111111:root"], Service: "events.amazonaws.com" },
                    Condition: { Bool: { "aws:SecureTransport": "true" }, StringEquals: { "aws:SourceAccount": ["222222222222", "111111111111"] } },
                },
                { Effect: "Deny", NotAction: "iam:*", NotResource: "*", Principal: "*" },
            ],
        };
        assert.equal(out.json, JSON.stringify(expected, null, 2));
        assert.equal(out.minifiedJson, JSON.stringify(expected));
        assert.match(String(out.id), /^\d+$/);
    });

    it('keeps {"AWS": "*"} (IAM refuses a bare "*" in trust policies), escapes <, > and & as Go does, and sets Id', () => {
        const out = renderPolicyDocument({
            policyId: "doc-1",
            statements: [{ actions: ["sts:AssumeRole"], principals: [{ type: "AWS", identifiers: ["*"] }], conditions: [{ test: "StringLike", variable: "aws:userid", values: ["a<b>&c"] }] }],
        });
        assert.equal(out.minifiedJson, '{"Version":"2012-10-17","Id":"doc-1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"AWS":"*"},"Condition":{"StringLike":{"aws:userid":"a\\u003cb\\u003e\\u0026c"}}}]}');
    });

    it("merges source documents, the statements and override documents by Sid, and refuses a Sid repeated among the sources", () => {
        const source = JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "A", Effect: "Allow", Action: "s3:GetObject", Resource: "*" }, { Sid: "B", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: "*", Principal: { AWS: ["arn:aws:iam::1:root", "arn:aws:iam::2:root"] } }] });
        const override = JSON.stringify({ Statement: { Sid: "C", Effect: "Deny", Action: "*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": false } } } });
        const out = renderPolicyDocument({ sourcePolicyDocuments: [source], statements: [{ sid: "A", actions: ["s3:PutObject"], resources: ["arn:aws:s3:::b/*"] }], overridePolicyDocuments: [override] });
        assert.deepEqual(JSON.parse(out.json as string), {
            Version: "2012-10-17",
            Statement: [
                { Sid: "A", Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::b/*" },
                { Sid: "B", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: "*", Principal: { AWS: ["arn:aws:iam::2:root", "arn:aws:iam::1:root"] } },
                { Sid: "C", Effect: "Deny", Action: "*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } },
            ],
        });
        assert.throws(() => renderPolicyDocument({ sourcePolicyDocuments: [source, source] }), { message: "getPolicyDocument: duplicate Sid (A) in sourcePolicyDocuments[1] (statement 0); remove the Sid or make Sids unique" });
        assert.throws(() => renderPolicyDocument({ version: "2020-01-01" }), { message: 'getPolicyDocument: version "2020-01-01" is not one of 2008-10-17, 2012-10-17' });
    });

    it("lets a program build its documents with getPolicyDocumentOutput from other resources' outputs, and the packs read them", async () => {
        const corpus = path.join(ROOT, "tests/fixtures/policy-corpus");
        const [open] = await runPolicies(parseOptions(["--program", path.join(corpus, "insecure/s3-policy-get-policy-document.ts")]));
        assert.deepEqual(open.findings.map((f) => [f.policy, f.resourceName]), [["resource-policy-no-public-access", "docs-policy"]]);
        const run = await runProgram({ program: path.join(corpus, "legit/sqs-eventbridge-dead-letter-queue.ts"), stack: "dev" });
        const policy = JSON.parse(run.recorder.one("aws:sqs/queuePolicy:QueuePolicy").inputs.policy);
        assert.deepEqual(policy.Statement[0].Condition, { ArnEquals: { "aws:SourceArn": run.recorder.one("aws:cloudwatch/eventRule:EventRule").state.arn } });
    });
});

describe("offline policy runner: SARIF points at the line that declares each resource", function () {
    this.timeout(120000);

    /** The 1-based line of a file holding `text`. */
    const lineOf = (file: string, text: string) => fs.readFileSync(path.join(ROOT, file), "utf8").split("\n").findIndex((l) => l.includes(text)) + 1;

    it("locates findings of a program's own resources at their `new` line, with the URN in the result's properties", async () => {
        const results = await runPolicies(parseOptions(["--program", INSECURE, "--stack", "insecure"]));
        const log = toSarif(results, [...PACKS], "0.0.0") as any;
        const byName = new Map<string, any>(log.runs[0].results.map((r: any) => [r.message.text.split(": ")[0].replace("[insecure] ", ""), r]));
        for (const name of ["star-policy", "deployer-admin", "open-bucket-policy", "forever-logs"]) {
            const r = byName.get(name);
            assert.deepEqual(r.locations[0].physicalLocation, { artifactLocation: { uri: "tests/fixtures/insecure-stack/index.ts" }, region: { startLine: lineOf("tests/fixtures/insecure-stack/index.ts", `"${name}"`) } }, name);
            assert.match(r.properties.urn, new RegExp(`::${name}$`));
            assert.equal(r.properties.urn, r.locations[0].logicalLocations[0].fullyQualifiedName);
        }
    });

    it("locates a component's child at the line in the component file that creates it", async () => {
        const [dev] = await runPolicies(parseOptions(["--stack", "dev"]));
        const log = toSarif([dev], [...PACKS], "0.0.0") as any;
        const logs = log.runs[0].results.find((r: any) => r.ruleId === "log-group-kms-encryption");
        const { uri } = logs.locations[0].physicalLocation.artifactLocation;
        assert.match(uri, /^components\/[a-z-]+\.ts$/);
        const line = fs.readFileSync(path.join(ROOT, uri), "utf8").split("\n")[logs.locations[0].physicalLocation.region.startLine - 1];
        assert.match(line, /new aws\.cloudwatch\.LogGroup\(/);
    });

    it("gives a file URI for a program outside the repository", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-sarif-"));
        try {
            fs.writeFileSync(path.join(dir, "main.ts"), 'import * as aws from "@pulumi/aws";\n\nnew aws.cloudwatch.LogGroup("forever", { name: "/forever" });\n');
            const log = toSarif(await runPolicies(parseOptions(["--program", path.join(dir, "main.ts")])), [...PACKS], "0.0.0") as any;
            const retention = log.runs[0].results.find((r: any) => r.ruleId === "log-group-retention");
            assert.deepEqual(retention.locations[0].physicalLocation, { artifactLocation: { uri: pathToFileURL(path.join(fs.realpathSync(dir), "main.ts")).toString() }, region: { startLine: 3 } });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
