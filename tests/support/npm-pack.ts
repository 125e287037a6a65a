/**
 * Packing and installing packages as npm does, without a registry: `npm pack` a folder, list or unpack
 * the tarball, and link dependencies from this repository's node_modules into an install; and a build
 * (a package, the processor's compiled output) made once per hash of its sources and kept in the cache.
 */
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import { builtinModules } from "module";
import * as os from "os";
import * as path from "path";
import { REPOSITORY_ROOT as ROOT, repositoryFiles } from "./repository";

export interface Manifest {
    name: string;
    version: string;
    description?: string;
    main?: string;
    private?: boolean;
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    scripts?: Record<string, string>;
}

export function manifest(dir: string): Manifest {
    return JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as Manifest;
}

/** Takes the lock directory if it is free (or left by a killed process ten minutes ago); false while another process holds it. */
function tryLock(lock: string): boolean {
    try {
        fs.mkdirSync(lock);
        return true;
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") {
            throw e;
        }
        const held = fs.statSync(lock, { throwIfNoEntry: false });
        if (held !== undefined && Date.now() - held.mtimeMs > 600000) {
            fs.rmSync(lock, { recursive: true, force: true });
        }
        return false;
    }
}

function lockPath(name: string): { lock: string; waitUntil: number } {
    return { lock: path.join(os.tmpdir(), `${name}.lock`), waitUntil: Date.now() + 300000 };
}

function waited(name: string): Error {
    return new Error(`waited five minutes for the lock ${name}`);
}

/**
 * Runs `fn` holding a lock named `name` (a directory created atomically under the temporary directory),
 * waiting while another process holds it. A lock left by a killed test process (what it guards takes
 * seconds) is taken over after ten minutes.
 */
export function withLock<T>(name: string, fn: () => T): T {
    const { lock, waitUntil } = lockPath(name);
    while (!tryLock(lock)) {
        if (Date.now() > waitUntil) {
            throw waited(name);
        }
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
    try {
        return fn();
    } finally {
        fs.rmdirSync(lock);
    }
}

/** Writes `value` as JSON to `file` under a temporary name, then renames it: a concurrent reader never sees a partial file. */
export function writeJsonAtomically(file: string, value: unknown): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(partial, JSON.stringify(value));
    fs.renameSync(partial, file);
}

