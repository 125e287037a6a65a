// s3rver ships no type declarations; this is the part of its API the tests use.
declare module "s3rver" {
    import { AddressInfo } from "net";
    interface S3rverOptions {
        port?: number;
        address?: string;
        silent?: boolean;
        directory: string;
        configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
    }
    class S3rver {
        constructor(options: S3rverOptions);
        run(): Promise<AddressInfo>;
        close(): Promise<void>;
    }
    export = S3rver;
}
