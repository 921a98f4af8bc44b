import { spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Koa from "koa";
import { describe, expect, it } from "vitest";
import { freePort } from "../../src/db/localServer.js";
import { wantsPlayground } from "../../src/env.js";
import { createLogger } from "../../src/logger.js";
import { playgroundClock } from "../../src/playground/clock.js";
import { generateSecrets, playgroundConfig, startPlayground } from "../../src/playground/playground.js";
import { mountPlayground, PlaygroundInProductionError } from "../../src/playground/routes.js";
import { PlaygroundStore } from "../../src/playground/store.js";

const root = path.resolve(import.meta.dirname, "../..");

/** `npm start`'s process (src/main.ts) with only `env`; resolves on `until` in its output, or on exit. */
function start(env: Record<string, string>, until: RegExp) {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: root,
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const seen = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not seen within 100 s:\n${output}`)), 100_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (until.test(output)) {
        clearTimeout(timer);
        resolve(output);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    void exited.then(() => {
      clearTimeout(timer);
      resolve(output);
    });
  });
  return { child, exited, seen };
}

describe("npm start with no Lark app configured", () => {
  it("starts the playground: one line with the page's address, the page's API, its own data directory", async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(path.join(tmpdir(), "zhibu-playground-"));
    const run = start(
      { NODE_ENV: "development", PORT: String(port), ZHIBU_DATA_DIR: dataDir },
      /zhibu playground: \S+/,
    );
    const output = await run.seen;
    expect(output.trim().split("\n")).toEqual([
      `zhibu playground: http://127.0.0.1:${port}/playground (no Lark app configured; see README "Playground")`,
    ]);
    const page = await fetch(`http://127.0.0.1:${port}/playground`);
    expect(page.status).toBe(200);
    const state = (await (await fetch(`http://127.0.0.1:${port}/playground/api/state`)).json()) as {
      people: unknown[];
    };
    expect(state.people.length).toBeGreaterThan(15);
    expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({
      status: "ok",
      db: "up",
      lark: "up",
    });
    // Never mixed with a real bot's data: everything under <data>/playground.
    expect(existsSync(path.join(dataDir, "playground", "db"))).toBe(true);
    expect(existsSync(path.join(dataDir, "db"))).toBe(false);
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    expect(existsSync(path.join(dataDir, "playground", "lark.json"))).toBe(true);
  }, 120_000);

  it("in production stops with the configuration error, the playground never reachable", async () => {
    const port = await freePort();
    const run = start(
      {
        NODE_ENV: "production",
        PORT: String(port),
        MONGODB_URI: "mongodb://127.0.0.1:1/none",
        ZHIBU_DATA_DIR: mkdtempSync(path.join(tmpdir(), "zhibu-production-")),
      },
      /$^/,
    );
    expect(await run.exited).toBe(1);
    const output = await run.seen;
    expect(output).toContain("LARK_APP_ID: required");
    expect(output).not.toContain("playground");
  }, 120_000);
});

describe("the playground in production", () => {
  it("is never wanted, configured, mounted or started", async () => {
    expect(wantsPlayground({ NODE_ENV: "production" })).toBe(false);
    expect(wantsPlayground({ NODE_ENV: "development", LARK_APP_ID: "cli_a1b2c3d4e5f60789" })).toBe(false);
    expect(wantsPlayground({ NODE_ENV: "development", LARK_APP_ID: "" })).toBe(true);
    expect(wantsPlayground({})).toBe(true);
    // A secret without its app id is a half-filled app: the configuration error, not the playground.
    expect(wantsPlayground({ NODE_ENV: "development", LARK_APP_SECRET: "s" })).toBe(false);

    const secrets = generateSecrets();
    expect(() => playgroundConfig({ NODE_ENV: "production" }, secrets, "http://127.0.0.1:1")).toThrow(
      PlaygroundInProductionError,
    );
    const app = new Koa();
    expect(() => mountPlayground(app, { NODE_ENV: "production" }, {} as never)).toThrow(
      PlaygroundInProductionError,
    );
    const server = app.listen(0, "127.0.0.1");
    await new Promise<void>((resolve) => server.once("listening", () => resolve()));
    const { port } = server.address() as { port: number };
    expect((await fetch(`http://127.0.0.1:${port}/playground/api/state`)).status).toBe(404);
    server.close();

    const clock = playgroundClock();
    await expect(
      startPlayground({
        env: { NODE_ENV: "production" },
        connection: {} as never,
        store: new PlaygroundStore(clock),
        clock,
        secrets,
        logger: createLogger("silent"),
        port: 0,
      }),
    ).rejects.toThrow(PlaygroundInProductionError);
  });
});
