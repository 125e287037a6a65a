/**
 * The delivery pipeline's GitHub Actions workflows (.github/workflows), parsed with js-yaml: what every
 * workflow promises (triggers, minimal permissions, OIDC only, pinned actions), and the policy packs
 * they load. The pull-request and deploy workflows, and the IAM roles they assume
 * (deploy/github-oidc-role), have files of their own: workflows-*.test.ts.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { PACKS } from "../policy/packs";
import { ROOT } from "./mocks";
import {
    AWS_CREDENTIALS_ACTION,
    PULUMI_ACTION,
    ROLE_DIR,
    UPLOAD_SARIF_ACTION,
    WORKFLOWS_DIR,
    loadWorkflow,
    oneStepUsing,
    packsOnDisk,
    stepsUsing,
    usesLines,
    workflowFiles,
} from "./support/workflows";

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
