/**
 * Writes the CI roles' IAM documents as JSON.
 *
 *   npx ts-node --transpile-only deploy/github-oidc-role/render.ts
 *       rewrites the templates beside this file (placeholders ${AWS_ACCOUNT_ID}, ${AWS_REGION},
 *       ${GITHUB_REPOSITORY}); tests/workflows-role-documents.test.ts fails when they are out of date
 *   npx ts-node --transpile-only deploy/github-oidc-role/render.ts \
 *       --account 123456789012 --region eu-west-1 --repository my-org/s3-fargate-pipeline --out ./ci-roles
 *       writes the documents for one account, ready for `aws iam create-role` / `create-policy`
 *       add --deploy-trust main (a dev-only account) or --deploy-trust production (a prod-only
 *       account) so that account's deploy role trusts only the job that deploys there
 *
 * Exit codes: 0 written, 2 bad usage.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { PolicyDocument, TRUSTED_SUBJECTS, Target, documents } from "./policies";

export class UsageError extends Error {}

/** The placeholders the templates hold, in `Target` form. */
export const PLACEHOLDERS: Target = { account: "${AWS_ACCOUNT_ID}", region: "${AWS_REGION}", repository: "${GITHUB_REPOSITORY}" };

/** `--deploy-trust` values and the `sub` claims they stand for. */
export const DEPLOY_TRUST: Record<string, readonly string[]> = {
    both: TRUSTED_SUBJECTS.deploy,
    main: ["ref:refs/heads/main"],
    production: ["environment:production"],
};

export interface RenderOptions {
    /** Concrete values, or the placeholders when rendering the templates. */
    target: Target;
    /** Directory to write to. @default this file's directory (the templates) */
    out: string;
    /** The `sub` claims the deploy role trusts. @default both jobs' (main branch and production environment) */
    deploySubjects: readonly string[];
}

/** A document as the files hold it: two-space JSON and a final newline. */
export function toJson(document: PolicyDocument): string {
    return `${JSON.stringify(document, null, 2)}\n`;
}

/** Parses command-line arguments; throws UsageError naming the flag, the value and what is allowed. */
export function parseRenderArgs(argv: string[]): RenderOptions {
    let values: { account?: string; region?: string; repository?: string; out?: string; "deploy-trust"?: string };
    try {
        values = parseArgs({
            args: argv,
            options: { account: { type: "string" }, region: { type: "string" }, repository: { type: "string" }, out: { type: "string" }, "deploy-trust": { type: "string" } },
            strict: true,
        }).values;
    } catch (e) {
        throw new UsageError(`${(e as Error).message}; allowed: --account ID --region REGION --repository OWNER/NAME --out DIR [--deploy-trust both|main|production], or no flags to rewrite the templates`);
    }
    const given = [values.account, values.region, values.repository, values.out].filter((v) => v !== undefined).length;
    if (given === 0 && values["deploy-trust"] === undefined) {
        return { target: PLACEHOLDERS, out: __dirname, deploySubjects: DEPLOY_TRUST.both };
    }
    if (given !== 4) {
        throw new UsageError("--account, --region, --repository and --out go together; give all four, or none to rewrite the templates");
    }
    const trust = values["deploy-trust"] ?? "both";
    if (!Object.hasOwn(DEPLOY_TRUST, trust)) {
        throw new UsageError(`--deploy-trust: "${trust}" is not one of ${Object.keys(DEPLOY_TRUST).join(", ")}`);
    }
    const { account, region, repository, out } = values as Required<typeof values>;
    if (!/^\d{12}$/.test(account)) {
        throw new UsageError(`--account: "${account}" is not an AWS account ID; use its 12 digits, e.g. 123456789012`);
    }
    if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
        throw new UsageError(`--region: "${region}" is not an AWS region; use the stacks' aws:region, e.g. eu-west-1`);
    }
    if (!/^[A-Za-z0-9-]+\/[A-Za-z0-9_.-]+$/.test(repository)) {
        throw new UsageError(`--repository: "${repository}" is not a GitHub repository; use OWNER/NAME, e.g. my-org/s3-fargate-pipeline`);
    }
    return { target: { account, region, repository }, out: path.resolve(out), deploySubjects: DEPLOY_TRUST[trust] };
}

/** Writes every document; returns the paths written. */
export function render(options: RenderOptions): string[] {
    fs.mkdirSync(options.out, { recursive: true });
    return Object.entries(documents(options.target, undefined, options.deploySubjects)).map(([file, document]) => {
        const target = path.join(options.out, file);
        fs.writeFileSync(target, toJson(document));
        return target;
    });
}

if (require.main === module) {
    try {
        for (const file of render(parseRenderArgs(process.argv.slice(2)))) {
            process.stdout.write(`${file}\n`);
        }
    } catch (e) {
        process.stderr.write(`${e instanceof UsageError ? "usage" : "error"}: ${(e as Error).message}\n`);
        process.exit(2);
    }
}
