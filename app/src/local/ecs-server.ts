/**
 * What a sharding processor asks of ECS, on loopback, for the local pipeline: the task metadata
 * endpoint v4 (`<uri>` for the container, `<uri>/task` for the task) and the RunTask API (AWS JSON
 * 1.1, `X-Amz-Target: AmazonEC2ContainerServiceV20141113.RunTask`), answered by starting a local
 * process (the pipeline's runner) with the task's environment and the call's container overrides.
 * The processor's launcher (app/src/processor/launcher.ts) runs unchanged against it.
 *
 * RunTask checks what ECS would: the cluster and task definition are this task's, the container
 * override names the processor's container. Anything else is refused as ECS refuses it (a 400
 * with the exception's name), so a wrong request fails here as it would in the cloud.
 */
import { randomUUID } from "crypto";
import * as http from "http";
import { AddressInfo } from "net";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "./events";

export const LOCAL_CLUSTER_ARN = `arn:aws:ecs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:cluster/local`;

export interface StartedTask {
    taskArn: string;
    /** The container overrides' environment. */
    environment: Record<string, string>;
    /** The task's metadata endpoint, for its ECS_CONTAINER_METADATA_URI_V4. */
    metadataUri: string;
}

export interface LocalEcs {
    endpoint: string;
    /** A metadata endpoint for a new task of the processor's task definition (its ARN is in it). */
    newTask(): { taskArn: string; metadataUri: string };
    close(): Promise<void>;
}

export interface LocalEcsOptions {
    family: string;
    container: string;
    /** Called for each task RunTask starts; the task's process is the caller's to run. */
    onRunTask: (task: StartedTask) => void;
}

interface RunTaskBody {
    cluster?: string;
    taskDefinition?: string;
    count?: number;
    overrides?: { containerOverrides?: { name?: string; environment?: { name: string; value: string }[] }[] };
}

export async function startLocalEcs(options: LocalEcsOptions): Promise<LocalEcs> {
    const tasks = new Map<string, string>();
    let endpoint = "";
    const newTask = () => {
        const id = randomUUID().replace(/-/g, "");
        const taskArn = `arn:aws:ecs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:task/local/${id}`;
        tasks.set(id, taskArn);
        return { taskArn, metadataUri: `${endpoint}/v4/${id}` };
    };
    const reply = (res: http.ServerResponse, status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
        res.end(JSON.stringify(body));
    };
    const refuse = (res: http.ServerResponse, type: string, message: string) => reply(res, 400, { __type: type, message });
    const server = http.createServer((req, res) => {
        const meta = /^\/v4\/([0-9a-f]+)(\/task)?$/.exec(req.url ?? "");
        if (req.method === "GET" && meta) {
            const taskArn = tasks.get(meta[1]);
            if (taskArn === undefined) {
                return reply(res, 404, { message: "no such task" });
            }
            return reply(res, 200, meta[2] ? { Cluster: LOCAL_CLUSTER_ARN, TaskARN: taskArn, Family: options.family, Revision: "1", DesiredStatus: "RUNNING", KnownStatus: "RUNNING" } : { Name: options.container, DockerId: meta[1] });
        }
        if (req.method !== "POST" || req.headers["x-amz-target"] !== "AmazonEC2ContainerServiceV20141113.RunTask") {
            return refuse(res, "UnknownOperationException", `${req.method} ${req.url} ${String(req.headers["x-amz-target"] ?? "")} is not served here (only RunTask)`);
        }
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            let body: RunTaskBody;
            try {
                body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as RunTaskBody;
            } catch {
                return refuse(res, "InvalidParameterException", "the request body is not JSON");
            }
            if (body.cluster !== LOCAL_CLUSTER_ARN) {
                return refuse(res, "ClusterNotFoundException", `Cluster not found: ${String(body.cluster)}`);
            }
            if (body.taskDefinition !== `${options.family}:1`) {
                return refuse(res, "InvalidParameterException", `TaskDefinition not found: ${String(body.taskDefinition)}`);
            }
            const overrides = body.overrides?.containerOverrides ?? [];
            if (overrides.some((o) => o.name !== options.container) || (body.count ?? 1) !== 1) {
                return refuse(res, "InvalidParameterException", `overrides must name the container ${options.container}, count must be 1`);
            }
            const environment = Object.fromEntries((overrides[0]?.environment ?? []).map((e) => [e.name, e.value]));
            const task = newTask();
            options.onRunTask({ ...task, environment });
            reply(res, 200, { tasks: [{ taskArn: task.taskArn, clusterArn: LOCAL_CLUSTER_ARN, lastStatus: "PROVISIONING" }], failures: [] });
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
        endpoint,
        newTask,
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}
