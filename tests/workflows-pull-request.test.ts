/** pull-request.yml: the test and preview jobs, the exact commands, one preview per Pulumi.<stack>.yaml; its shell snippets are run here. */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseOptions } from "../policy/offline/run";
import { ROOT } from "./mocks";
import {
    AWS_CREDENTIALS_ACTION,
    PULUMI_ACTION,
    QEMU_ACTION,
    UPLOAD_SARIF_ACTION,
    assertPulumiStepSetUp,
    indexOfStep,
    lines,
    loadWorkflow,
    lockedPulumiVersion,
    needsOf,
    npmTestTypeChecks,
    oneStepUsing,
    packsOnDisk,
    readmeCommand,
    runStep,
    settingsOf,
    stackNameExpression,
    stacksOnDisk,
    stepsUsing,
} from "./support/workflows";

// ---------------------------------------------------------------------------------------------
// Pull requests

describe("pull-request.yml", function () {
    this.timeout(60000);
    const w = loadWorkflow("pull-request.yml");
    const stacks = stacksOnDisk();

    it("runs on pull requests to main only", () => {
        assert.deepEqual(w.on, { pull_request: { branches: ["main"] } });
    });

    it("has a test job without cloud credentials and a preview job after it", () => {
        assert.deepEqual(Object.keys(w.jobs).sort(), ["preview", "test"]);
        assert.equal((w.jobs.test.permissions as Record<string, string>)["id-token"], undefined);
        assert.deepEqual(stepsUsing(w.jobs.test, AWS_CREDENTIALS_ACTION), []);
        assert.deepEqual(needsOf(w.jobs.preview), ["test"]);
    });

    describe("the test job", () => {
        const job = w.jobs.test;
        const runs = job.steps.filter((s) => s.run !== undefined);

        it("runs exactly the README's install and test commands, then the offline policy run of each stack", () => {
            const install = readmeCommand("npm ci");
            const test = readmeCommand("npm test");
            assert.deepEqual([install, test], ["npm ci", "npm test"]);
            // .ci/run ends with the same test command.
            const ciRun = lines(fs.readFileSync(path.join(ROOT, ".ci/run"), "utf8")).filter((l) => !l.startsWith("#"));
            assert.equal(ciRun[ciRun.length - 1], test);
            assert.deepEqual(
                runs.map((s) => s.run?.trim().replace(/ -- .*$/, " -- …")),
                [install, test, ...stacks.map(() => "npm run policy -- …")],
            );
        });

        it("runs `npm run policy` once per stack with flags the runner accepts, writing SARIF", () => {
            assert.ok(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts.policy, "package.json has a policy script");
            const policySteps = runs.filter((s) => s.run?.startsWith("npm run policy"));
            const byStack = policySteps.map((s) => {
                const args = (s.run as string).trim().replace(/^npm run policy -- /, "").split(/\s+/);
                const options = parseOptions(args);
                assert.ok(options.sarif, `${s.name}: writes SARIF`);
                assert.equal(options.stacks.length, 1, `${s.name}: one stack per step`);
                assert.match(String(s.if), /!cancelled\(\)/, `${s.name}: runs even when the tests failed`);
                return options.stacks[0];
            });
            assert.deepEqual(byStack.sort(), stacks);
        });

        it("uploads each stack's SARIF to code scanning, always, with its own category", () => {
            const uploads = stepsUsing(job, UPLOAD_SARIF_ACTION);
            const sarifOf = new Map(
                job.steps
                    .filter((s) => s.run?.startsWith("npm run policy"))
                    .map((s) => {
                        const o = parseOptions((s.run as string).trim().replace(/^npm run policy -- /, "").split(/\s+/));
                        return [o.stacks[0], o.sarif as string];
                    }),
            );
            assert.equal(uploads.length, stacks.length);
            const categories = new Set<string>();
            for (const stack of stacks) {
                const upload = uploads.find((u) => u.with?.sarif_file === sarifOf.get(stack));
                assert.ok(upload, `no upload of ${sarifOf.get(stack)}`);
                assert.match(String(upload.if), /^\$\{\{ always\(\) && /, `${stack}: upload runs always()`);
                const category = String(upload.with?.category);
                assert.ok(category.includes(stack), `${stack}: category ${category}`);
                categories.add(category);
                assert.ok(job.steps.indexOf(upload) > indexOfStep(job, (s) => s.run?.includes(`--stack ${stack}`) === true, `policy ${stack}`));
            }
            assert.equal(categories.size, stacks.length, "one category per stack");
        });
    });

    describe("the preview job", () => {
        const job = w.jobs.preview;

        it("runs for exactly the stacks that have a Pulumi.<stack>.yaml", () => {
            assert.deepEqual(stacks, ["dev", "prod"]);
            assert.deepEqual([...(job.strategy?.matrix?.stack as string[])].sort(), stacks);
            assert.equal(job.strategy?.["fail-fast"], false);
        });

        it("skips pull requests from forks, which get neither secrets nor OIDC tokens", () => {
            assert.equal(job.if, "github.event.pull_request.head.repo.full_name == github.repository");
        });

        it("installs dependencies before assuming the read-only preview role, then previews with refresh", () => {
            const install = indexOfStep(job, (s) => s.run === readmeCommand("npm ci"), "npm ci");
            const credentials = job.steps.indexOf(oneStepUsing(job, AWS_CREDENTIALS_ACTION));
            const preview = job.steps.indexOf(oneStepUsing(job, PULUMI_ACTION));
            assert.ok(install < credentials && credentials < preview, "npm ci, then credentials, then pulumi");
            assert.equal(oneStepUsing(job, AWS_CREDENTIALS_ACTION).with?.["role-to-assume"], "${{ vars.AWS_PREVIEW_ROLE_ARN }}");
        });

        it("runs `pulumi preview` of the matrix stack with both policy packs and comments on the pull request", () => {
            const step = assertPulumiStepSetUp("preview", job, "the test job");
            assert.deepEqual(needsOf(job), ["test"]);
            assert.ok(w.jobs.test.steps.some((st) => st.run === "npm test") && npmTestTypeChecks(), "the test job type-checks");
            assert.deepEqual(
                { ...step.with, policyPacks: lines(step.with?.policyPacks) },
                {
                    command: "preview",
                    "stack-name": stackNameExpression("matrix.stack"),
                    "work-dir": ".",
                    refresh: true,
                    diff: true,
                    "comment-on-pr": true,
                    "github-token": "${{ secrets.GITHUB_TOKEN }}",
                    "pulumi-version": lockedPulumiVersion(),
                    policyPacks: packsOnDisk(),
                },
            );
            assert.deepEqual(step.env, { PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}", PULUMI_NODEJS_TRANSPILE_ONLY: "true" });
            assert.deepEqual(stepsUsing(job, QEMU_ACTION), [], "previews build no image, so no emulation");
        });

        it("takes the AWS region from the stack's Pulumi.<stack>.yaml (the step's script, run here)", () => {
            const regionStep = job.steps.find((s) => s.id === "stack");
            assert.ok(regionStep);
            assert.equal(oneStepUsing(job, AWS_CREDENTIALS_ACTION).with?.["aws-region"], "${{ steps.stack.outputs.region }}");
            for (const stack of stacks) {
                assert.deepEqual(runStep(regionStep, { "matrix.stack": stack }), settingsOf(stack));
            }
        });
    });
});
