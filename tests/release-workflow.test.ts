/**
 * The release workflow (.github/workflows/release.yml), dry-run here: its trigger and jobs, and its
 * step scripts run by bash as the runner would, in a temporary copy of the repository's layout with
 * the packages built into it: `npm publish` as `--dry-run` (npm_config_dry_run), and stand-ins for the
 * `pulumi` and `gh` commands that record what they were asked to do. The generic checks every
 * workflow passes (pinned actions, permissions, checkout, Node.js) are in workflows.test.ts.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { changelogSection } from "../scripts/release-version";
import { ROOT } from "./mocks";
import { packedComponents } from "./support/component-package";
import { manifest, tarList } from "./support/npm-pack";
import { packedPolicyPackage } from "./support/policy-package";
import { PROVIDER_FILES } from "./support/provider";
import { Job, Step, loadWorkflow } from "./support/workflows";

const workflow = loadWorkflow("release.yml");
const version = manifest(path.join(ROOT, "components")).version;
const TAG = `v${version}`;

function step(job: Job, name: string): Step {
    const found = job.steps.find((s) => s.name === name);
    assert.ok(found?.run, `no step "${name}" running a script`);
    return found;
}

/** Runs a step's script with bash in `cwd`, its env's expressions replaced from `values`; returns the result. */
function run(s: Step, cwd: string, values: Record<string, string>, extraEnv: Record<string, string> = {}) {
    const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...extraEnv };
    for (const [key, value] of Object.entries(s.env ?? {})) {
        env[key] = value.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (whole, expression: string) => {
            assert.ok(expression in values, `step ${s.name}: no value for ${whole}`);
            return values[expression];
        });
    }
    return spawnSync("bash", ["-e", "-c", s.run as string], { cwd, env, encoding: "utf8" });
}

/** A command that records each call (its folder and arguments) as a line of JSON in `log`. */
function standIn(bin: string, command: string, log: string): void {
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(
        path.join(bin, command),
        `#!/usr/bin/env node\nrequire("fs").appendFileSync(${JSON.stringify(log)}, JSON.stringify({ cwd: process.cwd(), args: process.argv.slice(2) }) + "\\n");\n`,
        { mode: 0o755 },
    );
}

function calls(log: string): { cwd: string; args: string[] }[] {
    return fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { cwd: string; args: string[] }) : [];
}

