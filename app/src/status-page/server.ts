/**
 * A loopback HTTP server for the status page: `/` is the page (rebuilt on every request, live
 * updates on), `/table.json` the status region for those updates. Everything else is 404.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import * as http from "http";
import type { AddressInfo } from "net";
import { collectStatus } from "./collect";
import { escapeHtml, liveUpdatePayload, renderStatusPage } from "./page";
import type { PageOptions } from "./types";

export interface StatusServerOptions {
    s3: S3Client;
    bucket: string;
    statusPrefix: string;
    linkExpirySeconds: number;
    title: string;
    source: string;
}

export interface StatusServer {
    /** `http://127.0.0.1:<port>/` */
    url: string;
    close(): Promise<void>;
}

const LIVE_UPDATE_PATH = "/table.json";

const SECURITY_HEADERS: Record<string, string> = {
    // Inline style and script only; the page may fetch its own origin; links to S3 are navigations.
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
};

export async function startStatusServer(opts: StatusServerOptions): Promise<StatusServer> {
    const sockets = new Set<import("net").Socket>();
    let port = 0;

    const pageOptions = (): PageOptions => ({
        title: opts.title,
        source: opts.source,
        linkExpirySeconds: opts.linkExpirySeconds,
        generatedAt: new Date().toISOString(),
        liveUpdateUrl: LIVE_UPDATE_PATH,
    });
    const collect = () => collectStatus(opts.s3, { bucket: opts.bucket, statusPrefix: opts.statusPrefix, linkExpirySeconds: opts.linkExpirySeconds });

    const send = (res: http.ServerResponse, head: boolean, status: number, type: string, body: string) => {
        res.writeHead(status, { ...SECURITY_HEADERS, "content-type": type, "content-length": Buffer.byteLength(body) });
        res.end(head ? undefined : body);
    };

    const server = http.createServer((req, res) => {
        const head = req.method === "HEAD";
        // Only loopback names: a page on another site that rebinds its DNS name to 127.0.0.1
        // must not be able to read the presigned links.
        const host = (req.headers.host ?? "").toLowerCase();
        if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}` && host !== `[::1]:${port}`) {
            send(res, head, 421, "text/plain; charset=utf-8", "Misdirected request: use http://127.0.0.1:" + port + "/\n");
            return;
        }
        const path = (req.url ?? "/").split("?")[0];
        if (path !== "/" && path !== LIVE_UPDATE_PATH) {
            send(res, head, 404, "text/plain; charset=utf-8", "Not found\n");
            return;
        }
        if (req.method !== "GET" && !head) {
            res.setHeader("allow", "GET, HEAD");
            send(res, false, 405, "text/plain; charset=utf-8", "Method not allowed\n");
            return;
        }
        collect().then(
            (entries) => {
                const options = pageOptions();
                if (path === "/") {
                    send(res, head, 200, "text/html; charset=utf-8", renderStatusPage(entries, options));
                } else {
                    send(res, head, 200, "application/json; charset=utf-8", JSON.stringify(liveUpdatePayload(entries, options)));
                }
            },
            (e: unknown) => {
                const message = `Could not read s3://${opts.bucket}/${opts.statusPrefix}: ${(e as Error).name ?? "Error"}: ${(e as Error).message ?? String(e)}`;
                if (path === "/") {
                    send(
                        res,
                        head,
                        502,
                        "text/html; charset=utf-8",
                        `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(opts.title)}</title></head><body><main><h1>${escapeHtml(opts.title)}</h1><p role="alert">${escapeHtml(message)}</p></main></body></html>`,
                    );
                } else {
                    send(res, head, 502, "application/json; charset=utf-8", JSON.stringify({ error: message }));
                }
            },
        );
    });
    server.on("connection", (s) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            server.off("error", reject);
            resolve();
        });
    });
    port = (server.address() as AddressInfo).port;
    let closed: Promise<void> | undefined;
    return {
        url: `http://127.0.0.1:${port}/`,
        close: () =>
            (closed ??= new Promise<void>((resolve) => {
                server.close(() => resolve());
                for (const s of sockets) {
                    s.destroy();
                }
            })),
    };
}
