/**
 * The delivery pipeline: the GitHub Actions workflows in .github/workflows and the IAM roles they
 * assume (deploy/github-oidc-role).
 *
 * Workflows are parsed with js-yaml and checked for what they promise (triggers, the exact commands,
 * one preview and one deploy per Pulumi.<stack>.yaml, minimal permissions, OIDC only, pinned
 * actions); the shell snippets they run are executed here. The roles' documents are evaluated by
 * the least-privilege-iam pack (policy/offline/engine.ts, as `pulumi preview --policy-pack` would)
 * and by an IAM policy simulator (@cloud-copilot/iam-simulate, test-only): the deploy role can
 * create, change and delete every resource the dev and prod stacks declare and nothing else; the
 * preview role can read them and change none; each role trusts only this repository's tokens with
 * the subjects its workflow jobs present.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { PolicyPackConfig } from "@pulumi/policy";
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { Finding, PolicyPackSpec, ResourceRecord, evaluatePacks } from "../policy/offline/engine";
import { runProgram } from "../policy/offline/program";
import { parseOptions } from "../policy/offline/run";
import { PACKS } from "../policy/packs";
import {
    CI_ROLE_NAMES,
    DEPLOY_POLICY_PACK_CONFIG,
    GITHUB_OIDC_HOST,
    PROGRAM_SCOPE,
    PROJECT,
    PolicyDocument,
    SMOKE_POLICY_PACK_CONFIG,
    ProgramScope,
    Target,
    TRUSTED_SUBJECTS,
    documents,
} from "../deploy/github-oidc-role/policies";
import { DEPLOY_TRUST, PLACEHOLDERS, UsageError, parseRenderArgs, render, toJson } from "../deploy/github-oidc-role/render";
import { ACCOUNT, ROOT, Recorded, stackConfig } from "./mocks";
import { Job, Step, WORKFLOWS_DIR, loadWorkflow } from "./support/workflows";

// ---------------------------------------------------------------------------------------------
// The repository as the workflows see it

const ROLE_DIR = path.join(ROOT, "deploy", "github-oidc-role");

function workflowFiles(): string[] {
    return fs.readdirSync(WORKFLOWS_DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
}

/** The stacks: one per Pulumi.<stack>.yaml at the root. */
function stacksOnDisk(): string[] {
    return fs
        .readdirSync(ROOT)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/** The policy packs: every directory under policy/ with a PulumiPolicy.yaml. */
function packsOnDisk(): string[] {
    const dir = path.join(ROOT, "policy");
    return fs
        .readdirSync(dir)
        .filter((d) => fs.existsSync(path.join(dir, d, "PulumiPolicy.yaml")))
        .map((d) => `policy/${d}`)
        .sort();
}

/** A command of the README's quick start, e.g. `npm test` (comments dropped). */
function readmeCommand(first: string): string {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const quickStart = /## Quick start\s+```bash\n([\s\S]*?)```/.exec(readme);
    assert.ok(quickStart, "README.md has a Quick start section with a bash block");
    const line = quickStart[1].split("\n").find((l) => l.split(/\s+/).slice(0, first.split(" ").length).join(" ") === first);
    assert.ok(line, `README.md's quick start runs ${first}`);
    return line.replace(/#.*$/, "").trim();
}

function stepsUsing(job: Job, action: string): Step[] {
    return job.steps.filter((s) => s.uses !== undefined && s.uses.split("@")[0] === action);
}

function oneStepUsing(job: Job, action: string): Step {
    const found = stepsUsing(job, action);
    assert.equal(found.length, 1, `expected one ${action} step, found ${found.length}`);
    return found[0];
}

function indexOfStep(job: Job, predicate: (s: Step) => boolean, what: string): number {
    const i = job.steps.findIndex(predicate);
    assert.ok(i >= 0, `no step ${what}`);
    return i;
}

function environmentOf(job: Job): string | undefined {
    return typeof job.environment === "string" ? job.environment : job.environment?.name;
}

function needsOf(job: Job): string[] {
    return job.needs === undefined ? [] : ([] as string[]).concat(job.needs);
}

function lines(value: unknown): string[] {
    return String(value ?? "")
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== "");
}

/** The stack-name expression the workflows use: `<org>/<stack>` when PULUMI_ORG is set, else `<stack>`. */
function stackNameExpression(stack: string): string {
    return `\${{ vars.PULUMI_ORG && format('{0}/{1}', vars.PULUMI_ORG, ${stack}) || ${stack} }}`;
}

const PULUMI_ACTION = "pulumi/actions";
const AWS_CREDENTIALS_ACTION = "aws-actions/configure-aws-credentials";
const UPLOAD_SARIF_ACTION = "github/codeql-action/upload-sarif";

/**
 * Runs a step's shell script here, as the runner would (bash, repository root), with the step's
 * env (expressions replaced by `expressions`) and a GITHUB_OUTPUT file; returns the outputs.
 */
function runStep(step: Step, expressions: Record<string, string>, cwd = ROOT): Record<string, string> {
    assert.ok(step.run, `step ${step.name} runs a script`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "workflow-step-"));
    try {
        const output = path.join(dir, "output");
        fs.writeFileSync(output, "");
        const env: Record<string, string> = { ...process.env, GITHUB_OUTPUT: output, NODE_PATH: path.join(ROOT, "node_modules") } as Record<string, string>;
        for (const [key, value] of Object.entries(step.env ?? {})) {
            env[key] = String(value).replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (whole, expression: string) => {
                assert.ok(expression in expressions, `step ${step.name}: no value for ${whole}`);
                return expressions[expression];
            });
        }
        const r = spawnSync("bash", ["-e", "-c", step.run], { cwd, env, encoding: "utf8", timeout: 30000 });
        assert.equal(r.status, 0, `step ${step.name} failed: ${r.stderr}`);
        const outputs: Record<string, string> = {};
        for (const line of lines(fs.readFileSync(output, "utf8"))) {
            const eq = line.indexOf("=");
            outputs[line.slice(0, eq)] = line.slice(eq + 1);
        }
        return outputs;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function regionOf(stack: string): string {
    return stackConfig(stack)["aws:region"];
}

/** What the stack-settings step outputs for a stack: its region and its tasks' CPU architecture. */
function settingsOf(stack: string): Record<string, string> {
    return { region: regionOf(stack), architecture: stackConfig(stack)[`${PROJECT}:cpuArchitecture`] ?? "X86_64" };
}

/** The `uses:` lines of a workflow file as written, with their comments (YAML parsing drops comments). */
function usesLines(file: string): string[] {
    return fs
        .readFileSync(path.join(WORKFLOWS_DIR, file), "utf8")
        .split("\n")
        .map((l) => /^\s*(?:-\s+)?uses:\s*(.+)$/.exec(l)?.[1].trim())
        .filter((l): l is string => l !== undefined);
}

/** The version of @pulumi/pulumi package-lock.json installs; the Pulumi CLI is pinned to the same release. */
function lockedPulumiVersion(): string {
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { version: string }> };
    return lock.packages["node_modules/@pulumi/pulumi"].version;
}

