import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startLocalDb, type LocalDbServer } from "../../src/db/localServer.js";

/**
 * One local database server per test run, with its own data directory, stopped at the end.
 * With MONGODB_URI set, the suite runs against that server instead (e.g. a real MongoDB 7).
 */
let server: LocalDbServer | undefined;
let dataDir: string | undefined;

export async function setup(project: TestProject) {
  let uri = process.env.MONGODB_URI;
  if (!uri) {
    dataDir = mkdtempSync(path.join(tmpdir(), "zhibu-test-db-"));
    server = await startLocalDb({ dataDir });
    uri = server.uri;
  }
  project.provide("mongoUri", uri);
}

export async function teardown() {
  await server?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

declare module "vitest" {
  export interface ProvidedContext {
    mongoUri: string;
  }
}
