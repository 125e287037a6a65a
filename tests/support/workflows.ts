/** The GitHub Actions workflows in .github/workflows as the tests read them (js-yaml), and the repository as they see it. */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as os from "os";
import * as path from "path";
import { PROJECT } from "../../deploy/github-oidc-role/policies";
import { ROOT, stackConfig } from "../mocks";
import { manifest } from "./npm-pack";

export const WORKFLOWS_DIR = path.join(ROOT, ".github", "workflows");

/** Whether `npm test` type-checks: it is mocha, and the suite's files include tests/typecheck.test.ts (`npm run typecheck`). */
export function npmTestTypeChecks(): boolean {
    const suite = require(path.join(ROOT, ".mocharc.js")) as { spec: string[] };
    return manifest(ROOT).scripts?.test === "mocha" && suite.spec.includes(path.join("tests", "typecheck.test.ts"));
}

export interface Step {
    name?: string;
    id?: string;
    uses?: string;
    run?: string;
    if?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
}

export interface Job {
    name?: string;
    "runs-on": string;
    needs?: string | string[];
    if?: string;
    environment?: string | { name: string; url?: string };
    permissions?: Record<string, string> | string;
    concurrency?: string | { group: string; "cancel-in-progress"?: boolean };
    strategy?: { "fail-fast"?: boolean; matrix?: Record<string, unknown> };
    steps: Step[];
}

export interface Workflow {
    name: string;
    on: Record<string, unknown>;
    permissions?: unknown;
    concurrency?: unknown;
    jobs: Record<string, Job>;
}

export function loadWorkflow(file: string): Workflow {
    return yaml.load(fs.readFileSync(path.join(WORKFLOWS_DIR, file), "utf8")) as Workflow;
}

// The repository as the workflows see it

export const ROLE_DIR = path.join(ROOT, "deploy", "github-oidc-role");

export function workflowFiles(): string[] {
    return fs.readdirSync(WORKFLOWS_DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
}

/** The stacks: one per Pulumi.<stack>.yaml at the root. */
export function stacksOnDisk(): string[] {
    return fs
        .readdirSync(ROOT)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/** The policy packs: every directory under policy/ with a PulumiPolicy.yaml. */
export function packsOnDisk(): string[] {
    const dir = path.join(ROOT, "policy");
    return fs
        .readdirSync(dir)
        .filter((d) => fs.existsSync(path.join(dir, d, "PulumiPolicy.yaml")))
        .map((d) => `policy/${d}`)
        .sort();
}

/** A command of the README's quick start, e.g. `npm test` (comments dropped). */
export function readmeCommand(first: string): string {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const quickStart = /## Quick start\s+```bash\n([\s\S]*?)```/.exec(readme);
    assert.ok(quickStart, "README.md has a Quick start section with a bash block");
    const line = quickStart[1].split("\n").find((l) => l.split(/\s+/).slice(0, first.split(" ").length).join(" ") === first);
    assert.ok(line, `README.md's quick start runs ${first}`);
    return line.replace(/#.*$/, "").trim();
}

export function stepsUsing(job: Job, action: string): Step[] {
    return job.steps.filter((s) => s.uses !== undefined && s.uses.split("@")[0] === action);
}

export function oneStepUsing(job: Job, action: string): Step {
    const found = stepsUsing(job, action);
    assert.equal(found.length, 1, `expected one ${action} step, found ${found.length}`);
    return found[0];
}

export function indexOfStep(job: Job, predicate: (s: Step) => boolean, what: string): number {
    const i = job.steps.findIndex(predicate);
    assert.ok(i >= 0, `no step ${what}`);
    return i;
}

export function environmentOf(job: Job): string | undefined {
    return typeof job.environment === "string" ? job.environment : job.environment?.name;
}

export function needsOf(job: Job): string[] {
    return job.needs === undefined ? [] : ([] as string[]).concat(job.needs);
}

export function lines(value: unknown): string[] {
    return String(value ?? "")
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== "");
}

/** The stack-name expression the workflows use: `<org>/<stack>` when PULUMI_ORG is set, else `<stack>`. */
export function stackNameExpression(stack: string): string {
    return `\${{ vars.PULUMI_ORG && format('{0}/{1}', vars.PULUMI_ORG, ${stack}) || ${stack} }}`;
}

export const PULUMI_ACTION = "pulumi/actions";
export const AWS_CREDENTIALS_ACTION = "aws-actions/configure-aws-credentials";
export const UPLOAD_SARIF_ACTION = "github/codeql-action/upload-sarif";

/**
 * Runs a step's shell script here, as the runner would (bash, repository root), with the step's
 * env (expressions replaced by `expressions`) and a GITHUB_OUTPUT file; returns the outputs.
 */
export function runStep(step: Step, expressions: Record<string, string>, cwd = ROOT): Record<string, string> {
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

export function regionOf(stack: string): string {
    return stackConfig(stack)["aws:region"];
}

/** What the stack-settings step outputs for a stack: its region and its tasks' CPU architecture. */
export function settingsOf(stack: string): Record<string, string> {
    return { region: regionOf(stack), architecture: stackConfig(stack)[`${PROJECT}:cpuArchitecture`] ?? "X86_64" };
}

/** The `uses:` lines of a workflow file as written, with their comments (YAML parsing drops comments). */
export function usesLines(file: string): string[] {
    return fs
        .readFileSync(path.join(WORKFLOWS_DIR, file), "utf8")
        .split("\n")
        .map((l) => /^\s*(?:-\s+)?uses:\s*(.+)$/.exec(l)?.[1].trim())
        .filter((l): l is string => l !== undefined);
}

/** The version of @pulumi/pulumi package-lock.json installs; the Pulumi CLI is pinned to the same release. */
export function lockedPulumiVersion(): string {
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { version: string }> };
    return lock.packages["node_modules/@pulumi/pulumi"].version;
}

const CACHE_ACTION = "actions/cache";
export const QEMU_ACTION = "docker/setup-qemu-action";

/** The Pulumi step of a job, with the caching, type-checking and CLI pin every Pulumi step must have. */
export function assertPulumiStepSetUp(label: string, job: Job, typecheckedBy: "this job" | "the test job"): Step {
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
