import { execFileSync, spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, expect, it } from "vitest";
import { freePort } from "../../src/db/localServer.js";

const servers: Server[] = [];
afterEach(() => servers.splice(0).forEach((server) => server.close()));

it("ws mode without Encrypt Key or Verification Token: when the SDK gives up, exit 1 and stop the local database", async () => {
  // Token accepted; the long-connection endpoint refuses the app for good (auth_failed).
  const lark = createServer((req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    const body = req.url?.startsWith("/callback/ws/endpoint")
      ? { code: 514, msg: "auth failed", data: {} }
      : { code: 0, msg: "ok", tenant_access_token: "t-1", expire: 7200 };
    res.end(JSON.stringify(body));
  });
  servers.push(lark);
  await new Promise<void>((resolve) => lark.listen(0, "127.0.0.1", () => resolve()));
  const dataDir = mkdtempSync(path.join(tmpdir(), "zhibu-ws-"));
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: path.resolve(import.meta.dirname, "../.."),
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "development",
      LOG_LEVEL: "info",
      LARK_APP_ID: "cli_a1b2c3d4e5f60789",
      LARK_APP_SECRET: "s",
      LARK_TRANSPORT: "ws",
      LARK_DOMAIN: `http://127.0.0.1:${(lark.address() as { port: number }).port}`,
      PORT: String(await freePort()),
      ZHIBU_DATA_DIR: dataDir,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("close", (exit) => resolve(exit)));
  expect(code).toBe(1);
  expect(stdout).toContain("started the local database");
  expect(stdout).not.toContain("zhibu ready");
  expect(stderr.trim()).toBe(
    "the Lark long connection failed for good: pullConnectConfig failed: code=514, msg=auth failed",
  );
  const left = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes(dataDir));
  expect(left).toEqual([]);
});
