/**
 * The ECS task metadata endpoint v4 as the processor reads it (app/src/processor/metadata.ts): the task's ARN for
 * its logs and status, and the cluster, task definition and container a coordinator starts shards with
 * (launcher.ts), from a loopback server answering as the endpoint does, and as it fails.
 */
import { strict as assert } from "assert";
import * as http from "http";
import { AddressInfo } from "net";
import { readTaskIdentity } from "../app/src/processor/launcher";
import { fetchTaskArn, getJson } from "../app/src/processor/metadata";

const TASK = { Cluster: "arn:aws:ecs:eu-west-1:123456789012:cluster/processing", TaskARN: "arn:aws:ecs:eu-west-1:123456789012:task/processing/0123", Family: "p-dev-processor", Revision: "7" };

describe("the ECS task metadata endpoint, read by the processor", () => {
    let server: http.Server;
    let base: string;
    const requests: string[] = [];
    before(async () => {
        // Paths under /v4/<id>: the container, /task, and a few that misbehave.
        server = http.createServer((req, res) => {
            requests.push(`${req.method} ${req.url}`);
            const send = (status: number, body: string) => res.writeHead(status, { "content-type": "application/json" }).end(body);
            switch (req.url) {
                case "/v4/ok":
                    return send(200, JSON.stringify({ Name: "processor", DockerId: "abc" }));
                case "/v4/ok/task":
                    return send(200, JSON.stringify(TASK));
                case "/v4/partial/task":
                    return send(200, JSON.stringify({ Cluster: TASK.Cluster }));
                case "/v4/partial":
                    return send(200, "{}");
                case "/v4/missing/task":
                    return send(404, '{"error":"no such task"}');
                case "/v4/garbled/task":
                    return send(200, "<html>");
                case "/v4/cut/task":
                    // Promises 100 bytes and sends 10.
                    res.writeHead(200, { "content-length": "100" });
                    res.write('{"TaskARN"');
                    setTimeout(() => res.destroy(), 20);
                    return;
                case "/v4/slow/task":
                    setTimeout(() => send(200, JSON.stringify(TASK)), 2000).unref();
                    return;
                default:
                    return send(404, "{}");
            }
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v4`;
    });
    after(() => {
        server.closeAllConnections();
        server.close();
    });

    it("reads the task's ARN with one GET of /task", async () => {
        requests.length = 0;
        assert.equal(await fetchTaskArn(`${base}/ok`), TASK.TaskARN);
        assert.deepEqual(requests, ["GET /v4/ok/task"]);
    });

    it("gives no ARN, without failing, when there is no endpoint or it answers 404, not JSON, half an answer or nothing in time", async () => {
        assert.equal(await fetchTaskArn(undefined), undefined);
        for (const what of ["missing", "garbled", "cut", "partial"]) {
            assert.equal(await fetchTaskArn(`${base}/${what}`), undefined, what);
        }
        assert.equal(await fetchTaskArn(`${base}/slow`, 100), undefined);
        assert.equal(await fetchTaskArn("http://127.0.0.1:1/v4/closed"), undefined, "connection refused");
    });

    it("getJson names the URL and what went wrong", async () => {
        await assert.rejects(getJson(`${base}/missing/task`, 1000), { message: `${base}/missing/task: answered 404` });
        await assert.rejects(getJson(`${base}/garbled/task`, 1000), { message: `${base}/garbled/task: the answer is not JSON` });
        await assert.rejects(getJson(`${base}/cut/task`, 1000), (e: Error) => e.message.startsWith(`${base}/cut/task: the answer ended early`));
        await assert.rejects(getJson(`${base}/slow/task`, 100), { message: `${base}/slow/task: no answer within 100 ms` });
    });

    it("reads the cluster, the task definition as family:revision and the container's name for RunTask", async () => {
        assert.deepEqual(await readTaskIdentity(`${base}/ok`), { cluster: TASK.Cluster, taskDefinition: "p-dev-processor:7", container: "processor" });
        await assert.rejects(readTaskIdentity(`${base}/partial`), /the task metadata lacks Cluster, Family, Revision or the container's Name/);
        await assert.rejects(readTaskIdentity(`${base}/missing`), { message: `${base}/missing: answered 404` });
    });
});