/** `withLock` for work that is asynchronous: the process keeps running its event loop while it waits. */
export async function withLockAsync<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const { lock, waitUntil } = lockPath(name);
    while (!tryLock(lock)) {
        if (Date.now() > waitUntil) {
            throw waited(name);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    try {
        return await fn();
    } finally {
        fs.rmdirSync(lock);
    }
}

/**
 * `npm pack` of a folder into `into`; returns the tarball's path. A package whose prepack compiles into
 * its own folder and whose postpack cleans it (policy/lib) cannot be packed by two test processes at once:
 * one's clean would remove the other's files. So packing a folder holds a lock that other processes wait for.
 */
export function npmPack(dir: string, into: string): string {
    return withLock(`npm-pack-${createHash("sha256").update(path.resolve(dir)).digest("hex").slice(0, 16)}`, () => {
        const out = execFileSync("npm", ["pack", "--silent", "--pack-destination", into], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
        return path.join(into, out.trim().split("\n").pop() as string);
    });
}

/** A package folder built by the repository's packaging script, and its tarball, in `dir`. */
export interface PackedPackage {
    dir: string;
    dist: string;
    tarball: string;
}

/** A hash of the files under `inputs` (tracked or not yet added, as they are now) and of the compiler's version. */
function inputsHash(inputs: readonly string[]): string {
    const files = repositoryFiles(inputs);
    const hash = createHash("sha256").update(require("typescript/package.json").version as string);
    for (const file of files.sort()) {
        const full = path.join(ROOT, file);
        if (fs.existsSync(full)) {
            hash.update(`\0${file}\0`).update(fs.readFileSync(full));
        }
    }
    return hash.digest("hex").slice(0, 24);
}

/** Removes builds in `cache` of other sources that no process has used for ten minutes. */
function removeStaleBuilds(cache: string): void {
    for (const entry of fs.existsSync(cache) ? fs.readdirSync(cache) : []) {
        const full = path.join(cache, entry);
        if (Date.now() - fs.statSync(full).mtimeMs > 600000) {
            fs.rmSync(full, { recursive: true, force: true });
        }
    }
}

/**
 * A folder filled by `fill` (given the folder to write), once per hash of its `inputs`: kept in
 * node_modules/.cache/s3-fargate-pipeline/<name>/<hash>, so the test processes of a run, and later runs
 * with the same sources, build it once. The first process builds it holding a lock, in a folder renamed
 * into place when complete; the others wait, then find it. Returns the folder.
 */
export function builtOnce(name: string, inputs: readonly string[], fill: (dir: string) => void): string {
    const cache = path.join(ROOT, "node_modules", ".cache", "s3-fargate-pipeline", name);
    const key = inputsHash(inputs);
    const dir = path.join(cache, key);
    return withLock(`${name}-${key}`, () => {
        if (!fs.existsSync(dir)) {
            removeStaleBuilds(cache);
            const staging = `${dir}.${process.pid}.tmp`;
            fs.rmSync(staging, { recursive: true, force: true });
            fill(staging);
            fs.renameSync(staging, dir);
        }
        const now = new Date();
        fs.utimesSync(dir, now, now);
        return dir;
    });
}

/** A package built with `build` (into the folder it is given; returns it) and packed with `npm pack`, once per hash of its `inputs` (builtOnce). */
export function packedOnce(name: string, inputs: readonly string[], build: (outDir: string) => string): PackedPackage {
    const dir = builtOnce(name, inputs, (staging) => {
        const dist = build(path.join(staging, "dist"));
        fs.writeFileSync(path.join(staging, "tarball"), path.basename(npmPack(dist, staging)));
    });
    return { dir, dist: path.join(dir, "dist"), tarball: path.join(dir, fs.readFileSync(path.join(dir, "tarball"), "utf8")) };
}

/** The files of a tarball, relative to the package, sorted. */
export function tarList(tarball: string): string[] {
    return execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" })
        .trim()
        .split("\n")
        .map((f) => f.replace(/^package\//, ""))
        .sort();
}

/** Unpacks a tarball's package into a folder, as npm installs it. */
export function unpack(tarball: string, into: string): void {
    fs.mkdirSync(into, { recursive: true });
    execFileSync("tar", ["-xzf", tarball, "-C", into, "--strip-components=1"]);
}

/** Links each package from this repository's node_modules into `nodeModules` (as an install from a registry would put it there). */
export function linkFromRepository(nodeModules: string, names: Iterable<string>): void {
    for (const name of names) {
        const link = path.join(nodeModules, name);
        fs.mkdirSync(path.dirname(link), { recursive: true });
        fs.symlinkSync(path.join(ROOT, "node_modules", name), link, "dir");
    }
}

/** The specifiers a compiled CommonJS module requires. */
export function requiresOf(js: string): string[] {
    return [...js.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]);
}

/** The package a bare specifier names: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
export function packageName(specifier: string): string {
    return specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/");
}

/** Whether a bare specifier is provided at run time: a Node built-in, or a package the manifest declares (dependencies or peerDependencies). */
export function isProvided(specifier: string, published: Manifest): boolean {
    const declared = { ...published.dependencies, ...published.peerDependencies };
    return builtinModules.includes(specifier.replace(/^node:/, "").split("/")[0]) || packageName(specifier) in declared;
}

/** What `npm publish --dry-run` would upload from `dir` for the package `name`: its id (`name@version`) and files; undefined when npm reports nothing for it. */
export function publishDryRun(dir: string, name: string): { id: string; files: { path: string }[] } | undefined {
    const out = execFileSync("npm", ["publish", "--dry-run", "--json", dir], { cwd: os.tmpdir(), encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return (JSON.parse(out) as Record<string, { id: string; files: { path: string }[] } | undefined>)[name];
}
