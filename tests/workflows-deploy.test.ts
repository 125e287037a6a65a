/** deploy.yml: one deploy per Pulumi.<stack>.yaml, in order, with its environment, role and smoke check; its shell snippets are run here. */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { PROJECT } from "../deploy/github-oidc-role/policies";
import { ROOT } from "./mocks";
import {
    AWS_CREDENTIALS_ACTION,
    Job,
    PULUMI_ACTION,
    QEMU_ACTION,
    Step,
    assertPulumiStepSetUp,
    environmentOf,
    indexOfStep,
    lines,
    loadWorkflow,
    lockedPulumiVersion,
    needsOf,
    oneStepUsing,
    packsOnDisk,
    readmeCommand,
    regionOf,
    runStep,
    settingsOf,
    stackNameExpression,
    stacksOnDisk,
    stepsUsing,
} from "./support/workflows";

// ---------------------------------------------------------------------------------------------
// Deployments

describe("deploy.yml", function () {
    this.timeout(60000);
    const w = loadWorkflow("deploy.yml");
    const stacks = stacksOnDisk();

    /** The job that runs `pulumi up` for each stack. */
    function upJobs(): Map<string, [string, Job]> {
        const out = new Map<string, [string, Job]>();
        for (const [id, job] of Object.entries(w.jobs)) {
            for (const step of stepsUsing(job, PULUMI_ACTION)) {
                assert.equal(step.with?.command, "up", `${id}: pulumi up`);
                const m = /^\$\{\{ vars\.PULUMI_ORG && format\('\{0\}\/\{1\}', vars\.PULUMI_ORG, '([^']+)'\) \|\| '([^']+)' \}\}$/.exec(String(step.with?.["stack-name"]));
                assert.ok(m && m[1] === m[2], `${id}: stack-name ${step.with?.["stack-name"]}`);
                assert.ok(!out.has(m[1]), `${m[1]} is deployed twice`);
                out.set(m[1], [id, job]);
            }
        }
        return out;
    }

    it("runs on pushes to main and by hand", () => {
        assert.deepEqual(w.on, { push: { branches: ["main"] }, workflow_dispatch: null });
    });

    it("deploys every stack with a Pulumi.<stack>.yaml, once, and nothing else", () => {
        assert.deepEqual([...upJobs().keys()].sort(), stacks);
        assert.equal(Object.keys(w.jobs).length, stacks.length);
    });

    it("deploys dev first, then prod in the `production` environment once dev succeeded", () => {
        const jobs = upJobs();
        const [devId, dev] = jobs.get("dev") as [string, Job];
        const [, prod] = jobs.get("prod") as [string, Job];
        assert.deepEqual(needsOf(dev), []);
        assert.equal(environmentOf(dev), undefined);
        assert.deepEqual(needsOf(prod), [devId]);
        assert.equal(environmentOf(prod), "production");
    });

    it("deploys from main only", () => {
        for (const [, job] of upJobs().values()) {
            assert.equal(job.if, "github.ref == 'refs/heads/main'");
        }
    });

    it("runs one update per stack at a time and never cancels a running one", () => {
        const groups = new Set<string>();
        for (const [stack, [id, job]] of upJobs()) {
            assert.ok(typeof job.concurrency === "object", `${id}: concurrency`);
            assert.equal(job.concurrency["cancel-in-progress"], false, `${id}`);
            assert.ok(job.concurrency.group.endsWith(`-${stack}`), `${id}: group ${job.concurrency.group}`);
            groups.add(job.concurrency.group);
        }
        assert.equal(groups.size, stacks.length);
    });

    it("runs `pulumi up --refresh` with both policy packs, after npm ci and the deploy role's OIDC credentials", () => {
        for (const [stack, [id, job]] of upJobs()) {
            const step = assertPulumiStepSetUp(id, job, "this job");
            assert.deepEqual(
                { ...step.with, policyPacks: lines(step.with?.policyPacks) },
                {
                    command: "up",
                    "stack-name": stackNameExpression(`'${stack}'`),
                    "work-dir": ".",
                    refresh: true,
                    diff: true,
                    "comment-on-summary": true,
                    message: "${{ github.sha }}",
                    "pulumi-version": lockedPulumiVersion(),
                    policyPacks: packsOnDisk(),
                },
                id,
            );
            assert.deepEqual(step.env, { PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}", PULUMI_NODEJS_TRANSPILE_ONLY: "true" });
            const credentials = stepsUsing(job, AWS_CREDENTIALS_ACTION).find((c) => c.with?.["role-to-assume"] === "${{ vars.AWS_DEPLOY_ROLE_ARN }}");
            assert.ok(credentials, `${id}: deploy role credentials`);
            const install = indexOfStep(job, (s) => s.run === readmeCommand("npm ci"), "npm ci");
            assert.ok(install < job.steps.indexOf(credentials) && job.steps.indexOf(credentials) < job.steps.indexOf(step), `${id}: order`);
            const regionStep = job.steps.find((s) => s.id === "stack");
            assert.ok(regionStep, `${id}: region step`);
            assert.equal(credentials.with?.["aws-region"], "${{ steps.stack.outputs.region }}");
            assert.deepEqual(runStep(regionStep, {}), settingsOf(stack), `${id}: region and architecture`);
        }
    });

    it("sets up QEMU before `pulumi up` exactly when the stack's tasks are ARM64 (the runner is x86_64)", () => {
        for (const [stack, [id, job]] of upJobs()) {
            const qemu = oneStepUsing(job, QEMU_ACTION);
            assert.equal(qemu.if, "steps.stack.outputs.architecture == 'ARM64'", id);
            assert.deepEqual(qemu.with, { platforms: "arm64" }, id);
            assert.ok(job.steps.indexOf(qemu) > job.steps.findIndex((st) => st.id === "stack") && job.steps.indexOf(qemu) < job.steps.indexOf(oneStepUsing(job, PULUMI_ACTION)), `${id}: order`);
            // The settings step, run on a copy of the stack file with ARM64 tasks.
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "arm-stack-"));
            try {
                const file = yaml.load(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
                file.config[`${PROJECT}:cpuArchitecture`] = "ARM64";
                fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), yaml.dump(file));
                const stackStep = job.steps.find((st) => st.id === "stack") as Step;
                assert.deepEqual(runStep(stackStep, {}, dir), { region: regionOf(stack), architecture: "ARM64" }, id);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        }
    });

    it("runs `npm run smoke -- --stack dev` after dev's `pulumi up`, as the smoke-check role, and fails the job when it fails", () => {
        const [, dev] = upJobs().get("dev") as [string, Job];
        const smoke = dev.steps.filter((st) => /\bnpm run smoke\b/.test(st.run ?? ""));
        assert.equal(smoke.length, 1, "one smoke check");
        const [step] = smoke;
        assert.equal(step.run?.trim(), 'npm run smoke -- --stack "$STACK"');
        assert.deepEqual(step.env, { STACK: stackNameExpression("'dev'"), PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}" });
        assert.equal(step.if, undefined, "runs only when everything before it succeeded");
        assert.equal((step as Record<string, unknown>)["continue-on-error"], undefined, "its failure fails the job");
        assert.doesNotMatch(String(step.run), /\|\||;\s*true|exit 0/);
        const credentials = stepsUsing(dev, AWS_CREDENTIALS_ACTION);
        assert.deepEqual(credentials.map((c) => c.with?.["role-to-assume"]), ["${{ vars.AWS_DEPLOY_ROLE_ARN }}", "${{ vars.AWS_SMOKE_ROLE_ARN }}"]);
        const up = dev.steps.indexOf(oneStepUsing(dev, PULUMI_ACTION));
        const smokeRole = dev.steps.indexOf(credentials[1]);
        assert.ok(up < smokeRole && smokeRole < dev.steps.indexOf(step), "pulumi up, then the smoke role, then the check");
        assert.equal(credentials[1].with?.["aws-region"], "${{ steps.stack.outputs.region }}");
        assert.ok(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts.smoke, "package.json has a smoke script");
        // prod is not smoke-checked: its job has no smoke step and no smoke role.
        const [, prod] = upJobs().get("prod") as [string, Job];
        assert.ok(!prod.steps.some((st) => /npm run smoke/.test(st.run ?? "")));
        assert.deepEqual(stepsUsing(prod, AWS_CREDENTIALS_ACTION).map((c) => c.with?.["role-to-assume"]), ["${{ vars.AWS_DEPLOY_ROLE_ARN }}"]);
    });
});