const CACHE_ACTION = "actions/cache";
const QEMU_ACTION = "docker/setup-qemu-action";

/** The Pulumi step of a job, with the caching, type-checking and CLI pin every Pulumi step must have. */
function assertPulumiStepSetUp(label: string, job: Job, typecheckedBy: "this job" | "the test job"): Step {
    const pulumi = oneStepUsing(job, PULUMI_ACTION);
    assert.equal(pulumi.with?.["pulumi-version"], lockedPulumiVersion(), `${label}: Pulumi CLI pinned to @pulumi/pulumi's version`);
    assert.equal(pulumi.env?.PULUMI_NODEJS_TRANSPILE_ONLY, "true", `${label}: tsc already ran`);
    if (typecheckedBy === "this job") {
        const typecheck = indexOfStep(job, (st) => st.run === "npm run typecheck", "npm run typecheck");
        assert.ok(typecheck < job.steps.indexOf(pulumi), `${label}: type-checked before Pulumi runs the program`);
    }
    const cache = oneStepUsing(job, CACHE_ACTION);
    assert.deepEqual(cache.with, { path: "~/.pulumi/plugins", key: "pulumi-plugins-${{ runner.os }}-${{ hashFiles('package-lock.json') }}" }, `${label}: plugin cache`);
    assert.ok(job.steps.indexOf(cache) < job.steps.indexOf(pulumi), `${label}: plugins restored before Pulumi runs`);
    return pulumi;
}

// ---------------------------------------------------------------------------------------------
// Every workflow

describe("GitHub Actions workflows (.github/workflows)", () => {
    const files = workflowFiles();

    it("are the pull-request, deploy and release workflows, each valid YAML with a name, triggers and jobs", () => {
        assert.deepEqual(files, ["deploy.yml", "pull-request.yml", "release.yml"]);
        for (const file of files) {
            const w = loadWorkflow(file);
            assert.equal(typeof w.name, "string", `${file}: name`);
            assert.ok(w.on && typeof w.on === "object", `${file}: on`);
            assert.ok(Object.keys(w.jobs).length > 0, `${file}: jobs`);
            for (const [id, job] of Object.entries(w.jobs)) {
                assert.match(job["runs-on"], /^ubuntu-\d+\.\d+$/, `${file} ${id}: runs on a pinned Ubuntu image`);
                assert.ok(Array.isArray(job.steps) && job.steps.length > 0, `${file} ${id}: steps`);
            }
        }
    });

    it("pin every action to a full commit SHA, with its version in a comment, one SHA per action", () => {
        const pinned = /^([\w.-]+\/[\w.-]+)(?:\/[\w./-]+)?@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$/;
        const shaOf = new Map<string, string>();
        let count = 0;
        for (const file of files) {
            const lines = usesLines(file);
            const steps = Object.values(loadWorkflow(file).jobs).flatMap((job) => job.steps.filter((st) => st.uses !== undefined));
            assert.equal(lines.length, steps.length, `${file}: every uses: line is a step`);
            for (const line of lines) {
                count++;
                const m = pinned.exec(line);
                assert.ok(m, `${file}: ${line} is not pinned to a full commit SHA with "# vX.Y.Z"`);
                const [, repository, sha, version] = m;
                const seen = shaOf.get(repository);
                assert.ok(seen === undefined || seen === `${sha} ${version}`, `${repository}: ${sha} ${version} and ${seen} both used`);
                shaOf.set(repository, `${sha} ${version}`);
            }
        }
        assert.ok(count >= 16, `only ${count} uses: found`);
    });

    it("hold no long-lived AWS keys: credentials come from GitHub's OIDC token only", () => {
        const keyNames = /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|aws-access-key-id|aws-secret-access-key/i;
        const checked = [...files.map((f) => path.join(WORKFLOWS_DIR, f)), ...fs.readdirSync(ROLE_DIR).map((f) => path.join(ROLE_DIR, f))];
        for (const file of checked) {
            assert.doesNotMatch(fs.readFileSync(file, "utf8"), keyNames, `${path.relative(ROOT, file)} mentions a static AWS key`);
        }
        for (const file of files) {
            for (const [id, job] of Object.entries(loadWorkflow(file).jobs)) {
                for (const step of stepsUsing(job, AWS_CREDENTIALS_ACTION)) {
                    assert.deepEqual(Object.keys(step.with ?? {}).sort(), ["aws-region", "role-session-name", "role-to-assume"], `${file} ${id}`);
                    assert.match(String(step.with?.["role-to-assume"]), /^\$\{\{ vars\.AWS_(PREVIEW|DEPLOY|SMOKE)_ROLE_ARN \}\}$/, `${file} ${id}: role from a variable`);
                }
            }
        }
    });

    it("grant nothing at workflow level and each job exactly the permissions its steps use", () => {
        for (const file of files) {
            const w = loadWorkflow(file);
            assert.deepEqual(w.permissions, {}, `${file}: workflow-level permissions`);
            for (const [id, job] of Object.entries(w.jobs)) {
                // A GitHub release is written with the job's token; OIDC tokens serve AWS roles and npm provenance.
                const expected: Record<string, string> = { contents: job.steps.some((st) => /\bgh release create\b/.test(st.run ?? "")) ? "write" : "read" };
                if (stepsUsing(job, AWS_CREDENTIALS_ACTION).length > 0 || job.steps.some((st) => /\bnpm publish --provenance\b/.test(st.run ?? ""))) {
                    expected["id-token"] = "write";
                }
                if (stepsUsing(job, UPLOAD_SARIF_ACTION).length > 0) {
                    expected["security-events"] = "write";
                    expected.actions = "read";
                }
                if (stepsUsing(job, PULUMI_ACTION).some((s) => s.with?.["comment-on-pr"] === true)) {
                    expected["pull-requests"] = "write";
                }
                assert.deepEqual(job.permissions, expected, `${file} ${id}: permissions`);
            }
        }
    });

    it("check out without persisting the token and install Node.js (within package.json engines) with the npm cache", () => {
        const engines = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).engines.node as string;
        const minimum = /^>=\s*(\d+)/.exec(engines);
        assert.ok(minimum, `engines.node ${engines} has a minimum`);
        for (const file of files) {
            for (const [id, job] of Object.entries(loadWorkflow(file).jobs)) {
                const checkout = oneStepUsing(job, "actions/checkout");
                assert.equal(checkout.with?.["persist-credentials"], false, `${file} ${id}`);
                const node = oneStepUsing(job, "actions/setup-node");
                assert.ok(Number(node.with?.["node-version"]) >= Number(minimum[1]), `${file} ${id}: node-version ${node.with?.["node-version"]} < ${minimum[1]}`);
                assert.equal(node.with?.cache, "npm", `${file} ${id}`);
                assert.ok(job.steps.indexOf(checkout) < job.steps.indexOf(node), `${file} ${id}: checkout first`);
            }
        }
    });
});

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
            assert.ok(w.jobs.test.steps.some((st) => st.run === "npm test") && /^npm run typecheck && /.test(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts.test), "the test job type-checks");
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

