import { fileSource, summarizeParquet } from "./app/src/processor/summarize/parquet";
(async () => { for (let i = 0; i < 2; i++) { const t = performance.now(); const s = await fileSource("/tmp/bench-parquet-zDLAgM/table.parquet"); await summarizeParquet(s); await s.close(); console.log((performance.now()-t)/1000); } })();
