import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { hasMandatory } from "../policy/offline/engine";
import { formatText, toSarif } from "../policy/offline/report";
import { UsageError, parseOptions, runPolicies } from "../policy/offline/run";
import { PACKS } from "../policy/packs";
import { ROOT } from "./mocks";

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
    ["mandatory", "iam-trust-policy-specific-principal", "wide-role", "assumeRolePolicy statement 0 trusts every principal (\"*\")."],
    ["mandatory", "iam-trust-policy-specific-principal", "deployer-role", "assumeRolePolicy statement 0 trusts the wildcard principal \"arn:aws:iam::*:root\"."],
    ["mandatory", "resource-policy-public-principal-conditioned", "open-queue-policy", "policy statement 0 allows \"*\" without an aws:SourceArn, aws:SourceAccount or aws:SecureTransport condition."],
    ["mandatory", "resource-policy-public-principal-conditioned", "open-bucket-policy", "policy statement 0 allows \"*\" without an aws:SourceArn, aws:SourceAccount or aws:SecureTransport condition."],
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

/** Runs `npm run policy` the way a user does, without npm: the same ts-node entry. */
function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "policy/offline/run.ts"), ...args], {
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
        const [result] = await runPolicies(parseOptions(["--program", INSECURE, "--stack", "insecure", "--policy-pack-config", `log-retention=${file}`]));
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