describe("the policy packs the workflows load", () => {
    it("declare the dependencies they import, and `npm ci` at the root installs them (the packs are npm workspaces)", () => {
        const packs = packsOnDisk();
        assert.deepEqual(packs, ["policy/least-privilege-iam", "policy/log-retention"]);
        assert.deepEqual(
            PACKS.map((p) => `policy/${p.name}`),
            packs,
            "the offline runner evaluates the same packs",
        );
        const workspaces: string[] = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).workspaces;
        for (const pack of packs) {
            const dir = path.join(ROOT, pack);
            const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
            assert.ok(workspaces.includes(pack), `${pack} is a workspace of the root package.json`);
            assert.ok(fs.existsSync(path.join(dir, manifest.main)), `${pack}: ${manifest.main}`);
            for (const module of ["@pulumi/policy", "@pulumi/pulumi", "@s3-fargate-pipeline/policy-lib", "typescript", "ts-node"]) {
                assert.ok(manifest.dependencies?.[module], `${pack}/package.json declares ${module}`);
                assert.ok(fs.realpathSync(require.resolve(module, { paths: [dir] })).startsWith(ROOT + path.sep), `${pack} resolves ${module} inside the repository`);
            }
        }
    });
});

// ---------------------------------------------------------------------------------------------
// The CI roles' documents

const REPOSITORY = "example-org/s3-fargate-pipeline";

function target(stack: string): Target {
    return { account: ACCOUNT, region: regionOf(stack), repository: REPOSITORY };
}

/** The documents, wrapped in the resources that would carry them (aws.iam.Role / Policy / RolePolicyAttachment). */
function roleResources(docs: Record<string, PolicyDocument>, roles: { preview?: boolean; deploy?: boolean; smoke?: boolean } = { preview: true, deploy: true, smoke: true }): ResourceRecord[] {
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

function packsWith(config?: PolicyPackConfig): PolicyPackSpec[] {
    return PACKS.map((p) => (p.name === "least-privilege-iam" && config ? { ...p, config } : p));
}

function describeFindings(findings: Finding[]): string[] {
    return findings.map((f) => `${f.enforcementLevel} ${f.policy} ${f.resourceName}: ${f.message}`);
}

function readTemplate(file: string): PolicyDocument {
    return JSON.parse(fs.readFileSync(path.join(ROLE_DIR, file), "utf8")) as PolicyDocument;
}

/** The documents as shipped (with placeholders), by file name. */
function templates(): Record<string, PolicyDocument> {
    return Object.fromEntries(Object.keys(documents(PLACEHOLDERS)).map((f) => [f, readTemplate(f)]));
}

/** Nothing at all: the generator then writes only what needs no resource of the program. */
const EMPTY_SCOPE: ProgramScope = {
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
const DEPLOY_PACK_CONFIG = DEPLOY_POLICY_PACK_CONFIG as unknown as PolicyPackConfig;
/** The pack config the smoke-check role's document is evaluated with. */
const SMOKE_PACK_CONFIG = SMOKE_POLICY_PACK_CONFIG as unknown as PolicyPackConfig;

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
            spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROLE_DIR, "render.ts"), ...args], { cwd: ROOT, encoding: "utf8", timeout: 60000 });
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

// ---------------------------------------------------------------------------------------------
// The roles, simulated

type Context = Record<string, string | string[]>;
type Outcome = "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied";

interface Request {
    action: string;
    resource: string;
    context?: Context;
    /** The resource's own policy, where AWS requires one (a KMS key policy). */
    resourcePolicy?: unknown;
}

const ALLOW_ALL = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };

function sessionOf(roleName: string): string {
    return `arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/github-actions`;
}

