/**
 * Builds the status page of a deployed stack (or any bucket) into a static HTML file.
 *
 *   npm run status-page -- --stack dev
 *   npm run status-page -- --bucket my-bucket [--status-prefix status/] [--endpoint http://127.0.0.1:9000]
 *
 * Prints the file's path, then its file:// URL. Exit 0 when written, 2 on a usage error, 1 when
 * AWS, the Pulumi CLI or the file system fails. Credentials come from the SDK's default chain.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { execFile } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pathToFileURL } from "url";
import { collectStatus, MAX_LINK_EXPIRY_SECONDS } from "./collect";
import { describeSeconds, renderStatusPage, summaryText } from "./page";
import type { StatusEntry } from "./types";

export const USAGE = `Usage:
  npm run status-page -- --stack NAME [options]       bucket and status prefix from the stack's outputs (needs the pulumi CLI)
  npm run status-page -- --bucket NAME [options]      a bucket directly (no pulumi CLI needed)

Options:
  --status-prefix PREFIX   with --bucket: where the status documents are (default status/)
  --endpoint URL           an S3-compatible server (path-style requests), e.g. http://127.0.0.1:9000
  --region REGION          AWS region (default: the stack's aws:region, then the SDK's default chain)
  --out FILE               where to write the page (default: a new file under ${os.tmpdir()})
  --expires SECONDS        how long the links in the page stay valid, 1-${MAX_LINK_EXPIRY_SECONDS} (default 900)
  --help                   this text`;

/** A usage error: exit 2. */
export class UsageError extends Error {}
/** Anything else that stops the page being built: exit 1. */
export class RunError extends Error {}

export interface CliArgs {
    stack?: string;
    bucket?: string;
    statusPrefix?: string;
    endpoint?: string;
    region?: string;
    out?: string;
    expires: number;
    help: boolean;
}

const VALUE_FLAGS = ["--stack", "--bucket", "--status-prefix", "--endpoint", "--region", "--out", "--expires"] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];

/** Parses and validates the arguments; throws UsageError naming the flag and what is allowed. */
export function parseArgs(argv: readonly string[]): CliArgs {
    const values = new Map<ValueFlag, string>();
    let help = false;
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--help" || arg === "-h") {
            help = true;
            continue;
        }
        const eq = arg.indexOf("=");
        const name = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
        if (!(VALUE_FLAGS as readonly string[]).includes(name)) {
            throw new UsageError(
                arg.startsWith("-") ? `unknown flag ${arg}; allowed: ${VALUE_FLAGS.join(", ")}, --help` : `unexpected argument ${JSON.stringify(arg)}; every value follows a flag, e.g. --bucket NAME`,
            );
        }
        const flag = name as ValueFlag;
        let value: string | undefined;
        if (eq > 0 && arg.startsWith("--")) {
            value = arg.slice(eq + 1);
        } else {
            value = argv[i + 1];
            if (value === undefined || (value.startsWith("--") && value.length > 2)) {
                throw new UsageError(`${flag} needs a value`);
            }
            i++;
        }
        if (values.has(flag)) {
            throw new UsageError(`${flag} is given twice`);
        }
        values.set(flag, value);
    }
    const args: CliArgs = { expires: 900, help };
    if (help) {
        return args;
    }
    const stack = values.get("--stack");
    const bucket = values.get("--bucket");
    if (stack === undefined && bucket === undefined) {
        throw new UsageError("give --stack NAME (a deployed Pulumi stack) or --bucket NAME");
    }
    if (stack !== undefined && bucket !== undefined) {
        throw new UsageError("give either --stack or --bucket, not both");
    }
    if (stack !== undefined) {
        if (!/^[A-Za-z0-9_.\-/]+$/.test(stack)) {
            throw new UsageError(`--stack ${JSON.stringify(stack)} is not a stack name: letters, digits, "-", "_", "." and "/" (org/project/stack) only`);
        }
        args.stack = stack;
        if (values.has("--status-prefix")) {
            throw new UsageError("--status-prefix goes with --bucket; with --stack it comes from the stack's statusPrefix output");
        }
    }
    if (bucket !== undefined) {
        if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes("..")) {
            throw new UsageError(`--bucket ${JSON.stringify(bucket)} is not a bucket name: 3-63 characters, lowercase letters, digits, "." and "-", starting and ending with a letter or digit`);
        }
        args.bucket = bucket;
        args.statusPrefix = values.get("--status-prefix") ?? "status/";
        if (args.statusPrefix === "" || args.statusPrefix.startsWith("/") || !args.statusPrefix.endsWith("/")) {
            throw new UsageError(`--status-prefix ${JSON.stringify(args.statusPrefix)} must be a non-empty key prefix ending in "/" and not starting with "/", e.g. status/`);
        }
    }
    const endpoint = values.get("--endpoint");
    if (endpoint !== undefined) {
        let url: URL | undefined;
        try {
            url = new URL(endpoint);
        } catch {
            url = undefined;
        }
        if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
            throw new UsageError(`--endpoint ${JSON.stringify(endpoint)} is not an http:// or https:// URL`);
        }
        args.endpoint = endpoint;
    }
    const region = values.get("--region");
    if (region !== undefined) {
        if (!/^[a-z]{2}(-[a-z0-9]+)+-\d+$/.test(region)) {
            throw new UsageError(`--region ${JSON.stringify(region)} is not an AWS region name, e.g. eu-west-1`);
        }
        args.region = region;
    }
    const out = values.get("--out");
    if (out !== undefined) {
        if (out === "") {
            throw new UsageError("--out needs a file path");
        }
        const dir = path.dirname(path.resolve(out));
        if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
            throw new UsageError(`--out ${out}: directory ${dir} does not exist`);
        }
        if (fs.existsSync(out) && fs.statSync(out).isDirectory()) {
            throw new UsageError(`--out ${out} is a directory; give a file path`);
        }
        args.out = out;
    }
    const expires = values.get("--expires");
    if (expires !== undefined) {
        const n = /^\d+$/.test(expires) ? Number(expires) : NaN;
        if (!Number.isInteger(n) || n < 1 || n > MAX_LINK_EXPIRY_SECONDS) {
            throw new UsageError(`--expires ${JSON.stringify(expires)} must be a whole number of seconds from 1 to ${MAX_LINK_EXPIRY_SECONDS} (7 days)`);
        }
        args.expires = n;
    }
    return args;
}

