import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../src/db/localServer.js";

/** A fake Lark on 127.0.0.1 that answers the tenant token request with `code`. */
async function fakeLark(code: number): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    res.writeHead(code === 0 ? 200 : 400, { "content-type": "application/json" });
    res.end(
      JSON.stringify(
        code === 0
          ? { code: 0, msg: "ok", tenant_access_token: "t-1", expire: 7200 }
          : { code, msg: "app secret invalid" },
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, server };
}

const servers: Server[] = [];
afterEach(() => servers.splice(0).forEach((server) => server.close()));

function runMain(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: path.resolve(import.meta.dirname, "../.."),
    env: { PATH: process.env.PATH, NODE_ENV: "development", LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stderr })));
}

async function baseEnv(larkCode: number) {
  const lark = await fakeLark(larkCode);
  servers.push(lark.server);
  return {
    LARK_APP_ID: "cli_a1b2c3d4e5f60789",
    LARK_APP_SECRET: "wrong",
    LARK_ENCRYPT_KEY: "k",
    LARK_VERIFICATION_TOKEN: "t",
    LARK_DOMAIN: lark.url,
    PORT: String(await freePort()),
    ZHIBU_DATA_DIR: mkdtempSync(path.join(tmpdir(), "zhibu-start-")),
  };
}

describe("start-up fails loudly, in one line, before the database", () => {
  it("refuses a wrong app secret", async () => {
    const result = await runMain(await baseEnv(10014));
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(
      /^Lark refused LARK_APP_ID\/LARK_APP_SECRET \(10014 app secret invalid\)/,
    );
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("says the port is in use", async () => {
    const env = await baseEnv(0);
    const holder = createServer();
    servers.push(holder);
    await new Promise<void>((resolve) => holder.listen(Number(env.PORT), () => resolve()));
    const result = await runMain(env);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(`port ${env.PORT} is in use`);
  });

  it("names the pid of another zhibu using the data directory", async () => {
    const env = await baseEnv(0);
    writeFileSync(path.join(env.ZHIBU_DATA_DIR, "zhibu.pid"), `${process.pid}\n`);
    const result = await runMain(env);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(`another zhibu is using ${env.ZHIBU_DATA_DIR} (pid ${process.pid})`);
  });
});
