// s3rver ships no type declarations; this is the part of its API the local pipeline and the tests use.
declare module "s3rver" {
    import { AddressInfo } from "net";
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
    class S3rver {
        constructor(options: S3rverOptions);
        run(): Promise<AddressInfo>;
        close(): Promise<void>;
        on(event: "event", listener: (event: { Records: S3rverRecord[] }) => void): this;
    }
    namespace S3rver {
        export { S3rverRecord };
    }
    export = S3rver;
}