function run(command: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        execFile(command, args, { maxBuffer: 16 * 1024 * 1024, timeout: 120000 }, (error, stdout, stderr) => {
            if (error) {
                reject(Object.assign(error, { stdout, stderr }));
            } else {
                resolve({ stdout, stderr });
            }
        });
    });
}

/** The bucket, status prefix and (if configured) region of a deployed stack, from the Pulumi CLI. */
export async function stackTarget(stack: string): Promise<{ bucket: string; statusPrefix: string; region?: string }> {
    let stdout: string;
    try {
        ({ stdout } = await run("pulumi", ["stack", "output", "--json", "--stack", stack]));
    } catch (e) {
        const err = e as NodeJS.ErrnoException & { stderr?: string };
        if (err.code === "ENOENT") {
            throw new RunError(
                `--stack needs the pulumi CLI, and it is not on PATH (https://www.pulumi.com/docs/install/). ` +
                    `Without it, pass the bucket directly: --bucket NAME [--status-prefix status/]`,
            );
        }
        throw new RunError(`pulumi stack output --json --stack ${stack} failed: ${(err.stderr || err.message).trim()}`);
    }
    let outputs: Record<string, unknown>;
    try {
        outputs = JSON.parse(stdout) as Record<string, unknown>;
    } catch {
        throw new RunError(`pulumi stack output --json --stack ${stack} did not print JSON`);
    }
    const bucket = outputs.bucketName;
    if (typeof bucket !== "string" || bucket === "") {
        throw new RunError(`stack ${stack} has no bucketName output; has it been deployed (pulumi up)? Or pass --bucket NAME`);
    }
    const statusPrefix = typeof outputs.statusPrefix === "string" && outputs.statusPrefix !== "" ? outputs.statusPrefix : "status/";
    let region: string | undefined;
    try {
        region = (await run("pulumi", ["config", "get", "aws:region", "--stack", stack])).stdout.trim() || undefined;
    } catch {
        region = undefined;
    }
    return { bucket, statusPrefix, region };
}

