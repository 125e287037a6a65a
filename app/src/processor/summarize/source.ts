/**
 * Where a range summariser reads from, as plain data that a worker thread can be given: a local file, or an S3
 * object pinned to its ETag. Each thread opens its own reader (pread; ranged GETs on its own connections).
 */
import { openFileRange, RangeReader } from "./reader";

export type RangeSource =
    | { kind: "file"; path: string }
    | {
          kind: "s3";
          bucket: string;
          key: string;
          etag: string;
          size: number;
          region: string;
          endpoint?: string;
          forcePathStyle: boolean;
          /** See S3RangeOptions. */
          partBytes?: number;
          concurrency?: number;
      };

export interface OpenedSource {
    reader: RangeReader;
    close(): Promise<void>;
}

/** Opens a source for one of `threads` readers (an S3 reader takes its share of the GETs in flight). */
export async function openSource(source: RangeSource, threads: number): Promise<OpenedSource> {
    if (source.kind === "file") {
        const reader = await openFileRange(source.path);
        return { reader, close: () => reader.close() };
    }
    // Loaded only for S3 (the SDK is not needed to summarise files).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createS3Client } = require("../s3") as typeof import("../s3");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { s3RangeReader, s3RangeDefaults } = require("./s3-reader") as typeof import("./s3-reader");
    const client = createS3Client({ region: source.region, endpoint: source.endpoint, forcePathStyle: source.forcePathStyle });
    const dflt = s3RangeDefaults(threads);
    const reader = s3RangeReader(client, source.bucket, source.key, source.etag, source.size, {
        partBytes: source.partBytes ?? dflt.partBytes,
        concurrency: source.concurrency ?? dflt.concurrency,
    });
    return {
        reader,
        close: async () => client.destroy(),
    };
}
