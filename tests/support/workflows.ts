/** The GitHub Actions workflows in .github/workflows, as the tests read them (js-yaml). */
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { ROOT } from "../mocks";

export const WORKFLOWS_DIR = path.join(ROOT, ".github", "workflows");

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
