/**
 * The processor image is tagged by its content. ECR refuses to push a tag that already exists in an
 * IMMUTABLE repository (https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html);
 * a tag derived from the build context's *path* (awsx's ecr.Image without imageTag) repeats on every
 * deploy, so the second deploy of changed code would be refused. Here: the same content gives the
 * same tag, a change under the context gives a new tag and a new deployed image, and what Docker's
 * .dockerignore leaves out of the context does not count.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildContextFiles, imageContentTag, isIgnored, parseDockerignore } from "../components/builders";
import { ProcessorTask } from "../components/processor-task";
import { ROOT, Recorder, settle, useMocks, valueOf } from "./mocks";

const PREFIXES = { upload: "uploads/", output: "processed/", status: "status/" };
const BUCKET = { bucketName: "data-bucket", bucketArn: "arn:aws:s3:::data-bucket", prefixes: PREFIXES };
const APP = path.join(ROOT, "app");

/** A copy of app/ as Docker would receive it (its ignored folders left out), in a temporary folder. */
function copyOfApp(parent: string, name: string): string {
    const dir = path.join(parent, name);
    fs.cpSync(APP, dir, { recursive: true, filter: (src) => !/(^|[/\\])(node_modules|dist)([/\\]|$)/.test(path.relative(APP, src)) });
    return dir;
}

function write(dir: string, file: string, text: string): void {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
}

describe("the image's content tag", () => {
    let tmp: string;
    beforeEach(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "image-tag-"));
    });
    afterEach(() => {
        fs.rmSync(tmp, { recursive: true, force: true });
    });
    const tagOf = (context: string, platform = "linux/amd64") => imageContentTag({ context, platform });

    it("is the same for the same content, wherever it lies and whatever the file times", () => {
        const a = copyOfApp(tmp, "a");
        const b = copyOfApp(tmp, "b");
        const later = new Date(Date.now() + 3600_000);
        fs.utimesSync(path.join(b, "Dockerfile"), later, later);
        assert.match(tagOf(a), /^src-[0-9a-f]{32}$/);
        assert.equal(tagOf(a), tagOf(b));
        assert.equal(tagOf(a), tagOf(a), "deterministic");
    });

    it("changes with a source file, the lock file, the Dockerfile, a new file, a removed file, an executable bit, the platform", () => {
        const dir = copyOfApp(tmp, "app");
        const seen = new Set([tagOf(dir)]);
        const expectNew = (what: string) => {
            const tag = tagOf(dir);
            assert.ok(!seen.has(tag), `${what} did not change the tag`);
            seen.add(tag);
        };
        fs.appendFileSync(path.join(dir, "src", "processor", "main.ts"), "\n// changed\n");
        expectNew("a source file");
        fs.appendFileSync(path.join(dir, "package-lock.json"), "\n");
        expectNew("the lock file");
        fs.appendFileSync(path.join(dir, "Dockerfile"), "\n# changed\n");
        expectNew("the Dockerfile");
        write(dir, "src/processor/extra.ts", "export const x = 1;\n");
        expectNew("a new file");
        fs.rmSync(path.join(dir, "src", "processor", "extra.ts"));
        assert.ok(seen.has(tagOf(dir)), "removing the new file gives back the earlier tag");
        fs.rmSync(path.join(dir, "tsconfig.json"));
        expectNew("a removed file");
        fs.chmodSync(path.join(dir, "package.json"), 0o755);
        expectNew("an executable bit");
        const tag = tagOf(dir);
        assert.notEqual(tagOf(dir, "linux/arm64"), tag, "the platform");
        assert.notEqual(imageContentTag({ context: dir, platform: "linux/amd64", buildArgs: { NODE_VERSION: "22" } }), tag, "a build argument");
    });

    it("ignores what app/.dockerignore leaves out of the context (node_modules, dist, logs)", () => {
        const dir = copyOfApp(tmp, "app");
        const before = tagOf(dir);
        write(dir, "node_modules/left-pad/index.js", "module.exports = 1;\n");
        write(dir, "dist/processor/main.js", "console.log(1);\n");
        write(dir, "npm-debug.log", "log\n");
        assert.equal(tagOf(dir), before);
        assert.ok(!buildContextFiles(dir).some((f) => /^(node_modules|dist)\/|\.log$/.test(f)));
        assert.ok(buildContextFiles(dir).includes("src/processor/main.ts"));
    });

    it("takes the Dockerfile from elsewhere when given", () => {
        const dir = copyOfApp(tmp, "app");
        write(tmp, "Dockerfile.prod", "FROM scratch\n");
        const withOther = imageContentTag({ context: dir, dockerfile: path.join(tmp, "Dockerfile.prod"), platform: "linux/amd64" });
        assert.notEqual(withOther, tagOf(dir));
        fs.appendFileSync(path.join(tmp, "Dockerfile.prod"), "COPY . .\n");
        assert.notEqual(imageContentTag({ context: dir, dockerfile: path.join(tmp, "Dockerfile.prod"), platform: "linux/amd64" }), withOther);
    });
});

