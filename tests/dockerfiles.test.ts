/**
 * The processor's image and the example images, checked statically: Docker cannot run here, so these
 * tests read the Dockerfiles and check what a build would need — every COPY source exists in its
 * build context, the entry point is the compiled processor (compiled here to prove it), the job's
 * CMD names the script the image copies in, and an image that copies our runtime copies what our
 * entry point runs. No image is built or run by `npm test`.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "./mocks";
import { builtOnce } from "./support/npm-pack";

interface Instruction {
    op: string;
    args: string;
    /** Index of the build stage (FROM) it belongs to; -1 before the first FROM. */
    stage: number;
}

/** Instructions of a Dockerfile: comments dropped, `\` continuations joined. */
function parseDockerfile(text: string): Instruction[] {
    const out: Instruction[] = [];
    let stage = -1;
    let pending = "";
    for (const raw of text.split("\n")) {
        const line = raw.trim();
        if (pending === "" && (line === "" || line.startsWith("#"))) {
            continue;
        }
        if (line.endsWith("\\")) {
            pending += `${line.slice(0, -1)} `;
            continue;
        }
        const full = `${pending}${line}`;
        pending = "";
        const m = /^(\w+)\s*(.*)$/.exec(full);
        assert.ok(m, `not an instruction: ${full}`);
        const op = m[1].toUpperCase();
        if (op === "FROM") {
            stage++;
        }
        out.push({ op, args: m[2], stage });
    }
    return out;
}

function read(file: string): Instruction[] {
    return parseDockerfile(fs.readFileSync(path.join(ROOT, file), "utf8"));
}

function finalStage(ins: Instruction[]): Instruction[] {
    const last = Math.max(...ins.map((i) => i.stage));
    return ins.filter((i) => i.stage === last);
}

/** The exec form of ENTRYPOINT or CMD (JSON array), required. */
function execForm(ins: Instruction[], op: "ENTRYPOINT" | "CMD"): string[] | undefined {
    const found = ins.filter((i) => i.op === op).pop();
    if (found === undefined) {
        return undefined;
    }
    const value: unknown = JSON.parse(found.args);
    assert.ok(Array.isArray(value), `${op} uses the exec form (a JSON array): ${found.args}`);
    return value as string[];
}

interface Copy {
    from?: string;
    sources: string[];
    dest: string;
}

function copies(ins: Instruction[]): Copy[] {
    return ins
        .filter((i) => i.op === "COPY")
        .map((i) => {
            const words = i.args.split(/\s+/);
            const flags = words.filter((w) => w.startsWith("--"));
            const paths = words.filter((w) => !w.startsWith("--"));
            const from = flags.find((f) => f.startsWith("--from="))?.slice("--from=".length);
            return { from, sources: paths.slice(0, -1), dest: paths[paths.length - 1] };
        });
}

/** The image path a COPY from `from` puts `source` at (`/app` → `/opt/processor` makes `/app/x` → `/opt/processor/x`). */
function copiedTo(all: Copy[], from: string, source: string): string | undefined {
    for (const c of all.filter((x) => x.from === from)) {
        for (const s of c.sources) {
            if (source === s || source.startsWith(`${s.replace(/\/$/, "")}/`)) {
                return path.posix.join(c.dest, source.slice(s.replace(/\/$/, "").length));
            }
        }
    }
    return undefined;
}

