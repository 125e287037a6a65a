// s3rver ships no type declarations; this is the part of its API the local pipeline and the tests use.
declare module "s3rver" {
    import { AddressInfo } from "net";
    import type FilesystemStore from "s3rver/lib/stores/filesystem";
    interface S3rverOptions {
        port?: number;
        address?: string;
        silent?: boolean;
        directory: string;
        configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
    }
    /** A classic S3 event notification record, as s3rver emits it (the key is not URL-encoded). */
    interface S3rverRecord {
        eventTime: string;
        eventName: string;
        awsRegion: string;
        s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string; sequencer: string } };
    }
    /** The part of a Koa request context the local server's middleware uses. */
    interface KoaContext {
        method: string;
        /** The URL's path, still URL-encoded; assigning it rewrites the URL. */
        path: string;
        query: Record<string, string | string[] | undefined>;
        body: unknown;
        /** A request header's value, "" when absent. */
        get(header: string): string;
        store: FilesystemStore;
    }
    class S3rver {
        constructor(options: S3rverOptions);
        /** The object store every request uses (replaceable before `run`). */
        store: FilesystemStore;
        context: { store: FilesystemStore };
        /** Koa's middleware list, composed when the server starts listening. */
        middleware: ((ctx: KoaContext, next: () => Promise<void>) => Promise<void>)[];
        run(): Promise<AddressInfo>;
        close(): Promise<void>;
        on(event: "event", listener: (event: { Records: S3rverRecord[] }) => void): this;
        on(event: "error", listener: (error: Error & { status?: number; code?: string }, ctx?: KoaContext) => void): this;
    }
    namespace S3rver {
        export { S3rverRecord, KoaContext };
    }
    export = S3rver;
}

declare module "s3rver/lib/models/object" {
    import { Readable } from "stream";
    class S3Object {
        constructor(bucket: string, key: string, content: Readable | Buffer | null, metadata: Record<string, string | number>);
        bucket: string;
        key: string;
        content: Readable | Buffer | null;
        metadata: Record<string, string>;
        /** The byte range served, when the request asked for one. */
        range?: { start: number; end: number };
        static ALLOWED_METADATA: string[];
    }
    export = S3Object;
}

declare module "s3rver/lib/models/error" {
    class S3Error extends Error {
        constructor(code: string, message: string, detail?: Record<string, string | number>);
        code: string;
        status: number;
    }
    export = S3Error;
}

declare module "s3rver/lib/stores/filesystem" {
    import S3Object = require("s3rver/lib/models/object");
    interface ListOptions {
        delimiter?: string;
        startAfter?: string;
        prefix?: string;
        maxKeys?: number;
    }
    interface ListResult {
        objects: S3Object[];
        commonPrefixes: string[];
        isTruncated: boolean;
    }
    class FilesystemStore {
        constructor(rootDirectory: string);
        rootDirectory: string;
        getBucketPath(bucket: string): string;
        getResourcePath(bucket: string, key: string | undefined, resource: string): string;
        getMetadata(bucket: string, key: string): Promise<Record<string, string | number>>;
        existsObject(bucket: string, key: string): Promise<boolean>;
        putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5?: string): Promise<void>;
        listObjects(bucket: string, options: ListOptions): Promise<ListResult>;
        getObject(bucket: string, key: string, options?: { start?: number; end?: number }): Promise<S3Object | null>;
        putObject(object: S3Object): Promise<{ size: number; md5: string }>;
        deleteObject(bucket: string, key: string): Promise<void>;
        initiateUpload(bucket: string, key: string, uploadId: string, metadata: Record<string, string>): Promise<void>;
    }
    export = FilesystemStore;
}