describe("release.yml", function () {
    this.timeout(300000);
    const { test, publish } = workflow.jobs;

    it("runs on version tags only", () => {
        assert.deepEqual(workflow.on, { push: { tags: ["v[0-9]+.[0-9]+.[0-9]+"] } });
    });

    it("checks the tag, then runs the whole test suite, before the publishing job starts in the release environment", () => {
        const names = test.steps.map((s) => s.run ?? s.uses?.split("@")[0]);
        assert.deepEqual(names.slice(2), ["npm ci", 'node -r ./scripts/register.js scripts/release-version.ts check "$TAG"', "npm test"]);
        assert.deepEqual([publish.needs, publish.environment], ["test", "release"]);
    });

    it("publishes in order: npm packages, then the packs to Pulumi Cloud (their library is on npm by then), then the GitHub release", () => {
        const order = [
            "Build the packages",
            "Name the repository in the published manifests",
            "Publish the component library to npm",
            "Publish the shared policy library to npm, when its version is new",
            "Publish the policy packs with their runner to npm",
            "Install the Pulumi CLI",
            "Publish the policy packs to Pulumi Cloud",
            "Pack the provider of the Pulumi package",
            "Create the GitHub release with the provider attached",
        ];
        assert.deepEqual(publish.steps.map((s) => s.name).filter((n) => n !== undefined && order.includes(n)), order);
        const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { version: string }> };
        assert.equal(publish.steps.find((s) => s.name === "Install the Pulumi CLI")?.with?.["pulumi-version"], lock.packages["node_modules/@pulumi/pulumi"].version);
        for (const s of publish.steps.filter((x) => /npm publish/.test(x.run ?? ""))) {
            assert.match(s.run as string, /npm publish --provenance /, `${s.name}: with provenance`);
            assert.equal(s.env?.NODE_AUTH_TOKEN, "${{ secrets.NPM_TOKEN }}", s.name);
        }
    });

    it("refuses a tag that is not the packages' version, naming each mismatch", () => {
        const check = step(test, "The tag is the packages' version and has a changelog section");
        const ok = run(check, ROOT, { "github.ref_name": TAG });
        assert.equal(ok.status, 0, ok.stderr);
        const wrong = run(check, ROOT, { "github.ref_name": "v99.0.0" });
        assert.equal(wrong.status, 1);
        assert.match(wrong.stderr, /components\/package\.json: version \d+\.\d+\.\d+, the tag says 99\.0\.0/);
        assert.match(wrong.stderr, /CHANGELOG\.md: no "## 99\.0\.0" section/);
    });

    describe("its publishing steps, dry-run in a copy of the repository's layout", () => {
        let tmp: string;
        let log: string;
        let pathWithStandIns: string;
        const values = { "secrets.NPM_TOKEN": "npm-token", "secrets.PULUMI_ACCESS_TOKEN": "pulumi-token", "vars.PULUMI_ORG": "acme", "github.repository": "acme/s3-fargate-pipeline", "github.token": "gh-token", "github.ref_name": TAG };
        before(() => {
            tmp = fs.mkdtempSync(path.join(os.tmpdir(), "release-"));
            // The packages as scripts/package-components.ts and scripts/package-policy.ts build them (built once per set of sources).
            fs.cpSync(packedComponents().dist, path.join(tmp, "components", "dist"), { recursive: true });
            fs.cpSync(packedPolicyPackage().dist, path.join(tmp, "policy", "offline", "dist"), { recursive: true });
            fs.mkdirSync(path.join(tmp, "policy", "lib"), { recursive: true });
            fs.copyFileSync(path.join(ROOT, "policy", "lib", "package.json"), path.join(tmp, "policy", "lib", "package.json"));
            fs.mkdirSync(path.join(tmp, "components", "provider"), { recursive: true });
            for (const file of PROVIDER_FILES) {
                fs.copyFileSync(path.join(ROOT, "components", "provider", file), path.join(tmp, "components", "provider", file));
            }
            for (const pack of ["least-privilege-iam", "log-retention"]) {
                fs.mkdirSync(path.join(tmp, "policy", pack), { recursive: true });
            }
            for (const link of ["scripts", "node_modules", "CHANGELOG.md", "package.json"]) {
                fs.symlinkSync(path.join(ROOT, link), path.join(tmp, link));
            }
            log = path.join(tmp, "calls.jsonl");
            standIn(path.join(tmp, "bin"), "pulumi", log);
            standIn(path.join(tmp, "bin"), "gh", log);
            pathWithStandIns = `${path.join(tmp, "bin")}:${process.env.PATH ?? ""}`;
        });
        after(() => fs.rmSync(tmp, { recursive: true, force: true }));

        it("names the repository in every published manifest, for provenance", () => {
            const r = run(step(publish, "Name the repository in the published manifests"), tmp, values);
            assert.equal(r.status, 0, r.stderr);
            for (const dir of ["components/dist", "policy/offline/dist", "policy/lib"]) {
                assert.deepEqual((JSON.parse(fs.readFileSync(path.join(tmp, dir, "package.json"), "utf8")) as { repository: unknown }).repository, {
                    type: "git",
                    url: "git+https://github.com/acme/s3-fargate-pipeline.git",
                }, dir);
            }
        });

        for (const [name, pkg] of [
            ["Publish the component library to npm", "@s3-fargate-pipeline/components"],
            ["Publish the policy packs with their runner to npm", "@s3-fargate-pipeline/policy-packs"],
        ]) {
            it(`${name}: npm would publish ${pkg}@${version} with provenance`, () => {
                const r = run(step(publish, name), tmp, values, { npm_config_dry_run: "true" });
                assert.equal(r.status, 0, r.stderr);
                assert.match(r.stdout + r.stderr, new RegExp(`\\+ ${pkg.replace("/", "\\/")}@${version.replace(/\./g, "\\.")}`));
            });
        }

        it("publishes each policy pack to Pulumi Cloud from its folder, to the organisation when one is set", () => {
            const r = run(step(publish, "Publish the policy packs to Pulumi Cloud"), tmp, values, { PATH: pathWithStandIns });
            assert.equal(r.status, 0, r.stderr);
            const packs = fs.readdirSync(path.join(ROOT, "policy")).filter((d) => fs.existsSync(path.join(ROOT, "policy", d, "PulumiPolicy.yaml")));
            assert.deepEqual(calls(log).map((c) => [path.relative(tmp, c.cwd), c.args]), packs.map((p) => [path.join("policy", p), ["policy", "publish", "acme"]]));
        });

        it("packs the provider's plugin folder and attaches it to a release of the tag with the changelog's notes", () => {
            fs.rmSync(log, { force: true });
            const packed = run(step(publish, "Pack the provider of the Pulumi package"), tmp, values);
            assert.equal(packed.status, 0, packed.stderr);
            const tarballs = fs.readdirSync(path.join(tmp, "release")).filter((f) => f.endsWith(".tgz"));
            assert.equal(tarballs.length, 1);
            assert.deepEqual(tarList(path.join(tmp, "release", tarballs[0])), [...PROVIDER_FILES].sort());
            const released = run(step(publish, "Create the GitHub release with the provider attached"), tmp, values, { PATH: pathWithStandIns });
            assert.equal(released.status, 0, released.stderr);
            assert.deepEqual(calls(log).map((c) => c.args), [["release", "create", TAG, `release/${tarballs[0]}`, "--verify-tag", "--title", TAG, "--notes-file", "release/notes.md"]]);
            assert.equal(fs.readFileSync(path.join(tmp, "release", "notes.md"), "utf8").trim(), changelogSection(fs.readFileSync(path.join(ROOT, "CHANGELOG.md"), "utf8"), version));
        });
    });
});
