/**
 * The CI roles' documents (deploy/github-oidc-role): on disk as rendered from policies.ts, and evaluated
 * by the least-privilege-iam pack (policy/offline/engine.ts) as `pulumi preview --policy-pack` would.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { evaluatePacks } from "../policy/offline/engine";
import { PROGRAM_SCOPE, PolicyDocument, ProgramScope, TRUSTED_SUBJECTS, documents } from "../deploy/github-oidc-role/policies";
import { PLACEHOLDERS, UsageError, parseRenderArgs, render, toJson } from "../deploy/github-oidc-role/render";
import { ACCOUNT, ROOT } from "./mocks";
import { ROLE_DIR, lines } from "./support/workflows";
import {
    DEPLOY_PACK_CONFIG,
    EMPTY_SCOPE,
    REPOSITORY,
    SMOKE_PACK_CONFIG,
    describeFindings,
    packsWith,
    roleResources,
    target,
    templates,
} from "./support/ci-roles";
import { TS_REGISTER } from "./support/ts-process";

// ---------------------------------------------------------------------------------------------
// The CI roles' documents


describe("the CI roles' documents (deploy/github-oidc-role)", function () {
    this.timeout(60000);
    it("are on disk as rendered from policies.ts (placeholders ${AWS_ACCOUNT_ID}, ${AWS_REGION}, ${GITHUB_REPOSITORY})", () => {
        const expected = documents(PLACEHOLDERS);
        assert.deepEqual(Object.keys(expected).sort(), [
            "deploy-compute-policy.json",
            "deploy-pipeline-policy.json",
            "preview-policy.json",
            "preview-trust-policy.json",
            "smoke-policy.json",
            "smoke-trust-policy.json",
            "trust-policy.json",
        ]);
        const onDisk = fs.readdirSync(ROLE_DIR).filter((f) => f.endsWith(".json")).sort();
        assert.deepEqual(onDisk, Object.keys(expected).sort(), "no stale or missing documents");
        for (const [file, document] of Object.entries(expected)) {
            assert.equal(fs.readFileSync(path.join(ROLE_DIR, file), "utf8"), toJson(document), `${file} is out of date: run npx ts-node --transpile-only deploy/github-oidc-role/render.ts`);
        }
        const text = onDisk.map((f) => fs.readFileSync(path.join(ROLE_DIR, f), "utf8")).join("\n");
        assert.deepEqual([...new Set(text.match(/\$\{[A-Za-z_:]+\}/g))].sort(), ["${AWS_ACCOUNT_ID}", "${AWS_REGION}", "${GITHUB_REPOSITORY}"]);
    });

    it("render for one account with the CLI, and reject bad flags naming the flag, the value and what is allowed", () => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "ci-roles-"));
        try {
            const written = render(parseRenderArgs(["--account", ACCOUNT, "--region", "eu-west-1", "--repository", REPOSITORY, "--out", out]));
            assert.equal(written.length, 7);
            for (const [file, document] of Object.entries(documents(target("dev")))) {
                assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, file), "utf8")), document);
            }
            assert.doesNotMatch(fs.readFileSync(path.join(out, "trust-policy.json"), "utf8"), /\$\{/);
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
        }
        assert.deepEqual(parseRenderArgs([]), { target: PLACEHOLDERS, out: ROLE_DIR, deploySubjects: TRUSTED_SUBJECTS.deploy });
        // Separate dev and prod accounts: each account's deploy role trusts only the job that deploys there.
        const flags = ["--account", ACCOUNT, "--region", "eu-west-1", "--repository", REPOSITORY, "--out", "x"];
        assert.deepEqual(parseRenderArgs([...flags, "--deploy-trust", "main"]).deploySubjects, ["ref:refs/heads/main"]);
        assert.deepEqual(parseRenderArgs([...flags, "--deploy-trust", "production"]).deploySubjects, ["environment:production"]);
        assert.deepEqual(parseRenderArgs([...flags, "--deploy-trust", "both"]).deploySubjects, TRUSTED_SUBJECTS.deploy);
        const rejects = (argv: string[], message: string) => assert.throws(() => parseRenderArgs(argv), (e: Error) => e instanceof UsageError && e.message === message);
        const ok = ["--region", "eu-west-1", "--repository", REPOSITORY, "--out", "x"];
        rejects(["--account", "12345", ...ok], '--account: "12345" is not an AWS account ID; use its 12 digits, e.g. 123456789012');
        rejects(["--account", ACCOUNT, "--region", "Ireland", "--repository", REPOSITORY, "--out", "x"], '--region: "Ireland" is not an AWS region; use the stacks\' aws:region, e.g. eu-west-1');
        rejects(["--account", ACCOUNT, "--region", "eu-west-1", "--repository", "s3-fargate-pipeline", "--out", "x"], '--repository: "s3-fargate-pipeline" is not a GitHub repository; use OWNER/NAME, e.g. my-org/s3-fargate-pipeline');
        rejects(["--account", ACCOUNT], "--account, --region, --repository and --out go together; give all four, or none to rewrite the templates");
        rejects(["--deploy-trust", "main"], "--account, --region, --repository and --out go together; give all four, or none to rewrite the templates");
        rejects([...flags, "--deploy-trust", "staging"], '--deploy-trust: "staging" is not one of both, main, production');
        // Node.js words the unknown-flag part; the rest is ours.
        assert.throws(
            () => parseRenderArgs(["--acount", ACCOUNT]),
            (e: Error) => e instanceof UsageError && /^Unknown option '--acount'/.test(e.message) && e.message.endsWith("; allowed: --account ID --region REGION --repository OWNER/NAME --out DIR [--deploy-trust both|main|production], or no flags to rewrite the templates"),
        );
    });

    it("render from the command line, exiting 2 with the message on bad usage", () => {
        const cli = (args: string[]) =>
            spawnSync(process.execPath, [...TS_REGISTER, path.join(ROLE_DIR, "render.ts"), ...args], { cwd: ROOT, encoding: "utf8", timeout: 60000 });
        const bad = cli(["--account", "1", "--region", "eu-west-1", "--repository", REPOSITORY, "--out", os.tmpdir()]);
        assert.equal(bad.status, 2);
        assert.equal(bad.stderr, 'usage: --account: "1" is not an AWS account ID; use its 12 digits, e.g. 123456789012\n');
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "ci-roles-"));
        try {
            const good = cli(["--account", ACCOUNT, "--region", "eu-west-1", "--repository", REPOSITORY, "--out", out, "--deploy-trust", "production"]);
            assert.equal(good.status, 0, good.stderr);
            assert.deepEqual(lines(good.stdout), Object.keys(documents(PLACEHOLDERS)).map((f) => path.join(out, f)));
            const trust = JSON.parse(fs.readFileSync(path.join(out, "trust-policy.json"), "utf8")) as PolicyDocument;
            assert.equal(trust.Statement[0].Condition?.StringEquals["token.actions.githubusercontent.com:sub"], `repo:${REPOSITORY}:environment:production`);
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
        }
    });

    it("fit IAM's size limits (managed policy 6,144 and trust policy 2,048 characters without whitespace)", () => {
        // The longest region name AWS has today, so any stack region fits.
        for (const [file, document] of Object.entries(documents({ account: ACCOUNT, region: "ap-southeast-5", repository: "an-organisation-name/s3-fargate-pipeline" }))) {
            const size = JSON.stringify(document).replace(/\s/g, "").length;
            assert.ok(size <= (file.includes("trust") ? 2048 : 6144), `${file}: ${size} characters`);
        }
    });

    it("never repeat a statement ID and never leave an Action or Resource list empty", () => {
        const scopes: ProgramScope[] = [PROGRAM_SCOPE, EMPTY_SCOPE];
        for (const scope of scopes) {
            for (const [file, document] of Object.entries(documents(target("dev"), scope))) {
                const sids = document.Statement.map((s) => s.Sid);
                assert.equal(new Set(sids).size, sids.length, `${file}: duplicate Sid`);
                for (const s of document.Statement) {
                    assert.ok([s.Action].flat().length > 0, `${file} ${s.Sid}: no action`);
                    if (s.Resource !== undefined) {
                        assert.ok([s.Resource].flat().length > 0, `${file} ${s.Sid}: no resource`);
                    }
                }
            }
        }
    });

    describe("under the least-privilege-iam pack (policy/offline/engine.ts)", () => {
        it("the preview role's trust and policy pass every rule of both packs, with the packs' default config", async () => {
            for (const docs of [templates(), documents(target("dev"))]) {
                assert.deepEqual(describeFindings(await evaluatePacks(packsWith(), roleResources(docs, { preview: true }))), []);
            }
        });

        it("the smoke-check role's trust and policy pass every rule of both packs, with cloudwatch:GetMetricData accepted on \"*\"", async () => {
            for (const docs of [templates(), documents(target("dev"))]) {
                assert.deepEqual(describeFindings(await evaluatePacks(packsWith(SMOKE_PACK_CONFIG), roleResources(docs, { smoke: true }))), []);
            }
            // With the pack's defaults, that one action is all it reports.
            assert.deepEqual(describeFindings(await evaluatePacks(packsWith(), roleResources(documents(target("dev")), { smoke: true }))), [
                'mandatory iam-no-wildcard-resource smoke-policy: policy statement "ReadRuleMetrics" grants cloudwatch:GetMetricData on "*"; it supports resource-level scoping.',
            ]);
        });

        it("the deploy role passes every rule, with iam-no-privilege-escalation told the three actions deploying roles and functions needs", async () => {
            for (const docs of [templates(), documents(target("dev"))]) {
                const findings = await evaluatePacks(packsWith(DEPLOY_PACK_CONFIG), roleResources(docs, { deploy: true }));
                assert.deepEqual(describeFindings(findings), []);
            }
        });

        it("with the pack's default config, only those three actions are reported", async () => {
            const findings = await evaluatePacks(packsWith(), roleResources(documents(target("dev")), { deploy: true }));
            assert.deepEqual(describeFindings(findings), [
                "mandatory iam-no-privilege-escalation deploy-compute-policy: policy grants iam:PutRolePolicy and iam:UpdateAssumeRolePolicy, which let a principal raise its own privileges.",
                "mandatory iam-no-privilege-escalation deploy-pipeline-policy: policy grants lambda:UpdateFunctionCode, which let a principal raise its own privileges.",
            ]);
        });

        it("sees the documents it is given: a PassRole on every role slipped into the deploy policy is reported", async () => {
            const docs = documents(target("dev"));
            const tampered: PolicyDocument = {
                ...docs["deploy-compute-policy.json"],
                Statement: [...docs["deploy-compute-policy.json"].Statement, { Sid: "Tampered", Effect: "Allow", Action: "iam:PassRole", Resource: "*" }],
            };
            const findings = await evaluatePacks(packsWith(DEPLOY_PACK_CONFIG), roleResources({ ...docs, "deploy-compute-policy.json": tampered }, { deploy: true }));
            assert.deepEqual(
                describeFindings(findings).filter((f) => f.includes("Tampered")),
                [
                    'mandatory iam-no-wildcard-resource deploy-compute-policy: policy statement "Tampered" grants iam:PassRole on "*"; it supports resource-level scoping.',
                    'mandatory iam-pass-role-scoped deploy-compute-policy: policy statement "Tampered" allows iam:PassRole on "*", which is any role.',
                    'mandatory iam-pass-role-scoped deploy-compute-policy: policy statement "Tampered" allows iam:PassRole without an iam:PassedToService condition.',
                ],
            );
        });

        it("cover every kind of resource the generator knows, and an empty scope leaves only what needs none", async () => {
            const sids = Object.values(documents(target("dev"))).flatMap((d) => d.Statement.map((st) => st.Sid));
            for (const sid of ["ReadServices", "ReadSchedules", "ReadScalableTargets", "ManageServices", "ManageEcsServiceScaling", "ManageSchedules", "PassRolesToScheduler", "ManageFunctions", "ManageVpc", "ManageKeys"]) {
                assert.ok(sids.includes(sid), `${sid} is generated`);
            }
            const minimal = documents(target("dev"), EMPTY_SCOPE);
            assert.deepEqual(describeFindings(await evaluatePacks(packsWith(DEPLOY_PACK_CONFIG), roleResources(minimal))), []);
            assert.deepEqual(minimal["deploy-compute-policy.json"].Statement.map((st) => st.Sid), ["NeverChangeTheCiRoles"]);
            assert.deepEqual(minimal["deploy-pipeline-policy.json"].Statement, []);
            assert.deepEqual(minimal["preview-policy.json"].Statement.map((st) => st.Sid), ["DescribeWithoutResourceScope"]);
        });
    });
});
