/** The CI roles' trust policies: each role trusts only this repository's GitHub tokens with the subjects its workflow jobs present. */
import { strict as assert } from "assert";
import { GITHUB_OIDC_HOST, PolicyDocument, TRUSTED_SUBJECTS, documents } from "../deploy/github-oidc-role/policies";
import { DEPLOY_TRUST } from "../deploy/github-oidc-role/render";
import { ACCOUNT } from "./mocks";
import { AWS_CREDENTIALS_ACTION, environmentOf, loadWorkflow, stepsUsing, workflowFiles } from "./support/workflows";
import { REPOSITORY, readTemplate, target } from "./support/ci-roles";
import { Outcome } from "./support/iam-simulator";

// ---------------------------------------------------------------------------------------------
// Trust: who may assume the roles

describe("the CI roles' trust policies", () => {
    const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/${GITHUB_OIDC_HOST}`;
    const docs = documents(target("dev"));
    const trust = { preview: docs["preview-trust-policy.json"], deploy: docs["trust-policy.json"], smoke: docs["smoke-trust-policy.json"] };

    /**
     * Whether IAM lets a GitHub token with these claims assume a role with this trust policy, for the
     * condition operators trust policies use (StringEquals, StringLike; any other fails the test).
     * Evaluated here because the IAM simulator does not model an OIDC provider's sub and aud keys.
     */
    async function assume(trustPolicy: PolicyDocument, claims: { sub: string; aud?: string }): Promise<Outcome> {
        const context: Record<string, string> = { [`${GITHUB_OIDC_HOST}:sub`]: claims.sub, [`${GITHUB_OIDC_HOST}:aud`]: claims.aud ?? "sts.amazonaws.com" };
        const glob = (pattern: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
        assert.ok(trustPolicy.Statement.every((st) => st.Effect === "Allow"), "trust policies here have no Deny");
        const allowed = trustPolicy.Statement.some(
            (st) =>
                st.Principal?.Federated === PROVIDER &&
                [st.Action].flat().includes("sts:AssumeRoleWithWebIdentity") &&
                Object.entries(st.Condition ?? {}).every(([operator, block]) =>
                    Object.entries(block).every(([key, expected]) => {
                        const value = context[key];
                        const values = [expected].flat();
                        if (operator === "StringEquals") {
                            return value !== undefined && values.includes(value);
                        }
                        if (operator === "StringLike") {
                            return value !== undefined && values.some((p) => glob(p).test(value));
                        }
                        throw new Error(`${operator} is not evaluated by this test`);
                    }),
                ),
        );
        return allowed ? "Allowed" : "ImplicitlyDenied";
    }

    it("trust only GitHub's OIDC provider, for sts:AssumeRoleWithWebIdentity, with exact aud and sub conditions on this repository", () => {
        for (const [name, document] of Object.entries({
            ...trust,
            "preview template": readTemplate("preview-trust-policy.json"),
            "deploy template": readTemplate("trust-policy.json"),
            "smoke template": readTemplate("smoke-trust-policy.json"),
        })) {
            const repository = name.endsWith("template") ? "${GITHUB_REPOSITORY}" : REPOSITORY;
            assert.equal(document.Statement.length, 1, name);
            const [s] = document.Statement;
            assert.equal(s.Effect, "Allow");
            assert.deepEqual(s.Principal, { Federated: `arn:aws:iam::${name.endsWith("template") ? "${AWS_ACCOUNT_ID}" : ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` });
            assert.equal(s.Action, "sts:AssumeRoleWithWebIdentity");
            assert.deepEqual(Object.keys(s.Condition ?? {}), ["StringEquals"], `${name}: exact matches only (no StringLike wildcards)`);
            const conditions = (s.Condition as Record<string, Record<string, string | string[]>>).StringEquals;
            assert.equal(conditions["token.actions.githubusercontent.com:aud"], "sts.amazonaws.com");
            const subs = [conditions["token.actions.githubusercontent.com:sub"]].flat();
            assert.ok(subs.length > 0);
            for (const sub of subs) {
                assert.ok(sub.startsWith(`repo:${repository}:`), `${name}: ${sub}`);
                assert.doesNotMatch(sub, /[*?]/, `${name}: ${sub}`);
            }
        }
        assert.deepEqual([trust.preview.Statement[0].Condition?.StringEquals["token.actions.githubusercontent.com:sub"]].flat(), [`repo:${REPOSITORY}:pull_request`]);
        assert.deepEqual([trust.deploy.Statement[0].Condition?.StringEquals["token.actions.githubusercontent.com:sub"]].flat(), [`repo:${REPOSITORY}:ref:refs/heads/main`, `repo:${REPOSITORY}:environment:production`]);
        assert.deepEqual([trust.smoke.Statement[0].Condition?.StringEquals["token.actions.githubusercontent.com:sub"]].flat(), [`repo:${REPOSITORY}:ref:refs/heads/main`]);
    });

    it("accept the subject each workflow job presents, and the job's role variable names that role", async () => {
        for (const file of workflowFiles()) {
            const w = loadWorkflow(file);
            for (const [id, job] of Object.entries(w.jobs)) {
                for (const step of stepsUsing(job, AWS_CREDENTIALS_ACTION)) {
                    const variable = String(step.with?.["role-to-assume"]);
                    const which = variable.includes("PREVIEW") ? "preview" : variable.includes("SMOKE") ? "smoke" : "deploy";
                    // GitHub's sub claim: the environment when the job has one, else the event's context.
                    const environment = environmentOf(job);
                    const subject = environment !== undefined ? `environment:${environment}` : "pull_request" in w.on ? "pull_request" : "ref:refs/heads/main";
                    if (subject === "ref:refs/heads/main") {
                        assert.equal(job.if, "github.ref == 'refs/heads/main'", `${file} ${id}: runs on main only`);
                    }
                    assert.ok((TRUSTED_SUBJECTS[which] as readonly string[]).includes(subject), `${file} ${id}: ${subject} is not trusted by the ${which} role`);
                    assert.equal(await assume(trust[which], { sub: `repo:${REPOSITORY}:${subject}` }), "Allowed", `${file} ${id}`);
                }
            }
        }
    });

    it("in a prod-only account (--deploy-trust production), refuse the main branch's jobs: only the approved environment deploys there", async () => {
        const prodOnly = documents(target("prod"), undefined, DEPLOY_TRUST.production)["trust-policy.json"];
        assert.equal(await assume(prodOnly, { sub: `repo:${REPOSITORY}:ref:refs/heads/main` }), "ImplicitlyDenied");
        assert.equal(await assume(prodOnly, { sub: `repo:${REPOSITORY}:environment:production` }), "Allowed");
        const devOnly = documents(target("dev"), undefined, DEPLOY_TRUST.main)["trust-policy.json"];
        assert.equal(await assume(devOnly, { sub: `repo:${REPOSITORY}:environment:production` }), "ImplicitlyDenied");
        assert.equal(await assume(devOnly, { sub: `repo:${REPOSITORY}:ref:refs/heads/main` }), "Allowed");
    });

    it("refuse other repositories, other branches, other environments, the other role's subjects and other audiences", async () => {
        const refused: [keyof typeof trust, string, string?][] = [
            ["preview", `repo:${REPOSITORY}-fork:pull_request`],
            ["preview", `repo:someone-else/s3-fargate-pipeline:pull_request`],
            ["preview", `repo:${REPOSITORY}:ref:refs/heads/main`],
            ["preview", `repo:${REPOSITORY}:environment:production`],
            ["preview", `repo:${REPOSITORY}:pull_request`, "https://github.com/example-org"],
            ["deploy", `repo:${REPOSITORY}:pull_request`],
            ["deploy", `repo:${REPOSITORY}:ref:refs/heads/feature`],
            ["deploy", `repo:${REPOSITORY}:ref:refs/tags/v1.0.0`],
            ["deploy", `repo:${REPOSITORY}:environment:staging`],
            ["deploy", `repo:${REPOSITORY}-fork:environment:production`],
            ["deploy", `repo:${REPOSITORY}:environment:production`, "sts.example.com"],
            ["smoke", `repo:${REPOSITORY}:environment:production`],
            ["smoke", `repo:${REPOSITORY}:pull_request`],
            ["smoke", `repo:${REPOSITORY}:ref:refs/heads/feature`],
        ];
        for (const [which, sub, aud] of refused) {
            assert.equal(await assume(trust[which], { sub, aud }), "ImplicitlyDenied", `${which}: ${sub} ${aud ?? ""}`);
        }
        // Control: the same tokens are accepted when the subject is right.
        assert.equal(await assume(trust.preview, { sub: `repo:${REPOSITORY}:pull_request` }), "Allowed");
        assert.equal(await assume(trust.deploy, { sub: `repo:${REPOSITORY}:environment:production` }), "Allowed");
    });
});
