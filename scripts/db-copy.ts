/**
 * Copies every collection of one database to another, e.g. a trial on the local database to
 * MongoDB:
 *   npm run db:copy -- --from mongodb://127.0.0.1:PORT/zhibu?directConnection=true --to mongodb://mongo:27017/zhibu
 * Documents go over in batches (insertMany, unordered); then the bot's indexes are built on the
 * target. Refuses a target that already holds documents unless --force (which drops it first).
 * Stop the bot first, so nothing changes during the copy.
 */
import { parseArgs } from "node:util";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { connectDb } from "../src/db/connection.js";
import { createModels, syncIndexes } from "../src/db/models/index.js";

const USAGE = `Usage: npm run db:copy -- --from <mongodb URI> --to <mongodb URI> [--batch 1000] [--force]
  --from   the database to read (its URI names it, e.g. …/zhibu)
  --to     the database to write; it must hold no documents unless --force
  --batch  documents per insert (default 1000)
  --force  drop the target database first`;

export interface CopyResult {
  collections: Record<string, number>;
}

/** Copies `from`'s collections into `to` in batches, then builds the bot's indexes on `to`. */
export async function copyDatabase(options: {
  from: string;
  to: string;
  batchSize?: number;
  force?: boolean;
}): Promise<CopyResult> {
  const source = await connectDb(options.from);
  const target = await connectDb(options.to);
  try {
    const sourceDb = source.db!;
    const targetDb = target.db!;
    if (sourceDb.databaseName === targetDb.databaseName && options.from === options.to)
      throw new Error("--from and --to name the same database.");
    if (options.force) await targetDb.dropDatabase();
    else
      for (const { name } of await targetDb.listCollections({}, { nameOnly: true }).toArray()) {
        if ((await targetDb.collection(name).estimatedDocumentCount()) > 0)
          throw new Error(
            `the target database "${targetDb.databaseName}" already holds documents (${name}): pass --force to drop it first.`,
          );
      }
    const batchSize = options.batchSize ?? 1000;
    const collections: Record<string, number> = {};
    for (const { name } of await sourceDb.listCollections({}, { nameOnly: true }).toArray()) {
      if (name.startsWith("system.")) continue;
      const into = targetDb.collection(name);
      let batch: Record<string, unknown>[] = [];
      let copied = 0;
      for await (const doc of sourceDb.collection(name).find({}, { batchSize })) {
        batch.push(doc);
        if (batch.length >= batchSize) {
          await into.insertMany(batch, { ordered: false });
          copied += batch.length;
          batch = [];
        }
      }
      if (batch.length > 0) await into.insertMany(batch, { ordered: false });
      collections[name] = copied + batch.length;
    }
    await syncIndexes(createModels(target));
    return { collections };
  } finally {
    await source.close();
    await target.close();
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      from: { type: "string" },
      to: { type: "string" },
      batch: { type: "string" },
      force: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return console.log(USAGE);
  if (!values.from || !values.to) {
    console.error(`Missing --from or --to.\n\n${USAGE}`);
    process.exit(2);
  }
  const batchSize = values.batch === undefined ? undefined : Number(values.batch);
  if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1)) {
    console.error(`--batch "${values.batch}" is not a positive integer.`);
    process.exit(2);
  }
  const { collections } = await copyDatabase({
    from: values.from,
    to: values.to,
    batchSize,
    force: values.force,
  });
  for (const [name, count] of Object.entries(collections)) console.log(`  ${name.padEnd(24)}${count}`);
  console.log(`copied ${Object.keys(collections).length} collections; indexes built on the target`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await main();
  } catch (error) {
    console.error("db:copy failed:", error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