async function simulate(principal: string, policies: unknown[], req: Request): Promise<Outcome> {
    const simulation: Simulation = {
        request: { principal, action: req.action, resource: { resource: req.resource, accountId: ACCOUNT }, contextVariables: req.context ?? {} },
        identityPolicies: policies.map((policy, i) => ({ name: `policy-${i}`, policy })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(req.resourcePolicy ? { resourcePolicy: req.resourcePolicy } : {}),
    };
    const result = await runSimulation(simulation, { simulationMode: "Strict" });
    const what = `${req.action} on ${req.resource} with ${JSON.stringify(req.context ?? {})}`;
    if (result.resultType === "error") {
        assert.fail(`simulator rejected ${what}: ${JSON.stringify(result.errors)}`);
    }
    if (result.resultType === "single") {
        assert.deepEqual(result.result.ignoredContextKeys ?? [], [], `simulator ignored context keys for ${what}`);
    }
    return result.overallResult as Outcome;
}

/** The two roles with their documents, rendered for one stack's account and region. */
function roles(stack: string) {
    const docs = documents(target(stack));
    return {
        preview: { label: "preview role", arn: sessionOf(CI_ROLE_NAMES.preview), policies: [docs["preview-policy.json"]] },
        deploy: { label: "deploy role", arn: sessionOf(CI_ROLE_NAMES.deploy), policies: [docs["preview-policy.json"], docs["deploy-compute-policy.json"], docs["deploy-pipeline-policy.json"]] },
        smoke: { label: "smoke-check role", arn: sessionOf(CI_ROLE_NAMES.smoke), policies: [docs["smoke-policy.json"]] },
    };
}

type Role = ReturnType<typeof roles>["deploy"];

const controls = new Map<string, Promise<Outcome>>();

/** A denial proves something only if the same request is allowed to an allow-everything principal. */
async function control(req: Request): Promise<void> {
    const key = JSON.stringify(req);
    if (!controls.has(key)) {
        controls.set(key, simulate(sessionOf("simulated-admin"), [ALLOW_ALL], req));
    }
    assert.equal(await controls.get(key), "Allowed", `control: ${req.action} on ${req.resource} should be allowed to an admin; the denial proves nothing`);
}

/** What a resource of the program needs: `change` only from the deploy role, `read` from both. */
interface Needs {
    change: Request[];
    read: Request[];
}

const AUTONAME_SUFFIX = "1a2b3c4";

/**
 * The program's resources as AWS would name them, and the requests `pulumi up` (change) and
 * `pulumi preview --refresh` (read) make for each.
 */
class Deployment {
    private readonly ec2Ids = new Map<Recorded, string>();

    constructor(
        readonly records: Recorded[],
        readonly region: string,
    ) {}

    private regional(service: string, resource: string): string {
        return `arn:aws:${service}:${this.region}:${ACCOUNT}:${resource}`;
    }

    /** The record a value (an ID, ARN, name or URL another resource received) came from. */
    private from(value: unknown, type: string): Recorded {
        const found = this.records.find((r) => r.type === type && [r.state.id, r.state.arn, r.state.name, r.state.url, r.state.bucket, r.state.repositoryUrl].includes(value));
        assert.ok(found, `no ${type} behind ${JSON.stringify(value)}`);
        return found;
    }

    /** Pulumi's auto-name (`<logical name>-<7 characters>`) unless the program names it. */
    name(r: Recorded): string {
        switch (r.type) {
            case "aws:s3/bucket:Bucket":
                return r.state.bucket;
            case "aws:ecs/taskDefinition:TaskDefinition":
                return r.inputs.family;
            case "aws:cloudwatch/dashboard:Dashboard":
                return r.inputs.dashboardName;
            default:
                return r.inputs.name ?? r.state.name ?? `${r.name}-${AUTONAME_SUFFIX}`;
        }
    }

    private ec2(r: Recorded, kind: string, prefix: string): string {
        if (!this.ec2Ids.has(r)) {
            this.ec2Ids.set(r, `${prefix}-${(this.ec2Ids.size + 1).toString(16).padStart(17, "0")}`);
        }
        return this.regional("ec2", `${kind}/${this.ec2Ids.get(r)}`);
    }

    /** The ARN AWS would give the resource. */
    arn(r: Recorded): string {
        const n = this.name(r);
        switch (r.type) {
            case "aws:s3/bucket:Bucket":
                return `arn:aws:s3:::${n}`;
            case "aws:iam/role:Role":
                return `arn:aws:iam::${ACCOUNT}:role/${n}`;
            case "aws:ecr/repository:Repository":
                return this.regional("ecr", `repository/${n}`);
            case "aws:ecs/cluster:Cluster":
                return this.regional("ecs", `cluster/${n}`);
            case "aws:ecs/taskDefinition:TaskDefinition":
                return this.regional("ecs", `task-definition/${n}:1`);
            case "aws:cloudwatch/eventRule:EventRule":
                return this.regional("events", `rule/${n}`);
            case "aws:sqs/queue:Queue":
                return this.regional("sqs", n);
            case "aws:sns/topic:Topic":
                return this.regional("sns", n);
            case "aws:kms/key:Key":
                return this.regional("kms", "key/1234abcd-12ab-34cd-56ef-1234567890ab");
            case "aws:cloudwatch/logGroup:LogGroup":
                return this.regional("logs", `log-group:${n}`);
            case "aws:cloudwatch/metricAlarm:MetricAlarm":
                return this.regional("cloudwatch", `alarm:${n}`);
            case "aws:cloudwatch/dashboard:Dashboard":
                return `arn:aws:cloudwatch::${ACCOUNT}:dashboard/${n}`;
            case "aws:lambda/function:Function":
                return this.regional("lambda", `function:${n}`);
            case "aws:secretsmanager/secret:Secret":
                return this.regional("secretsmanager", `secret:${n}-AbCdEf`);
            case "aws:scheduler/schedule:Schedule":
                return this.regional("scheduler", `schedule/${r.inputs.groupName ?? "default"}/${n}`);
            case "aws:ec2/vpc:Vpc":
                return this.ec2(r, "vpc", "vpc");
            case "aws:ec2/subnet:Subnet":
                return this.ec2(r, "subnet", "subnet");
            case "aws:ec2/internetGateway:InternetGateway":
                return this.ec2(r, "internet-gateway", "igw");
            case "aws:ec2/routeTable:RouteTable":
                return this.ec2(r, "route-table", "rtb");
            case "aws:ec2/securityGroup:SecurityGroup":
            case "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":
                return this.ec2(r, "security-group", "sg");
            default:
                throw new Error(`no ARN for ${r.type}`);
        }
    }

    /** The key policy of the program's KMS key, as the program wrote it. */
    keyPolicy(): unknown {
        const key = this.records.find((r) => r.type === "aws:kms/key:Key");
        assert.ok(key, "the program creates a KMS key");
        return typeof key.inputs.policy === "string" ? JSON.parse(key.inputs.policy) : key.inputs.policy;
    }

    private arnOf(value: unknown, type: string): string {
        return this.arn(this.from(value, type));
    }

    private pass(roleArn: unknown, service: string): Request {
        return { action: "iam:PassRole", resource: this.arnOf(roleArn, "aws:iam/role:Role"), context: { "iam:PassedToService": service } };
    }

    /** What each resource needs; undefined for component resources (nothing in AWS). */
    needs(r: Recorded): Needs | undefined {
        const on = (resource: string, ...actions: string[]): Request[] => actions.map((action) => ({ action, resource }));
        const anywhere = (...actions: string[]) => on("*", ...actions);
        const i = r.inputs;
        const bucket = () => this.arnOf(i.bucket, "aws:s3/bucket:Bucket");
        if (r.type.startsWith(`${PROJECT}:`)) {
            return undefined;
        }
        switch (r.type) {
            case "aws:s3/bucket:Bucket": {
                const arn = this.arn(r);
                const empty = i.forceDestroy ? [...on(arn, "s3:ListBucketVersions"), ...on(`${arn}/uploads/day.csv`, "s3:DeleteObject", "s3:DeleteObjectVersion")] : [];
                return { change: [...on(arn, "s3:CreateBucket", "s3:DeleteBucket"), ...empty], read: on(arn, "s3:ListBucket", "s3:GetBucketTagging", "s3:GetBucketAcl", "s3:GetBucketCORS") };
            }
            case "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":
                return { change: on(bucket(), "s3:PutBucketPublicAccessBlock"), read: on(bucket(), "s3:GetBucketPublicAccessBlock") };
            case "aws:s3/bucketOwnershipControls:BucketOwnershipControls":
                return { change: on(bucket(), "s3:PutBucketOwnershipControls"), read: on(bucket(), "s3:GetBucketOwnershipControls") };
            case "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
                return { change: on(bucket(), "s3:PutEncryptionConfiguration"), read: on(bucket(), "s3:GetEncryptionConfiguration") };
            case "aws:s3/bucketPolicy:BucketPolicy":
                return { change: on(bucket(), "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"), read: on(bucket(), "s3:GetBucketPolicy") };
            case "aws:s3/bucketVersioning:BucketVersioning":
                return { change: on(bucket(), "s3:PutBucketVersioning"), read: on(bucket(), "s3:GetBucketVersioning") };
            case "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration":
                return { change: on(bucket(), "s3:PutLifecycleConfiguration"), read: on(bucket(), "s3:GetLifecycleConfiguration") };
            case "aws:s3/bucketNotification:BucketNotification":
                return { change: on(bucket(), "s3:PutBucketNotification"), read: on(bucket(), "s3:GetBucketNotification") };
            case "aws:ecr/repository:Repository": {
                const arn = this.arn(r);
                return {
                    change: on(arn, "ecr:CreateRepository", "ecr:DeleteRepository", "ecr:PutImageScanningConfiguration", "ecr:PutImageTagMutability", ...(i.forceDelete ? ["ecr:BatchDeleteImage"] : [])),
                    read: on(arn, "ecr:DescribeRepositories", "ecr:ListTagsForResource", "ecr:GetRepositoryPolicy"),
                };
            }
            case "aws:ecr/lifecyclePolicy:LifecyclePolicy": {
                const arn = this.arnOf(i.repository, "aws:ecr/repository:Repository");
                return { change: on(arn, "ecr:PutLifecyclePolicy", "ecr:DeleteLifecyclePolicy"), read: on(arn, "ecr:GetLifecyclePolicy") };
            }
            case "docker-build:index:Image": {
                // Pushes to the repository its one tag names (`<repositoryUrl>:<content tag>`).
                const arn = this.arnOf(String(i.tags[0]).replace(/:[^:/]+$/, ""), "aws:ecr/repository:Repository");
                return {
                    change: on(arn, "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage"),
                    read: [...anywhere("ecr:GetAuthorizationToken"), ...on(arn, "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:DescribeImages")],
                };
            }
            case "aws:ecs/cluster:Cluster": {
                const arn = this.arn(r);
                const serviceLinkedRole = {
                    action: "iam:CreateServiceLinkedRole",
                    resource: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS`,
                    context: { "iam:AWSServiceName": "ecs.amazonaws.com" },
                };
                return { change: [...on(arn, "ecs:CreateCluster", "ecs:UpdateCluster", "ecs:UpdateClusterSettings", "ecs:DeleteCluster"), serviceLinkedRole], read: on(arn, "ecs:DescribeClusters", "ecs:ListTagsForResource") };
            }
            case "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": {
                const arn = this.arnOf(i.clusterName, "aws:ecs/cluster:Cluster");
                return { change: on(arn, "ecs:PutClusterCapacityProviders"), read: on(arn, "ecs:DescribeClusters") };
            }
            case "aws:ecs/taskDefinition:TaskDefinition": {
                const arn = this.arn(r);
                return {
                    change: [...on(arn, "ecs:RegisterTaskDefinition"), ...anywhere("ecs:DeregisterTaskDefinition"), this.pass(i.executionRoleArn, "ecs-tasks.amazonaws.com"), this.pass(i.taskRoleArn, "ecs-tasks.amazonaws.com")],
                    read: [...anywhere("ecs:DescribeTaskDefinition"), ...on(arn, "ecs:ListTagsForResource")],
                };
            }
            case "aws:ecs/service:Service": {
                const arn = this.regional("ecs", `service/${this.name(this.from(i.cluster, "aws:ecs/cluster:Cluster"))}/${this.name(r)}`);
                return { change: on(arn, "ecs:CreateService", "ecs:UpdateService", "ecs:DeleteService"), read: on(arn, "ecs:DescribeServices", "ecs:ListTagsForResource") };
            }
            case "aws:appautoscaling/target:Target":
            case "aws:appautoscaling/policy:Policy": {
                const arn = this.regional("application-autoscaling", "scalable-target/0123456789abcdef0123456789abcdef");
                const context = { "application-autoscaling:service-namespace": "ecs", "application-autoscaling:scalable-dimension": "ecs:service:DesiredCount" };
                const actions = r.type.endsWith("Target") ? ["application-autoscaling:RegisterScalableTarget", "application-autoscaling:DeregisterScalableTarget"] : ["application-autoscaling:PutScalingPolicy", "application-autoscaling:DeleteScalingPolicy"];
                return {
                    change: actions.map((action) => ({ action, resource: arn, context })),
                    read: anywhere("application-autoscaling:DescribeScalableTargets", "application-autoscaling:DescribeScalingPolicies"),
                };
            }
            case "aws:iam/role:Role": {
                const arn = this.arn(r);
                return {
                    change: on(arn, "iam:CreateRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:ListInstanceProfilesForRole", "iam:DeleteRole"),
                    read: on(arn, "iam:GetRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"),
                };
            }
            case "aws:iam/rolePolicy:RolePolicy": {
                const arn = this.arnOf(i.role, "aws:iam/role:Role");
                return { change: on(arn, "iam:PutRolePolicy", "iam:DeleteRolePolicy"), read: on(arn, "iam:GetRolePolicy") };
            }
            case "aws:cloudwatch/eventRule:EventRule": {
                const arn = this.arn(r);
                return { change: on(arn, "events:PutRule", "events:EnableRule", "events:DisableRule", "events:DeleteRule"), read: on(arn, "events:DescribeRule", "events:ListTagsForResource") };
            }
            case "aws:cloudwatch/eventTarget:EventTarget": {
                const arn = this.arnOf(i.rule, "aws:cloudwatch/eventRule:EventRule");
                return {
                    change: [...on(arn, "events:PutTargets", "events:RemoveTargets"), ...(i.roleArn ? [this.pass(i.roleArn, "events.amazonaws.com")] : [])],
                    read: on(arn, "events:ListTargetsByRule"),
                };
            }
            case "aws:scheduler/schedule:Schedule": {
                const arn = this.arn(r);
                return { change: [...on(arn, "scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule"), this.pass(i.target.roleArn, "scheduler.amazonaws.com")], read: on(arn, "scheduler:GetSchedule") };
            }
            case "aws:sqs/queue:Queue": {
                const arn = this.arn(r);
                return { change: on(arn, "sqs:CreateQueue", "sqs:SetQueueAttributes", "sqs:DeleteQueue"), read: on(arn, "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ListQueueTags") };
            }
            case "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy":
            case "aws:sqs/queuePolicy:QueuePolicy": {
                const arn = this.arnOf(i.queueUrl, "aws:sqs/queue:Queue");
                return { change: on(arn, "sqs:SetQueueAttributes"), read: on(arn, "sqs:GetQueueAttributes") };
            }
            case "aws:sns/topic:Topic": {
                const arn = this.arn(r);
                return { change: on(arn, "sns:CreateTopic", "sns:SetTopicAttributes", "sns:DeleteTopic"), read: on(arn, "sns:GetTopicAttributes", "sns:ListTagsForResource") };
            }
            case "aws:sns/topicPolicy:TopicPolicy": {
                const arn = this.arnOf(i.arn, "aws:sns/topic:Topic");
                return { change: on(arn, "sns:SetTopicAttributes"), read: on(arn, "sns:GetTopicAttributes") };
            }
            case "aws:sns/topicSubscription:TopicSubscription": {
                const arn = this.arnOf(i.topic, "aws:sns/topic:Topic");
                return { change: on(arn, "sns:Subscribe", "sns:SetSubscriptionAttributes", "sns:Unsubscribe"), read: on(arn, "sns:GetSubscriptionAttributes", "sns:ListSubscriptionsByTopic") };
            }
            case "aws:kms/key:Key": {
                // A key is usable only as far as its key policy allows; the program's delegates to IAM.
                const onKey = (...actions: string[]) => on(this.arn(r), ...actions).map((req) => ({ ...req, resourcePolicy: this.keyPolicy() }));
                return {
                    change: [...anywhere("kms:CreateKey"), ...onKey("kms:EnableKeyRotation", "kms:PutKeyPolicy", "kms:UpdateKeyDescription", "kms:ScheduleKeyDeletion")],
                    read: onKey("kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"),
                };
            }
            case "aws:cloudwatch/logGroup:LogGroup": {
                const arn = this.arn(r);
                return {
                    change: on(arn, "logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:AssociateKmsKey", "logs:DeleteLogGroup"),
                    read: [...anywhere("logs:DescribeLogGroups"), ...on(arn, "logs:ListTagsForResource")],
                };
            }
            case "aws:cloudwatch/queryDefinition:QueryDefinition":
                return { change: anywhere("logs:PutQueryDefinition", "logs:DeleteQueryDefinition"), read: anywhere("logs:DescribeQueryDefinitions") };
            case "aws:cloudwatch/dashboard:Dashboard": {
                const arn = this.arn(r);
                return { change: on(arn, "cloudwatch:PutDashboard", "cloudwatch:DeleteDashboards"), read: on(arn, "cloudwatch:GetDashboard") };
            }
            case "aws:cloudwatch/metricAlarm:MetricAlarm": {
                const arn = this.arn(r);
                return { change: on(arn, "cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms"), read: on(arn, "cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource") };
            }
            case "aws:lambda/function:Function": {
                const arn = this.arn(r);
                return {
                    change: [...on(arn, "lambda:CreateFunction", "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:DeleteFunction"), this.pass(i.role, "lambda.amazonaws.com")],
                    read: on(arn, "lambda:GetFunction", "lambda:GetFunctionConfiguration", "lambda:GetFunctionCodeSigningConfig", "lambda:ListVersionsByFunction", "lambda:GetRuntimeManagementConfig", "lambda:ListTags"),
                };
            }
            case "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": {
                const arn = this.arnOf(i.functionName, "aws:lambda/function:Function");
                return {
                    change: on(arn, "lambda:PutFunctionEventInvokeConfig", "lambda:UpdateFunctionEventInvokeConfig", "lambda:DeleteFunctionEventInvokeConfig"),
                    read: on(arn, "lambda:GetFunctionEventInvokeConfig"),
                };
            }
            case "aws:lambda/permission:Permission": {
                const arn = this.arnOf(i.function, "aws:lambda/function:Function");
                return { change: [{ action: "lambda:AddPermission", resource: arn, context: { "lambda:Principal": i.principal } }, ...on(arn, "lambda:RemovePermission")], read: on(arn, "lambda:GetPolicy") };
            }
            case "aws:secretsmanager/secret:Secret": {
                const arn = this.arn(r);
                return { change: on(arn, "secretsmanager:CreateSecret", "secretsmanager:UpdateSecret", "secretsmanager:DeleteSecret"), read: on(arn, "secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy") };
            }
            case "aws:secretsmanager/secretVersion:SecretVersion": {
                const arn = this.arnOf(i.secretId, "aws:secretsmanager/secret:Secret");
                return { change: on(arn, "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"), read: on(arn, "secretsmanager:GetSecretValue", "secretsmanager:ListSecretVersionIds") };
            }
            case "aws:ec2/vpc:Vpc": {
                const arn = this.arn(r);
                return { change: on(arn, "ec2:CreateVpc", "ec2:ModifyVpcAttribute", "ec2:DeleteVpc"), read: [...anywhere("ec2:DescribeVpcs", "ec2:DescribeNetworkAcls"), ...on(arn, "ec2:DescribeVpcAttribute")] };
            }
            case "aws:ec2/subnet:Subnet": {
                const arn = this.arn(r);
                const vpc = this.arnOf(i.vpcId, "aws:ec2/vpc:Vpc");
                return { change: [...on(arn, "ec2:CreateSubnet", "ec2:ModifySubnetAttribute", "ec2:DeleteSubnet"), ...on(vpc, "ec2:CreateSubnet")], read: anywhere("ec2:DescribeSubnets") };
            }
            case "aws:ec2/internetGateway:InternetGateway": {
                const arn = this.arn(r);
                const vpc = this.arnOf(i.vpcId, "aws:ec2/vpc:Vpc");
                return {
                    change: [...on(arn, "ec2:CreateInternetGateway", "ec2:AttachInternetGateway", "ec2:DetachInternetGateway", "ec2:DeleteInternetGateway"), ...on(vpc, "ec2:AttachInternetGateway", "ec2:DetachInternetGateway")],
                    read: anywhere("ec2:DescribeInternetGateways"),
                };
            }
            case "aws:ec2/routeTable:RouteTable": {
                const arn = this.arn(r);
                const vpc = this.arnOf(i.vpcId, "aws:ec2/vpc:Vpc");
                return { change: [...on(arn, "ec2:CreateRouteTable", "ec2:CreateRoute", "ec2:ReplaceRoute", "ec2:DeleteRoute", "ec2:DeleteRouteTable"), ...on(vpc, "ec2:CreateRouteTable")], read: anywhere("ec2:DescribeRouteTables") };
            }
            case "aws:ec2/routeTableAssociation:RouteTableAssociation": {
                const table = this.arnOf(i.routeTableId, "aws:ec2/routeTable:RouteTable");
                const subnet = this.arnOf(i.subnetId, "aws:ec2/subnet:Subnet");
                return { change: [...on(table, "ec2:AssociateRouteTable", "ec2:DisassociateRouteTable"), ...on(subnet, "ec2:AssociateRouteTable", "ec2:DisassociateRouteTable")], read: anywhere("ec2:DescribeRouteTables") };
            }
            case "aws:ec2/securityGroup:SecurityGroup": {
                const arn = this.arn(r);
                const vpc = this.arnOf(i.vpcId, "aws:ec2/vpc:Vpc");
                return {
                    change: [...on(arn, "ec2:CreateSecurityGroup", "ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress", "ec2:DeleteSecurityGroup"), ...on(vpc, "ec2:CreateSecurityGroup")],
                    read: anywhere("ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules", "ec2:DescribeNetworkInterfaces"),
                };
            }
            case "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": {
                const arn = this.arn(r);
                return { change: on(arn, "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress"), read: anywhere("ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules") };
            }
            default:
                throw new Error(`${r.type} (${r.name}) is not known to the deploy role's test: add what \`pulumi up\` does with it to Deployment.needs in tests/workflows.test.ts, and the permissions to deploy/github-oidc-role/policies.ts`);
        }
    }
}

/**
 * The stacks the roles must cover: dev and prod as configured, and dev with each option its config
 * offers (the Slack notifier, the Lambda trigger, the queue worker service; not kubernetes).
 */
const PROGRAM_RUNS: { label: string; stack: string; config?: () => Record<string, string>; secretKeys?: string[] }[] = [
    ...stacksOnDisk().map((stack) => ({ label: stack, stack })),
    {
        label: "dev with Slack",
        stack: "dev",
        config: () => ({ ...stackConfig("dev"), [`${PROJECT}:slackWebhookUrl`]: "https://hooks.slack.com/services/T0/B0/secret-part" }),
        secretKeys: [`${PROJECT}:slackWebhookUrl`],
    },
    { label: "dev with the Lambda trigger", stack: "dev", config: () => ({ ...stackConfig("dev"), [`${PROJECT}:trigger`]: "lambda" }) },
    { label: "dev with the queue worker service", stack: "dev", config: () => ({ ...stackConfig("dev"), [`${PROJECT}:trigger`]: "queue" }) },
];

for (const run of PROGRAM_RUNS) {
    describe(`the CI roles against the ${run.label} stack (index.ts under Pulumi mocks, IAM simulator)`, function () {
        this.timeout(180000);
        let deployment: Deployment;
        let role: ReturnType<typeof roles>;

        before(async () => {
            const { resources } = await runProgram({ stack: run.stack, config: run.config?.(), secretKeys: run.secretKeys });
            deployment = new Deployment(resources, regionOf(run.stack));
            role = roles(run.stack);
        });

        /** Runs each request; collects every mismatch so one failure names everything missing. */
        async function expectAll(who: Role, requests: { owner: string; req: Request }[], expected: Outcome): Promise<string[]> {
            const problems: string[] = [];
            for (const { owner, req } of requests) {
                const outcome = await simulate(who.arn, who.policies, req);
                if (outcome !== expected) {
                    problems.push(`${owner}: ${who.label} ${req.action} on ${req.resource}${req.context ? ` ${JSON.stringify(req.context)}` : ""} → ${outcome}, expected ${expected}`);
                } else if (expected === "ImplicitlyDenied") {
                    await control(req);
                }
            }
            return problems;
        }

        function requests(kind: keyof Needs): { owner: string; req: Request }[] {
            return deployment.records.flatMap((r) => (deployment.needs(r)?.[kind] ?? []).map((req) => ({ owner: `${r.type} ${r.name}`, req })));
        }

        it("knows what `pulumi up` does with every resource the stack declares", () => {
            const kinds = new Set(deployment.records.filter((r) => deployment.needs(r) !== undefined).map((r) => r.type));
            assert.ok(kinds.size >= 25, `only ${kinds.size} resource types`);
            assert.ok(requests("change").length >= 100);
        });

        it("the deploy role may create, change and delete each of them (and pass each role only to its service)", async () => {
            assert.deepEqual(await expectAll(role.deploy, requests("change"), "Allowed"), []);
        });

        it("both roles may read each of them (what `pulumi preview --refresh` reads)", async () => {
            assert.deepEqual(await expectAll(role.preview, requests("read"), "Allowed"), []);
            assert.deepEqual(await expectAll(role.deploy, requests("read"), "Allowed"), []);
        });

        it("the preview role may change none of them", async () => {
            assert.deepEqual(await expectAll(role.preview, requests("change"), "ImplicitlyDenied"), []);
        });

        it("the deploy role may not touch data, start compute, open inbound traffic or act outside the program", async () => {
            const of = (type: string) => deployment.records.find((r) => r.type === type) as Recorded;
            const bucket = deployment.arn(of("aws:s3/bucket:Bucket"));
            const taskRole = deployment.arn(deployment.records.find((r) => r.name === "processor-task-role") as Recorded);
            // The upload rule's (or the Lambda trigger's) role, which is never the tasks'.
            const targetRole = `arn:aws:iam::${ACCOUNT}:role/on-upload-role-${AUTONAME_SUFFIX}`;
            const taskDefinition = deployment.arn(of("aws:ecs/taskDefinition:TaskDefinition"));
            const group = deployment.arn(of("aws:ec2/securityGroup:SecurityGroup"));
            const queue = deployment.arn(of("aws:sqs/queue:Queue"));
            const key = deployment.arn(of("aws:kms/key:Key"));
            const other = (service: string, resource: string) => `arn:aws:${service}:${deployment.region}:${ACCOUNT}:${resource}`;
            const denied: Request[] = [
                { action: "s3:GetObject", resource: `${bucket}/uploads/day.csv` },
                { action: "s3:PutObject", resource: `${bucket}/uploads/day.csv` },
                { action: "s3:CreateBucket", resource: "arn:aws:s3:::another-teams-bucket" },
                { action: "s3:DeleteObject", resource: "arn:aws:s3:::another-teams-bucket/data.csv" },
                { action: "iam:CreateRole", resource: `arn:aws:iam::${ACCOUNT}:role/admin` },
                { action: "iam:PutRolePolicy", resource: `arn:aws:iam::${ACCOUNT}:role/admin` },
                { action: "iam:AttachRolePolicy", resource: taskRole },
                { action: "iam:CreatePolicyVersion", resource: `arn:aws:iam::${ACCOUNT}:policy/any` },
                { action: "iam:PassRole", resource: taskRole, context: { "iam:PassedToService": "ec2.amazonaws.com" } },
                { action: "iam:PassRole", resource: taskRole, context: { "iam:PassedToService": "lambda.amazonaws.com" } },
                { action: "iam:PassRole", resource: targetRole, context: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
                { action: "iam:PassRole", resource: `arn:aws:iam::${ACCOUNT}:role/admin`, context: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
                { action: "ecs:RunTask", resource: taskDefinition },
                { action: "ec2:RunInstances", resource: other("ec2", "instance/*") },
                { action: "ec2:AuthorizeSecurityGroupIngress", resource: group },
                { action: "ec2:CreateVpc", resource: `arn:aws:ec2:us-east-1:${ACCOUNT}:vpc/*` },
                { action: "lambda:InvokeFunction", resource: other("lambda", `function:${PROJECT}-${run.stack}-monitoring-notifier`) },
                { action: "lambda:AddPermission", resource: other("lambda", `function:${PROJECT}-${run.stack}-monitoring-notifier`), context: { "lambda:Principal": "*" } },
                { action: "lambda:CreateFunction", resource: other("lambda", "function:another-function") },
                { action: "sqs:SendMessage", resource: queue },
                { action: "sqs:ReceiveMessage", resource: queue },
                { action: "sqs:CreateQueue", resource: other("sqs", "another-queue") },
                { action: "kms:Decrypt", resource: key, resourcePolicy: deployment.keyPolicy() },
                { action: "kms:Decrypt", resource: key, context: { "kms:ViaService": `dynamodb.${deployment.region}.amazonaws.com` }, resourcePolicy: deployment.keyPolicy() },
                { action: "secretsmanager:GetSecretValue", resource: other("secretsmanager", "secret:database-password-AbCdEf") },
                { action: "logs:DeleteLogGroup", resource: other("logs", "log-group:/aws/rds/cluster/db/postgresql") },
                { action: "events:PutRule", resource: other("events", "rule/another-rule") },
            ];
            assert.deepEqual(await expectAll(role.deploy, denied.map((req) => ({ owner: "outside the program", req })), "ImplicitlyDenied"), []);
        });

        it("the deploy role may use keys only through the services that encrypt the program's data", async () => {
            const key = deployment.arn(deployment.records.find((r) => r.type === "aws:kms/key:Key") as Recorded);
            for (const service of ["s3", "sqs", "sns", "secretsmanager"]) {
                const req = { action: "kms:GenerateDataKey", resource: key, context: { "kms:ViaService": `${service}.${deployment.region}.amazonaws.com` }, resourcePolicy: deployment.keyPolicy() };
                assert.equal(await simulate(role.deploy.arn, role.deploy.policies, req), "Allowed", service);
                assert.equal(await simulate(role.preview.arn, role.preview.policies, req), "ImplicitlyDenied", service);
            }
        });

        it("the deploy role can never change the CI roles, nor bypass a key policy's lockout check (explicit denies)", async () => {
            for (const name of Object.values(CI_ROLE_NAMES)) {
                for (const action of ["iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy", "iam:DeleteRole"]) {
                    assert.equal(await simulate(role.deploy.arn, role.deploy.policies, { action, resource: `arn:aws:iam::${ACCOUNT}:role/${name}` }), "ExplicitlyDenied", `${action} on ${name}`);
                }
            }
            const key = deployment.arn(deployment.records.find((r) => r.type === "aws:kms/key:Key") as Recorded);
            const resourcePolicy = deployment.keyPolicy();
            assert.equal(await simulate(role.deploy.arn, role.deploy.policies, { action: "kms:PutKeyPolicy", resource: key, context: { "kms:BypassPolicyLockoutSafetyCheck": "true" }, resourcePolicy }), "ExplicitlyDenied");
            assert.equal(await simulate(role.deploy.arn, role.deploy.policies, { action: "kms:PutKeyPolicy", resource: key, context: { "kms:BypassPolicyLockoutSafetyCheck": "false" }, resourcePolicy }), "Allowed");
        });

        // The requests app/src/smoke makes against this stack: its own objects, its own queue on the alert topic,
        // the program's dead-letter queues' depth, the rules' metrics.
        it("the smoke-check role may make the smoke check's requests, and touches nothing else", async () => {
            const config = run.config?.() ?? stackConfig(run.stack);
            const prefix = (key: string, fallback: string) => config[`${PROJECT}:${key}`] ?? fallback;
            const [upload, output, status] = [prefix("uploadPrefix", "uploads/"), prefix("outputPrefix", "processed/"), prefix("statusPrefix", "status/")];
            const bucket = deployment.arn(deployment.records.find((r) => r.type === "aws:s3/bucket:Bucket") as Recorded);
            const topic = deployment.arn(deployment.records.find((r) => r.type === "aws:sns/topic:Topic") as Recorded);
            const queues = deployment.records.filter((r) => r.type === "aws:sqs/queue:Queue").map((r) => deployment.arn(r));
            const own = `arn:aws:sqs:${deployment.region}:${ACCOUNT}:smoke-check-20261123T100000-a1b2c3`;
            const run_ = "20261123T100000-a1b2c3";
            const objects = [`${upload}smoke-check/${run_}/ok.csv`, `${status}smoke-check/${run_}/ok.csv.json`, `${output}smoke-check/${run_}/ok.csv.summary.json`, `${upload}smoke-check-slack/${run_}/must-fail.csv`];
            const allowed: Request[] = [
                ...objects.flatMap((key) => ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:DeleteObjectVersion"].map((action) => ({ action, resource: `${bucket}/${key}` }))),
                ...objects.flatMap((key) => ["s3:ListBucket", "s3:ListBucketVersions"].map((action) => ({ action, resource: bucket, context: { "s3:prefix": key } }))),
                ...["sqs:CreateQueue", "sqs:GetQueueAttributes", "sqs:SetQueueAttributes", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:DeleteQueue"].map((action) => ({ action, resource: own })),
                { action: "sns:Subscribe", resource: topic },
                { action: "sns:Unsubscribe", resource: topic },
                ...queues.map((q) => ({ action: "sqs:GetQueueAttributes", resource: q })),
                { action: "cloudwatch:GetMetricData", resource: "*" },
            ];
            assert.deepEqual(await expectAll(role.smoke, allowed.map((req) => ({ owner: "the smoke check", req })), "Allowed"), []);
            const denied: Request[] = [
                { action: "s3:GetObject", resource: `${bucket}/${upload}day.csv` },
                { action: "s3:PutObject", resource: `${bucket}/${upload}day.csv` },
                { action: "s3:DeleteObject", resource: `${bucket}/${output}day.csv.summary.json` },
                { action: "s3:ListBucket", resource: bucket, context: { "s3:prefix": upload } },
                { action: "s3:PutObject", resource: "arn:aws:s3:::another-teams-bucket/smoke-check/x" },
                { action: "s3:PutBucketPolicy", resource: bucket },
                { action: "sns:Publish", resource: topic },
                { action: "sns:SetTopicAttributes", resource: topic },
                { action: "sns:Subscribe", resource: `arn:aws:sns:${deployment.region}:${ACCOUNT}:another-topic` },
                ...queues.flatMap((q) => [
                    { action: "sqs:ReceiveMessage", resource: q },
                    { action: "sqs:DeleteQueue", resource: q },
                    { action: "sqs:SendMessage", resource: q },
                    { action: "sqs:SetQueueAttributes", resource: q },
                ]),
                { action: "sqs:CreateQueue", resource: `arn:aws:sqs:${deployment.region}:${ACCOUNT}:another-queue` },
                { action: "ecs:RunTask", resource: deployment.arn(deployment.records.find((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition") as Recorded) },
                { action: "iam:PassRole", resource: `arn:aws:iam::${ACCOUNT}:role/processor-task-role-${AUTONAME_SUFFIX}`, context: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
                { action: "events:PutRule", resource: `arn:aws:events:${deployment.region}:${ACCOUNT}:rule/on-upload-rule-${AUTONAME_SUFFIX}` },
                { action: "cloudwatch:PutMetricAlarm", resource: `arn:aws:cloudwatch:${deployment.region}:${ACCOUNT}:alarm:monitoring-cpu-high-${AUTONAME_SUFFIX}` },
            ];
            assert.deepEqual(await expectAll(role.smoke, denied.map((req) => ({ owner: "outside the smoke check", req })), "ImplicitlyDenied"), []);
        });
    });
}

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
