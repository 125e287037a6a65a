/**
 * The ECS task metadata endpoint (v4): plain HTTP on a link-local address, `${ECS_CONTAINER_METADATA_URI_V4}`
 * for the container and `${ECS_CONTAINER_METADATA_URI_V4}/task` for the task
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-metadata-endpoint-v4-fargate.html).
 * Read with node:http, which the AWS SDK has loaded already: Node's `fetch` loads a second HTTP client
 * (undici) on its first call, about 35 ms of CPU at the start of every task.
 */
import * as http from "http";

/**
 * GETs `url` (http://) and parses its JSON body. Rejects, naming the URL, on an answer other than 2xx,
 * a body that is not JSON, a connection error, or when the whole exchange takes longer than `timeoutMs`.
 */
export function getJson(url: string, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
        const fail = (why: string) => reject(new Error(`${url}: ${why}`));
        const req = http.get(url, { signal: AbortSignal.timeout(timeoutMs) }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (chunk: Buffer) => chunks.push(chunk));
            res.on("error", (e) => fail(`the answer ended early (${e.message})`));
            res.on("close", () => {
                if (!res.complete) {
                    fail("the answer ended early");
                    return;
                }
                const status = res.statusCode ?? 0;
                if (status < 200 || status > 299) {
                    fail(`answered ${status}`);
                    return;
                }
                try {
                    resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
                } catch {
                    fail("the answer is not JSON");
                }
            });
        });
        req.on("error", (e) => fail(e.name === "AbortError" || e.name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : e.message));
    });
}

/** The task's ARN from the ECS task metadata endpoint, when the processor runs on ECS; undefined when it cannot be read. */
export async function fetchTaskArn(metadataUri: string | undefined, timeoutMs = 1000): Promise<string | undefined> {
    if (!metadataUri) {
        return undefined;
    }
    try {
        const task = (await getJson(`${metadataUri}/task`, timeoutMs)) as { TaskARN?: unknown };
        return typeof task?.TaskARN === "string" ? task.TaskARN : undefined;
    } catch {
        return undefined;
    }
}
