/**
 * Types of the hyparquet modules the reader uses below the package's main entry (its `./src/*.js` exports): the
 * column-chunk decoder and schema helpers, so the reader can decode one column chunk of one row group at a time.
 */
declare module "hyparquet/src/column.js" {
    import type { CompressionCodec, Compressors, DataReader, DecodedArray, ParquetParsers, ParquetType, SchemaElement, SchemaTree } from "hyparquet";
    export interface ColumnDecoder {
        pathInSchema: string[];
        type: ParquetType;
        element: SchemaElement;
        schemaPath: SchemaTree[];
        codec: CompressionCodec;
        parsers: ParquetParsers;
        compressors?: Compressors;
        utf8?: boolean;
    }
    /** Decodes the pages of one column chunk; nested columns come back assembled per row (arrays). */
    export function readColumn(
        reader: DataReader,
        select: { groupStart: number; selectStart: number; selectEnd: number },
        decoder: ColumnDecoder,
    ): { data: DecodedArray[]; skipped: number };
}

declare module "hyparquet/src/schema.js" {
    import type { SchemaElement, SchemaTree } from "hyparquet";
    export function getSchemaPath(schema: SchemaElement[], name: string[]): SchemaTree[];
    export function getMaxRepetitionLevel(schemaPath: SchemaTree[]): number;
    export function isFlatColumn(schemaPath: SchemaTree[]): boolean;
}

declare module "hyparquet/src/convert.js" {
    import type { ParquetParsers } from "hyparquet";
    export const DEFAULT_PARSERS: ParquetParsers;
}