// Docker's rules (https://docs.docker.com/build/concepts/context/#dockerignore-files).
describe(".dockerignore rules", () => {
    const ignored = (rules: string, file: string) => isIgnored(parseDockerignore(rules), file);

    it("matches a name at the root, and everything inside a matched directory", () => {
        assert.ok(ignored("node_modules", "node_modules/a/b.js"));
        assert.ok(ignored("/dist", "dist/x.js"));
        assert.ok(ignored("dist/", "dist/x.js"));
        assert.ok(!ignored("node_modules", "src/node_modules/a.js"), "a plain pattern is relative to the context root");
    });

    it("uses Go's wildcards: * and ? stop at /, ** spans directories", () => {
        assert.ok(ignored("*.log", "npm-debug.log"));
        assert.ok(!ignored("*.log", "logs/app.log"));
        assert.ok(ignored("*/*.log", "logs/app.log"));
        assert.ok(ignored("**/*.log", "a/b/c.log"));
        assert.ok(ignored("**/*.log", "c.log"));
        assert.ok(ignored("file?.txt", "file1.txt"));
        assert.ok(!ignored("file?.txt", "file10.txt"));
        assert.ok(ignored("file[0-9].txt", "file7.txt"));
        assert.ok(!ignored("file[^0-9].txt", "file7.txt"));
    });

    it("lets a later ! line bring files back, and a later plain line exclude them again; comments and blank lines count for nothing", () => {
        const rules = "# build output\n\n*.md\n!README.md\n";
        assert.ok(ignored(rules, "CHANGES.md"));
        assert.ok(!ignored(rules, "README.md"));
        assert.ok(ignored(`${rules}README*\n`, "README.md"));
        assert.ok(!ignored("# node_modules\n", "# node_modules"), "a # line is a comment");
    });

    it("walks into an excluded directory when a ! line may bring part of it back", () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dockerignore-"));
        try {
            write(tmp, ".dockerignore", "vendor\n!vendor/keep.js\n");
            write(tmp, "vendor/keep.js", "1");
            write(tmp, "vendor/drop.js", "2");
            write(tmp, "main.js", "3");
            assert.deepEqual(buildContextFiles(tmp), [".dockerignore", "main.js", "vendor/keep.js"]);
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });
});

