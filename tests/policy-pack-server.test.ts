/**
 * The packs as the Pulumi CLI runs them: each pack's entry file is started the way the CLI starts a
 * `--policy-pack` directory (its own process, cwd = the pack), it prints its gRPC port, and this
 * test talks to it over the Analyzer protocol the engine uses. The verdicts must equal the offline
 * runner's for the same resources.
 */
import { strict as assert } from "assert";
import { ChildProcess, spawn } from "child_process";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as path from "path";
import { serializeProperties } from "@pulumi/pulumi/runtime/rpc";
import { evaluatePacks, Finding } from "../policy/offline/engine";
import { runProgram } from "../policy/offline/program";
import { PACKS } from "../policy/packs";
import { ROOT, Recorded } from "./mocks";

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

interface Served {
    child: ChildProcess;
    client: Client;
}

/** Starts a pack like the CLI does and connects to the port it prints. */
function startPack(pack: string): Promise<Served> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "index.ts"], {
            cwd: path.join(ROOT, "policy", pack),
            env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, "tsconfig.json") },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stderr = "";
        child.stderr.on("data", (d) => (stderr += d));
        child.once("exit", (code) => reject(new Error(`pack ${pack} exited with ${code}: ${stderr}`)));
        child.stdout.once("data", (d: Buffer) => {
            const port = Number(d.toString().trim());
            const client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as Client;
            resolve({ child, client });
        });
    });
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

async function analyzeResource(client: Client, r: Recorded): Promise<[string, string, string][]> {
    const req = new analyzerPb.AnalyzeRequest();
    req.setType(r.type);
    req.setName(r.name);
    req.setUrn(r.urn);
    req.setProperties(await properties(r.inputs));
    req.setOptions(options());
    const res = await call<any>((cb) => client.analyze(req, cb));
    return res.getDiagnosticsList().map((d: any) => [d.getPolicyname(), r.urn, d.getMessage()]);
}

async function analyzeStack(client: Client, resources: Recorded[]): Promise<[string, string, string][]> {
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
    const res = await call<any>((cb) => client.analyzeStack(req, cb));
    return res.getDiagnosticsList().map((d: any) => [d.getPolicyname(), d.getUrn(), d.getMessage()]);
}

function sorted(rows: [string, string, string][]): [string, string, string][] {
    return [...rows].sort((a, b) => a.join("|").localeCompare(b.join("|")));
}

/** The engine prints a violation as the rule's description, a newline, then the message. */
function offlineRows(findings: Finding[]): [string, string, string][] {
    return findings.map((f) => [f.policy, f.urn ?? "", `${f.description}\n${f.message}`]);
}

for (const spec of PACKS) {
    describe(`the ${spec.name} pack served as the Pulumi CLI loads it`, function () {
        this.timeout(60000);
        let served: Served;
        let insecure: Recorded[];
        before(async () => {
            served = await startPack(spec.name);
            insecure = (await runProgram({ program: path.join(ROOT, "tests/fixtures/insecure-stack/index.ts"), stack: "insecure", config: {} })).resources;
        });
        after(() => {
            served.client.close();
            served.child.removeAllListeners("exit");
            served.child.kill();
        });

        it("announces its name, version and every rule with its enforcement level", async () => {
            const info = await call<any>((cb) => served.client.getAnalyzerInfo(new Empty(), cb));
            assert.equal(info.getName(), spec.name);
            assert.equal(info.getVersion(), "0.1.0");
            const policies = info.getPoliciesList().map((p: any) => [p.getName(), p.getEnforcementlevel()]);
            assert.deepEqual(policies.map((p: [string, number]) => p[0]), spec.policies.map((p) => p.name));
        });

        it("gives the same verdicts as the offline runner on the insecure stack", async () => {
            const served_: [string, string, string][] = [];
            for (const r of insecure) {
                served_.push(...(await analyzeResource(served.client, r)));
            }
            served_.push(...(await analyzeStack(served.client, insecure)));
            const offline = offlineRows(await evaluatePacks([spec], insecure));
            assert.ok(offline.length > 0);
            assert.deepEqual(sorted(served_), sorted(offline));
        });
    });
}
