/**
 * Reports of policy findings: readable text for a terminal, JSON, and SARIF 2.1.0 for GitHub code
 * scanning.
 */
import * as fs from "fs";
import * as path from "path";
import { pathToFileURL } from "url";
import { Finding, PolicyPackSpec, SourceLocation } from "./engine";
import { ROOT } from "./mocks";

/** The findings of one stack. */
export interface StackFindings {
    stack: string;
    /** The program file, relative to the repository (SARIF location). */
    program: string;
    findings: Finding[];
}

function counts(findings: Finding[]): string {
    const mandatory = findings.filter((f) => f.enforcementLevel === "mandatory").length;
    return `${mandatory} mandatory, ${findings.length - mandatory} advisory`;
}

/** A terminal report: one block per finding, then a line per stack. */
export function formatText(results: StackFindings[]): string {
    const lines: string[] = [];
    for (const { stack, program, findings } of results) {
        lines.push(`Stack ${stack} (${program}): ${findings.length === 0 ? "no violations" : counts(findings)}`);
        for (const f of findings) {
            lines.push(`  ${f.enforcementLevel.toUpperCase()}  ${f.policy}  (${f.pack}${f.severity ? `, ${f.severity}` : ""})`);
            if (f.resourceName) {
                lines.push(`    resource: ${f.resourceName} (${f.resourceType})`);
            }
            lines.push(`    ${f.message}`);
            if (f.remediation) {
                lines.push(`    how to fix: ${f.remediation}`);
            }
        }
    }
    lines.push(results.map((r) => `${r.stack}: ${counts(r.findings)}`).join("; "));
    return lines.join("\n");
}

export function toJson(results: StackFindings[]): object {
    return { stacks: results.map((r) => ({ stack: r.stack, program: r.program, findings: r.findings })) };
}

/** A SARIF artifact URI: relative to the repository (forward slashes) inside it, a file URI outside. */
function artifactUri(file: string): string {
    const relative = path.relative(ROOT, file);
    return relative.startsWith("..") || path.isAbsolute(relative) ? pathToFileURL(file).toString() : relative.split(path.sep).join("/");
}

/** Where a finding points: the line declaring its resource, else the program's first line. */
function location(f: Finding, program: string): object {
    const at: SourceLocation = f.source ?? { file: path.resolve(ROOT, program), line: 1 };
    return {
        physicalLocation: { artifactLocation: { uri: artifactUri(at.file) }, region: { startLine: at.line } },
        logicalLocations: f.urn ? [{ fullyQualifiedName: f.urn, kind: "resource" }] : [],
    };
}

const SECURITY_SEVERITY: Record<string, string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0" };

/** SARIF 2.1.0: one run, one rule per policy of every pack, one result per finding. */
export function toSarif(results: StackFindings[], packs: PolicyPackSpec[], toolVersion: string): object {
    const rules = packs.flatMap((pack) =>
        pack.policies.map((p) => ({
            id: p.name,
            name: p.name,
            shortDescription: { text: p.description },
            fullDescription: { text: p.description },
            help: { text: p.remediationSteps ?? p.description },
            defaultConfiguration: { level: p.enforcementLevel === "mandatory" ? "error" : "warning" },
            properties: {
                tags: ["security", pack.name],
                ...(p.severity ? { "security-severity": SECURITY_SEVERITY[p.severity] } : {}),
            },
        })),
    );
    const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
    const sarifResults = results.flatMap(({ stack, program, findings }) =>
        findings.map((f) => ({
            ruleId: f.policy,
            ruleIndex: ruleIndex.get(f.policy),
            level: f.enforcementLevel === "mandatory" ? "error" : "warning",
            message: { text: `[${stack}] ${f.resourceName ? `${f.resourceName}: ` : ""}${f.message}` },
            locations: [location(f, program)],
            properties: { stack, pack: f.pack, ...(f.urn ? { urn: f.urn } : {}), ...(f.resourceType ? { resourceType: f.resourceType } : {}) },
            partialFingerprints: { policyFinding: `${stack}|${f.policy}|${f.urn ?? ""}|${f.message}` },
        })),
    );
    return {
        $schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [
            {
                tool: { driver: { name: "s3-fargate-pipeline-policy", version: toolVersion, rules } },
                results: sarifResults,
            },
        ],
    };
}

/** Writes a file so that it appears under its final name only when complete. */
export function writeFileAtomic(file: string, content: string): void {
    const target = path.resolve(file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const temp = `${target}.${process.pid}.tmp`;
    try {
        fs.writeFileSync(temp, content);
        fs.renameSync(temp, target);
    } finally {
        fs.rmSync(temp, { force: true });
    }
}
