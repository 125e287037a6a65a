/**
 * A stand-in for the Amazon ECS API on loopback, for tests of code that calls RunTask with the real
 * AWS SDK. It speaks the AWS JSON 1.1 protocol the SDK uses for ECS: `POST /` with
 * `X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Operation>` and a JSON body; errors are
 * `{"__type": "<Exception>", "message": "…"}` with a 4xx/5xx status. It records every request and
 * answers RunTask as the test says (started task, `failures[]`, an error).
 *
 * RunTask's client token works as ECS documents it
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/ECS_Idempotency.html): a request that
 * repeats the token and the parameters of one that started tasks gets that answer again and starts
 * nothing; the token with other parameters is a ConflictException naming the tasks (`resourceIds`).
 */
import * as http from "http";
import type { AddressInfo } from "net";

export const ECS_TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113.";

export interface EcsRequest {
    /** The operation, e.g. "RunTask". */
    operation: string;
    headers: http.IncomingHttpHeaders;
    /** The parsed JSON body. */
    body: any;
}

/** An answer: the JSON body and its HTTP status. */
export interface EcsReply {
    status: number;
    body: unknown;
}

/** What the server answers a RunTask request with (the request and its 1-based number among RunTask requests). */
export type RunTaskResponder = (input: any, n: number) => EcsReply;

export interface EcsServer {
    /** `http://127.0.0.1:<port>`: the SDK's `endpoint`, or AWS_ENDPOINT_URL_ECS. */
    endpoint: string;
    requests: EcsRequest[];
    /** The RunTask requests' bodies, in arrival order. */
    runTaskInputs(): any[];
    /** The task ARNs RunTask started (each once, however often an idempotent request repeated). */
    startedTaskArns(): string[];
    /** Replace how RunTask is answered. */
    onRunTask: RunTaskResponder;
    close(): Promise<void>;
}

/** A started task, as RunTask returns it. */
export function startedTask(input: any, n: number): EcsReply {
    const cluster = String(input.cluster ?? "default");
    const clusterName = cluster.includes("cluster/") ? cluster.split("cluster/")[1] : cluster;
    const base = cluster.includes(":cluster/") ? cluster.split(":cluster/")[0] : "arn:aws:ecs:eu-west-1:123456789012";
    const id = n.toString(16).padStart(32, "0");
    return {
        status: 200,
        body: {
            tasks: [
                {
                    taskArn: `${base}:task/${clusterName}/${id}`,
                    clusterArn: cluster,
                    taskDefinitionArn: input.taskDefinition,
                    lastStatus: "PROVISIONING",
                    desiredStatus: "RUNNING",
                    startedBy: input.startedBy,
                    launchType: input.launchType,
                    group: `family:${String(input.taskDefinition).split("/").pop()?.split(":")[0]}`,
                },
            ],
            failures: [],
        },
    };
}

/** RunTask's answer when ECS could not place the task: no task, one failure. */
export function runTaskFailure(reason: string, arn?: string, detail?: string): EcsReply {
    return { status: 200, body: { tasks: [], failures: [{ ...(arn === undefined ? {} : { arn }), reason, ...(detail === undefined ? {} : { detail }) }] } };
}

/** An API error (`ClientException`, `InvalidParameterException`, `AccessDeniedException`, `ServerException`…). */
export function ecsError(type: string, message: string, status = 400): EcsReply {
    return { status, body: { __type: type, message } };
}

/** A request's parameters without its client token, for comparing a repeat with the original. */
function parametersOf(body: any): string {
    const { clientToken: _token, ...rest } = body ?? {};
    return JSON.stringify(rest);
}

export async function startEcsServer(onRunTask: RunTaskResponder = startedTask): Promise<EcsServer> {
    const requests: EcsRequest[] = [];
    let runTasks = 0;
    const started: string[] = [];
    /** Successful starts by `cluster` + client token. */
    const byToken = new Map<string, { parameters: string; reply: EcsReply }>();
    const runTask = (body: any): EcsReply => {
        const token = typeof body.clientToken === "string" ? `${String(body.cluster)}\u0000${body.clientToken}` : undefined;
        const previous = token === undefined ? undefined : byToken.get(token);
        if (previous !== undefined) {
            if (previous.parameters === parametersOf(body)) {
                return previous.reply;
            }
            const resourceIds = ((previous.reply.body as { tasks?: { taskArn: string }[] }).tasks ?? []).map((t) => t.taskArn);
            return { status: 400, body: { __type: "ConflictException", message: "The clientToken is already in use with different parameters.", resourceIds } };
        }
        runTasks++;
        const reply = state.onRunTask(body, runTasks);
        const tasks = reply.status === 200 ? ((reply.body as { tasks?: { taskArn: string }[] }).tasks ?? []) : [];
        started.push(...tasks.map((t) => t.taskArn));
        if (token !== undefined && tasks.length > 0) {
            byToken.set(token, { parameters: parametersOf(body), reply });
        }
        return reply;
    };
    const state: EcsServer = {
        endpoint: "",
        requests,
        runTaskInputs: () => requests.filter((r) => r.operation === "RunTask").map((r) => r.body),
        startedTaskArns: () => [...started],
        onRunTask,
        close: async () => {},
    };
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const reply = (r: EcsReply) => {
                res.writeHead(r.status, { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": `req-${requests.length}` });
                res.end(JSON.stringify(r.body));
            };
            const target = String(req.headers["x-amz-target"] ?? "");
            let body: any;
            try {
                body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
            } catch {
                reply(ecsError("SerializationException", "the body is not JSON"));
                return;
            }
            const operation = target.startsWith(ECS_TARGET_PREFIX) ? target.slice(ECS_TARGET_PREFIX.length) : target;
            requests.push({ operation, headers: req.headers, body });
            if (req.method !== "POST" || req.headers["content-type"] !== "application/x-amz-json-1.1" || !target.startsWith(ECS_TARGET_PREFIX)) {
                reply(ecsError("UnknownOperationException", `not an ECS JSON 1.1 request: ${req.method} ${target}`));
                return;
            }
            if (operation !== "RunTask") {
                reply(ecsError("UnknownOperationException", `the stand-in answers RunTask only, not ${operation}`));
                return;
            }
            reply(runTask(body));
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    state.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    state.close = () =>
        new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
        });
    return state;
}