/** Writes `content` to `file` atomically: a private temporary file in the same directory, then rename. */
export function writeFileAtomic(file: string, content: string): void {
    const dir = path.dirname(path.resolve(file));
    const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
    // Presigned links are bearer tokens until they expire: the page is readable by its owner only.
    const fd = fs.openSync(tmp, "wx", 0o600);
    try {
        fs.writeFileSync(fd, content);
        fs.fsyncSync(fd);
        fs.closeSync(fd);
        fs.renameSync(tmp, file);
    } catch (e) {
        try {
            fs.closeSync(fd);
        } catch {
            // already closed
        }
        fs.rmSync(tmp, { force: true });
        throw e;
    }
}

function defaultOut(bucket: string): string {
    const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*$/, "Z");
    return path.join(os.tmpdir(), `status-page-${bucket}-${stamp}-${randomBytes(3).toString("hex")}.html`);
}

function awsMessage(e: unknown, where: string): string {
    const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const name = err.name ?? "Error";
    let hint = "";
    if (name === "CredentialsProviderError" || /credentials/i.test(err.message ?? "")) {
        hint = " — configure AWS credentials (AWS_PROFILE, aws sso login, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)";
    } else if (/region is missing/i.test(err.message ?? "")) {
        hint = " — pass --region (e.g. --region eu-west-1) or set AWS_REGION";
    } else if (name === "NoSuchBucket") {
        hint = " — check --bucket (or the stack's bucketName output)";
    } else if (name === "AccessDenied" || err.$metadata?.httpStatusCode === 403) {
        hint = " — these credentials need s3:ListBucket on the status prefix and s3:GetObject on status/ and processed/";
    } else if (name === "PermanentRedirect" || err.$metadata?.httpStatusCode === 301) {
        hint = " — the bucket is in another region; pass --region";
    }
    return `AWS error reading ${where}: ${name}: ${err.message ?? String(e)}${hint}`;
}

export async function main(argv: readonly string[]): Promise<number> {
    let args: CliArgs;
    try {
        args = parseArgs(argv);
    } catch (e) {
        if (e instanceof UsageError) {
            process.stderr.write(`status-page: ${e.message}\n\n${USAGE}\n`);
            return 2;
        }
        throw e;
    }
    if (args.help) {
        process.stdout.write(`${USAGE}\n`);
        return 0;
    }
    let s3: S3Client | undefined;
    try {
        let bucket: string;
        let statusPrefix: string;
        let region = args.region;
        if (args.stack !== undefined) {
            const target = await stackTarget(args.stack);
            bucket = target.bucket;
            statusPrefix = target.statusPrefix;
            region ??= target.region;
        } else {
            bucket = args.bucket!;
            statusPrefix = args.statusPrefix!;
        }
        if (!region && args.endpoint && !process.env.AWS_REGION && !process.env.AWS_DEFAULT_REGION) {
            region = "us-east-1";
        }
        s3 = new S3Client({
            ...(region ? { region } : {}),
            ...(args.endpoint
                ? { endpoint: args.endpoint, forcePathStyle: true, requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" }
                : {}),
            maxAttempts: 5,
        });
        const where = `s3://${bucket}/${statusPrefix}`;
        let entries: StatusEntry[];
        try {
            entries = await collectStatus(s3, { bucket, statusPrefix, linkExpirySeconds: args.expires });
        } catch (e) {
            throw new RunError(awsMessage(e, where));
        }
        const html = renderStatusPage(entries, {
            title: args.stack ? `Pipeline status — ${args.stack}` : `Pipeline status — ${bucket}`,
            generatedAt: new Date().toISOString(),
            source: args.endpoint ? `${where} on ${args.endpoint}` : where,
            linkExpirySeconds: args.expires,
        });
        const out = path.resolve(args.out ?? defaultOut(bucket));
        try {
            writeFileAtomic(out, html);
        } catch (e) {
            throw new RunError(`could not write ${out}: ${(e as Error).message}`);
        }
        process.stdout.write(`${out}\n${pathToFileURL(out).href}\n`);
        process.stderr.write(`${summaryText(entries)}; links expire in ${describeSeconds(args.expires)}.\n`);
        return 0;
    } catch (e) {
        if (e instanceof RunError) {
            process.stderr.write(`status-page: ${e.message}\n`);
            return 1;
        }
        process.stderr.write(`status-page: ${(e as Error).message ?? String(e)}\n`);
        return 1;
    } finally {
        s3?.destroy();
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => {
            process.exitCode = code;
        },
        (e: unknown) => {
            process.stderr.write(`status-page: ${(e as Error).stack ?? String(e)}\n`);
            process.exitCode = 1;
        },
    );
}
