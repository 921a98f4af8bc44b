import { randomUUID } from "node:crypto";
import type { Connection } from "mongoose";
import { inject } from "vitest";
import { connectDb } from "../../src/db/connection.js";
import { createModels, syncIndexes, type Models } from "../../src/db/models/index.js";

export interface TestDb {
  connection: Connection;
  models: Models;
  close(): Promise<void>;
}

/** A database of its own for one test file, dropped at the end. */
export async function openTestDb(label: string): Promise<TestDb> {
  const dbName = `zhibu_test_${label.replace(/[^a-z0-9]/gi, "_")}_${randomUUID().slice(0, 8)}`;
  const connection = await connectDb(inject("mongoUri"), dbName);
  const models = createModels(connection);
  await syncIndexes(models);
  return {
    connection,
    models,
    close: async () => {
      if (connection.readyState === 1) await connection.dropDatabase().catch(() => undefined);
      await connection.close();
    },
  };
}