describe("the processor's image (app/Dockerfile)", function () {
    this.timeout(120000);
    const ins = read("app/Dockerfile");
    const app = (f: string) => fs.readFileSync(path.join(ROOT, "app", f), "utf8");

    it("pins the same dependency ranges as the repository's tests use", () => {
        const root = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        const pkg = JSON.parse(app("package.json"));
        for (const [name, range] of Object.entries<string>(pkg.dependencies)) {
            assert.equal(range, root.dependencies[name] ?? root.devDependencies[name], name);
        }
        const lock = JSON.parse(app("package-lock.json"));
        assert.deepEqual(Object.keys(lock.packages[""].dependencies).sort(), Object.keys(pkg.dependencies).sort());
    });

    it("is multi-stage, on a Node LTS, runs as a non-root user, and copies only what exists in app/", () => {
        assert.equal(ins.filter((i) => i.op === "FROM").length, 2);
        const version = Number(/^NODE_VERSION=(\d+)$/.exec(ins.find((i) => i.op === "ARG")?.args ?? "")?.[1]);
        assert.ok(version >= 22 && version % 2 === 0, `Node ${version} is an LTS line`);
        assert.deepEqual(finalStage(ins).filter((i) => i.op === "USER").map((i) => i.args), ["65532:65532"]);
        assert.ok(ins.some((i) => i.op === "RUN" && i.args.includes("npm ci")));
        for (const c of copies(ins).filter((x) => x.from === undefined)) {
            for (const s of c.sources) {
                assert.ok(fs.existsSync(path.join(ROOT, "app", s)), `COPY ${s}: not in the build context app/`);
            }
        }
    });

    it("makes the processor runtime its entry point, with no CMD (the built-in summariser), and the entry point is what the build compiles", () => {
        const entrypoint = execForm(finalStage(ins), "ENTRYPOINT");
        assert.deepEqual(entrypoint, ["/nodejs/bin/node", "/app/dist/processor/main.js"]);
        assert.deepEqual(execForm(finalStage(ins), "CMD"), []);
        assert.equal(finalStage(ins).find((i) => i.op === "WORKDIR")?.args, "/app");
        // The build stage compiles into /build/dist, which the final stage copies to /app/dist.
        assert.equal(copiedTo(copies(finalStage(ins)), "build", "/build/dist/processor/main.js"), "dist/processor/main.js");
        // Compile app/ as the image's build does (once per hash of what it compiles), and find the entry point in the output.
        const tsconfig = JSON.parse(app("tsconfig.json"));
        const out = builtOnce("app-build", ["app/tsconfig.json", ...tsconfig.include.map((glob: string) => path.join("app", glob.split("/**")[0])), "package-lock.json"], (dir) => {
            execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", path.join(ROOT, "app", "tsconfig.json"), "--outDir", dir], { stdio: "pipe" });
        });
        const relative = path.relative("/app", entrypoint![1]);
        assert.equal(relative, path.join(tsconfig.compilerOptions.outDir, "processor", "main.js"));
        assert.ok(fs.existsSync(path.join(out, "processor", "main.js")), "the build output has processor/main.js");
        for (const f of ["command.js", "job.js", "outputs.js", "workspace.js", "redact.js"]) {
            assert.ok(fs.existsSync(path.join(out, "processor", f)), `the build output has processor/${f}`);
        }
    });
});

describe("the example images", () => {
    const PROCESSOR_ENTRYPOINT = execForm(finalStage(read("app/Dockerfile")), "ENTRYPOINT")!;

    const checkContext = (dir: string, ins: Instruction[]) => {
        for (const c of copies(ins).filter((x) => x.from === undefined)) {
            for (const s of c.sources) {
                assert.ok(fs.existsSync(path.join(ROOT, dir, s)), `COPY ${s}: not in the build context ${dir}`);
            }
        }
    };

    it("group-totals: FROM the processor image (our entry point kept), Python added, CMD runs the script it copies", () => {
        const ins = read("examples/group-totals/Dockerfile");
        checkContext("examples/group-totals", ins);
        const last = finalStage(ins);
        assert.equal(last[0].args, "${PROCESSOR_IMAGE}", "the final stage is FROM the processor image");
        assert.equal(execForm(last, "ENTRYPOINT"), undefined, "the processor runtime stays the entry point");
        assert.ok(copies(last).some((c) => c.from === "python"), "Python is copied in from a stage");
        assert.match(ins.find((i) => i.op === "ARG" && i.args.startsWith("PYTHON_IMAGE="))!.args, /distroless\/python3-debian12/, "Python from a Debian 12 image, the processor image's base");
        const cmd = execForm(last, "CMD")!;
        assert.equal(cmd[0], "/usr/bin/python3");
        const script = copies(last).find((c) => c.from === undefined && c.sources.includes("main.py"));
        assert.equal(script?.dest, cmd[1], "CMD runs the script where the image puts it");
        assert.deepEqual(last.filter((i) => i.op === "USER").map((i) => i.args), ["65532:65532"]);
    });

    it("count-values: your own image with our runtime copied in; its entry point runs the copied runtime, CMD runs the copied script", () => {
        const ins = read("examples/count-values/Dockerfile");
        checkContext("examples/count-values", ins);
        const stages = ins.filter((i) => i.op === "FROM").map((i) => i.args);
        assert.equal(stages[0], "${PROCESSOR_IMAGE} AS processor");
        assert.ok(!stages[stages.length - 1].includes("PROCESSOR_IMAGE"), "the final stage is the user's own base image");
        const last = finalStage(ins);
        const all = copies(last);
        const entrypoint = execForm(last, "ENTRYPOINT")!;
        // The processor's entry point, with each path moved to where this image copied it.
        assert.deepEqual(entrypoint, PROCESSOR_ENTRYPOINT.map((p) => copiedTo(all, "processor", p)));
        const cmd = execForm(last, "CMD")!;
        assert.equal(cmd[0], "sh");
        assert.equal(all.find((c) => c.from === undefined && c.sources.includes("count.sh"))?.dest, cmd[1]);
        assert.deepEqual(last.filter((i) => i.op === "USER").map((i) => i.args), ["65532:65532"]);
        // The processor image's /app holds its production node_modules (copied whole above).
        assert.ok(copies(finalStage(read("app/Dockerfile"))).some((c) => c.from === "build" && c.sources.includes("/build/node_modules") && c.dest === "./node_modules"));
    });
});