describe("ProcessorTask's image (under mocks)", () => {
    let recorder: Recorder;
    let tmp: string;
    beforeEach(async () => {
        recorder = await useMocks({ stack: "unit" });
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "image-task-"));
    });
    afterEach(() => {
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    /** Builds `name` from `context` and returns the tag pushed and the image the task definition runs. */
    async function deployed(name: string, context: string): Promise<{ tags: string[]; image: string; task: ProcessorTask }> {
        const task = new ProcessorTask(name, { bucket: BUCKET, build: { context } });
        await settle();
        const image = recorder.one("docker-build:index:Image", `${name}-image`).inputs;
        const definition = recorder.ofType("aws:ecs/taskDefinition:TaskDefinition").find((t) => t.name === `${name}-task`);
        assert.ok(definition);
        return { tags: image.tags, image: JSON.parse(definition.inputs.containerDefinitions)[0].image, task };
    }

    it("pushes the content tag to its IMMUTABLE repository, builds only on `pulumi up`, and runs the pushed digest", async () => {
        const { tags, image, task } = await deployed("processor", "./app");
        const repositoryUrl = recorder.one("aws:ecr/repository:Repository").state.repositoryUrl;
        assert.equal(recorder.one("aws:ecr/repository:Repository").inputs.imageTagMutability, "IMMUTABLE");
        assert.deepEqual(tags, [`${repositoryUrl}:${imageContentTag({ context: "./app", platform: "linux/amd64" })}`]);
        assert.equal(task.imageTag, imageContentTag({ context: "./app", platform: "linux/amd64" }));
        const build = recorder.one("docker-build:index:Image").inputs;
        assert.deepEqual(
            [build.push, build.buildOnPreview, build.context, build.dockerfile, build.platforms],
            [true, false, { location: "./app" }, { location: path.join("app", "Dockerfile") }, ["linux/amd64"]],
        );
        // The registry credentials travel as a secret (the ECR token is one).
        const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
        assert.equal(Object.values(build.registries)[0], SECRET_SIG, "registries are a secret");
        assert.deepEqual(build.registries.value.map((r: any) => [r.address, r.username]), [[repositoryUrl, "AWS"]]);
        assert.match(image, new RegExp(`^${repositoryUrl.replace(/\./g, "\\.")}@sha256:[0-9a-f]{64}$`), "the task definition pins a digest");
        assert.equal(await valueOf(task.imageUri), image);
    });

    it("GIVEN the same content twice THEN the same tag; GIVEN a changed file under app/ THEN a new tag and a new deployed image", async () => {
        const same = await deployed("first", copyOfApp(tmp, "first"));
        const again = await deployed("again", copyOfApp(tmp, "again"));
        const tagPart = (t: string) => t.split(":").pop();
        assert.equal(tagPart(again.tags[0]), tagPart(same.tags[0]));
        assert.equal(again.image.split("@")[1], same.image.split("@")[1], "the same digest runs");

        const changedDir = copyOfApp(tmp, "changed");
        fs.appendFileSync(path.join(changedDir, "src", "processor", "run.ts"), "\n// a fix\n");
        const changed = await deployed("changed", changedDir);
        assert.notEqual(tagPart(changed.tags[0]), tagPart(same.tags[0]), "a new tag, which an IMMUTABLE repository accepts");
        assert.notEqual(changed.image.split("@")[1], same.image.split("@")[1], "a new image runs");
    });

    it("GIVEN ARM64 THEN builds for linux/arm64, under a tag of its own", async () => {
        new ProcessorTask("processor", { bucket: BUCKET, cpuArchitecture: "ARM64" });
        await settle();
        const build = recorder.one("docker-build:index:Image").inputs;
        assert.deepEqual(build.platforms, ["linux/arm64"]);
        assert.ok(build.tags[0].endsWith(`:${imageContentTag({ context: "./app", platform: "linux/arm64" })}`));
    });

    it("rejects a build context that is not a directory, or that has no Dockerfile, naming the field", () => {
        assert.throws(() => new ProcessorTask("p", { bucket: BUCKET, build: { context: path.join(tmp, "missing") } }), {
            message: `p.build.context: ${JSON.stringify(path.join(tmp, "missing"))} is not a directory; give the directory Docker builds the image from (relative to the Pulumi project)`,
        });
        assert.throws(() => new ProcessorTask("p", { bucket: BUCKET, build: { context: tmp } }), {
            message: `p.build.context: ${JSON.stringify(tmp)} has no Dockerfile; add one or give p.build.dockerfile`,
        });
        assert.throws(() => new ProcessorTask("p", { bucket: BUCKET, build: { context: tmp, dockerfile: path.join(tmp, "Dockerfile.prod") } }), {
            message: `p.build.dockerfile: ${JSON.stringify(path.join(tmp, "Dockerfile.prod"))} is not a file; give the path of the Dockerfile`,
        });
    });
});
