/**
 * A client of the Analyzer gRPC protocol the Pulumi engine uses to talk to a policy pack: start a
 * pack process, read the port it prints, ask for its info, send resources and stacks to analyze.
 */
import { ChildProcess } from "child_process";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as path from "path";
import { serializeProperties } from "@pulumi/pulumi/runtime/rpc";
import { Finding } from "../../policy/offline/engine";
import { runProgram } from "../../policy/offline/program";
import { ROOT, Recorded } from "../mocks";
import { startPlugin, stopPlugin } from "./plugin-process";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const analyzerRpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const analyzerPb = require("@pulumi/pulumi/proto/analyzer_pb");

interface Client {
    getAnalyzerInfo(req: Empty, cb: (err: Error | null, res: any) => void): void;
    analyze(req: unknown, cb: (err: Error | null, res: any) => void): void;
    analyzeStack(req: unknown, cb: (err: Error | null, res: any) => void): void;
    close(): void;
}

/** A running pack and a client connected to it. */
export interface Served {
    child: ChildProcess;
    client: Client;
}

/** A diagnostic as [rule, URN, message]. */
export type Row = [string, string, string];

/** Starts a pack process (`args` run by this Node, in `cwd`) and connects to the port it prints on stdout. */
export async function startPack(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<Served> {
    const { child, port } = await startPlugin(args, cwd, env);
    return { child, client: new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as Client };
}

/** Closes the client and ends the pack process. */
export function stopPack(served: Served | undefined): void {
    if (served) {
        stopPlugin(served.child, served.client);
    }
}

function call<T>(fn: (cb: (err: Error | null, res: T) => void) => void): Promise<T> {
    return new Promise((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res))));
}

function options(): unknown {
    const o = new analyzerPb.AnalyzerResourceOptions();
    o.setProtect(false);
    return o;
}

async function properties(values: Record<string, unknown>): Promise<Struct> {
    return Struct.fromJavaScript((await serializeProperties("policy-test", values)) as Record<string, any>);
}

/** The pack's name, version and rules with their enforcement levels. */
export async function analyzerInfo(served: Served): Promise<{ name: string; version: string; policies: string[] }> {
    const info = await call<any>((cb) => served.client.getAnalyzerInfo(new Empty(), cb));
    return { name: info.getName(), version: info.getVersion(), policies: info.getPoliciesList().map((p: any) => p.getName()) };
}

async function analyzeResource(served: Served, r: Recorded): Promise<Row[]> {
    const req = new analyzerPb.AnalyzeRequest();
    req.setType(r.type);
    req.setName(r.name);
    req.setUrn(r.urn);
    req.setProperties(await properties(r.inputs));
    req.setOptions(options());
    const res = await call<any>((cb) => served.client.analyze(req, cb));
    return res.getDiagnosticsList().map((d: any) => [d.getPolicyname(), r.urn, d.getMessage()]);
}

async function analyzeStack(served: Served, resources: Recorded[]): Promise<Row[]> {
    const req = new analyzerPb.AnalyzeStackRequest();
    const list = [];
    for (const r of resources) {
        const res = new analyzerPb.AnalyzerResource();
        res.setType(r.type);
        res.setName(r.name);
        res.setUrn(r.urn);
        res.setProperties(await properties(r.state));
        res.setOptions(options());
        list.push(res);
    }
    req.setResourcesList(list);
    const res = await call<any>((cb) => served.client.analyzeStack(req, cb));
    return res.getDiagnosticsList().map((d: any) => [d.getPolicyname(), d.getUrn(), d.getMessage()]);
}

/** Every diagnostic the pack gives for the resources (each analyzed alone, then as a stack), sorted. */
export async function analyzeAll(served: Served, resources: Recorded[]): Promise<Row[]> {
    const rows: Row[] = [];
    for (const r of resources) {
        rows.push(...(await analyzeResource(served, r)));
    }
    rows.push(...(await analyzeStack(served, resources)));
    return sorted(rows);
}

export function sorted(rows: Row[]): Row[] {
    return [...rows].sort((a, b) => a.join("|").localeCompare(b.join("|")));
}

/** The offline runner's findings as the engine prints a violation: the rule's description, a newline, then the message. */
export function offlineRows(findings: Finding[]): Row[] {
    return sorted(findings.map((f) => [f.policy, f.urn ?? "", `${f.description}\n${f.message}`]));
}

/** Programs whose resources the pack tests send to the packs: the insecure stack and a public key policy. */
const INSECURE_PROGRAMS = ["tests/fixtures/insecure-stack/index.ts", "tests/fixtures/policy-corpus/insecure/kms-key-policy-public.ts"];

/** The resources of the insecure programs, one stack each. */
export async function insecureStacks(): Promise<Recorded[][]> {
    const stacks: Recorded[][] = [];
    for (const program of INSECURE_PROGRAMS) {
        stacks.push((await runProgram({ program: path.join(ROOT, program), stack: "insecure", config: {} })).resources);
    }
    return stacks;
}
