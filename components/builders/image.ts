/**
 * The processor image's tag, derived from what goes into the image: the files of the build context
 * that Docker sends (the context minus what its .dockerignore excludes), the Dockerfile, the target
 * platform and the build arguments. Same content → same tag; any change under the context → a new
 * tag. The ECR repository is IMMUTABLE, which refuses a second push of one tag with other content;
 * a content tag is only ever pushed for that content.
 *
 * The .dockerignore rules are Docker's (https://docs.docker.com/build/concepts/context/#dockerignore-files):
 * one pattern per line, `#` comments, Go filepath.Match wildcards (`*`, `?`, `[…]`) plus `**` for any
 * number of directories, a leading `/` ignored, `!` re-including what an earlier line excluded,
 * the last matching line deciding, and a pattern that matches a directory excluding everything in it.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

interface IgnoreRule {
    negated: boolean;
    regex: RegExp;
}

/** Go filepath.Match syntax (with `**`) as an anchored regular expression over `/`-separated paths. */
function patternRegex(pattern: string): RegExp {
    let out = "";
    for (let i = 0; i < pattern.length; i++) {
        const c = pattern[i];
        if (c === "*") {
            if (pattern[i + 1] === "*") {
                i++;
                if (pattern[i + 1] === "/") {
                    i++;
                    out += "(?:.*/)?";
                } else {
                    out += ".*";
                }
            } else {
                out += "[^/]*";
            }
        } else if (c === "?") {
            out += "[^/]";
        } else if (c === "[") {
            const end = pattern.indexOf("]", i + 2);
            if (end === -1) {
                out += "\\[";
            } else {
                const body = pattern.slice(i + 1, end).replace(/\\/g, "\\\\");
                out += `[${body.startsWith("^") || body.startsWith("!") ? `^${body.slice(1)}` : body}]`;
                i = end;
            }
        } else if (c === "\\" && i + 1 < pattern.length) {
            i++;
            out += pattern[i].replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
        } else {
            out += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
        }
    }
    return new RegExp(`^${out}$`);
}

/** The rules of a .dockerignore file, in order. */
export function parseDockerignore(text: string): IgnoreRule[] {
    const rules: IgnoreRule[] = [];
    for (const raw of text.split(/\r?\n/)) {
        let line = raw.trim();
        if (line === "" || line.startsWith("#")) {
            continue;
        }
        const negated = line.startsWith("!");
        if (negated) {
            line = line.slice(1).trim();
        }
        // filepath.Clean: no leading "/" or "./", no trailing "/", no repeated separators.
        line = path.posix.normalize(line).replace(/^\/+/, "").replace(/\/+$/, "");
        if (line === "" || line === ".") {
            continue;
        }
        rules.push({ negated, regex: patternRegex(line) });
    }
    return rules;
}

/** Whether Docker leaves `file` (a `/`-separated path relative to the context) out of the build context. */
export function isIgnored(rules: readonly IgnoreRule[], file: string): boolean {
    const parts = file.split("/");
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
    let ignored = false;
    for (const rule of rules) {
        if (candidates.some((c) => rule.regex.test(c))) {
            ignored = !rule.negated;
        }
    }
    return ignored;
}

/** The files of a build context that Docker sends, as sorted `/`-separated relative paths. */
export function buildContextFiles(context: string): string[] {
    const ignoreFile = path.join(context, ".dockerignore");
    const rules = fs.existsSync(ignoreFile) ? parseDockerignore(fs.readFileSync(ignoreFile, "utf8")) : [];
    // An excluded directory can only be skipped whole when no `!` line could bring part of it back.
    const canPrune = !rules.some((r) => r.negated);
    const files: string[] = [];
    const walk = (dir: string, rel: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const relPath = rel === "" ? entry.name : `${rel}/${entry.name}`;
            if (entry.isDirectory()) {
                if (!(canPrune && isIgnored(rules, relPath))) {
                    walk(path.join(dir, entry.name), relPath);
                }
            } else if (!isIgnored(rules, relPath)) {
                files.push(relPath);
            }
        }
    };
    walk(context, "");
    return files.sort();
}

export interface ImageBuildInputs {
    /** The build context directory. */
    context: string;
    /** The Dockerfile. @default "<context>/Dockerfile" */
    dockerfile?: string;
    /** The target platform, e.g. "linux/arm64". */
    platform: string;
    /** Build arguments. */
    buildArgs?: Record<string, string>;
}

/** Length of the hex digest in a content tag. */
const TAG_HEX = 32;

/**
 * `src-<hash>`: a SHA-256 over the context's files (path, executable bit, contents; symbolic links
 * by their target), the Dockerfile, the platform and the build arguments, in a fixed order. File
 * times and walk order do not enter it.
 */
export function imageContentTag(inputs: ImageBuildInputs): string {
    const hash = createHash("sha256");
    const field = (name: string, value: string | Buffer) => {
        hash.update(`${name}\0${Buffer.byteLength(value)}\0`);
        hash.update(value);
    };
    for (const file of buildContextFiles(inputs.context)) {
        const full = path.join(inputs.context, file);
        const stat = fs.lstatSync(full);
        field("path", file);
        if (stat.isSymbolicLink()) {
            field("link", fs.readlinkSync(full));
        } else {
            field("mode", (stat.mode & 0o111) !== 0 ? "x" : "-");
            field("data", fs.readFileSync(full));
        }
    }
    field("dockerfile", fs.readFileSync(inputs.dockerfile ?? path.join(inputs.context, "Dockerfile")));
    field("platform", inputs.platform);
    for (const [name, value] of Object.entries(inputs.buildArgs ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        field(`arg:${name}`, value);
    }
    return `src-${hash.digest("hex").slice(0, TAG_HEX)}`;
}
