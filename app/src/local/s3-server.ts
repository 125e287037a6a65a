/**
 * A real S3-compatible server (s3rver) on loopback, for the local pipeline and the tests: data in a
 * temporary directory unless one is given, a free port, and a callback for object-created events.
 */
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import * as fs from "fs";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import S3rver from "s3rver";

/** s3rver accepts these fixed credentials. */
export const LOCAL_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export type ObjectCreatedRecord = S3rver.S3rverRecord;

export interface LocalS3Server {
    endpoint: string;
    /** Where the objects are stored. */
    directory: string;
    client: S3Client;
    createBucket(name: string): Promise<void>;
    /** Called for every object created (put, copy, multipart completion). */
    onObjectCreated(listener: (record: ObjectCreatedRecord) => void): void;
    close(): Promise<void>;
}

/** An S3 client for a local, path-style endpoint. */
export function localS3Client(endpoint: string): S3Client {
    return new S3Client({
        region: "us-east-1",
        endpoint,
        forcePathStyle: true,
        credentials: LOCAL_CREDENTIALS,
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
    });
}

export async function startLocalS3(options: { directory?: string } = {}): Promise<LocalS3Server> {
    const owned = options.directory === undefined;
    const directory = options.directory ?? fs.mkdtempSync(path.join(os.tmpdir(), "s3-local-"));
    fs.mkdirSync(directory, { recursive: true });
    const server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory });
    const { port } = (await server.run()) as AddressInfo;
    const endpoint = `http://127.0.0.1:${port}`;
    const client = localS3Client(endpoint);
    const listeners: ((record: ObjectCreatedRecord) => void)[] = [];
    server.on("event", (event) => {
        for (const record of event.Records) {
            if (record.eventName.startsWith("ObjectCreated:")) {
                listeners.forEach((l) => l(record));
            }
        }
    });
    return {
        endpoint,
        directory,
        client,
        createBucket: async (name) => {
            try {
                await client.send(new CreateBucketCommand({ Bucket: name }));
            } catch (e) {
                if ((e as Error).name !== "BucketAlreadyOwnedByYou" && (e as Error).name !== "BucketAlreadyExists") {
                    throw e;
                }
            }
        },
        onObjectCreated: (listener) => listeners.push(listener),
        close: async () => {
            client.destroy();
            await server.close();
            if (owned) {
                fs.rmSync(directory, { recursive: true, force: true });
            }
        },
    };
}
