/**
 * A stack's settings read from `Pulumi.<stack>.yaml` without the Pulumi CLI, through the same
 * validation `pulumi preview` runs (readStackConfig), so the local pipeline filters and names files
 * exactly as the deployed stack does.
 */
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { PROJECT } from "../../../components/builders/contracts";
import { ConfigSource, StackConfig, readStackConfig } from "../../../components/stack-config";

/** The repository root (where Pulumi.yaml is). */
export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");

/** A ConfigSource over a stack file's `config:` map (secrets are not read locally). */
export function yamlConfigSource(values: Record<string, unknown>): ConfigSource {
    const raw = (key: string): unknown => values[`${PROJECT}:${key}`];
    const text = (key: string): string | undefined => {
        const v = raw(key);
        return v === undefined || v === null ? undefined : typeof v === "object" ? JSON.stringify(v) : String(v);
    };
    return {
        name: PROJECT,
        get: (key: string) => text(key),
        getNumber: (key: string) => {
            const v = text(key);
            if (v === undefined) {
                return undefined;
            }
            const n = Number(v);
            if (Number.isNaN(n)) {
                throw new Error(`${PROJECT}:${key}: ${JSON.stringify(v)} is not a number`);
            }
            return n;
        },
        getBoolean: (key: string) => {
            const v = text(key);
            if (v === undefined) {
                return undefined;
            }
            if (v !== "true" && v !== "false") {
                throw new Error(`${PROJECT}:${key}: ${JSON.stringify(v)} is not true or false`);
            }
            return v === "true";
        },
        getObject: <T>(key: string) => raw(key) as T | undefined,
        getSecret: () => undefined,
    };
}

/** Reads and validates `Pulumi.<stack>.yaml`; a clear error if the file is missing. */
export function loadStackConfig(stack: string, root = REPO_ROOT): StackConfig {
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        const stacks = fs.readdirSync(root).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter(Boolean);
        throw new Error(`--stack: there is no Pulumi.${stack}.yaml; use one of ${stacks.join(", ")}`);
    }
    const doc = (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const values = doc.config ?? {};
    // The stack file's region, as the AWS provider would read it (the local pipeline never calls AWS).
    const region = values["aws:region"] === undefined ? undefined : String(values["aws:region"]);
    return readStackConfig(yamlConfigSource(values), { region: () => region ?? (process.env.AWS_REGION || undefined) });
}
