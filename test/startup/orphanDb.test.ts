import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, expect, it } from "vitest";
import { freePort } from "../../src/db/localServer.js";

const servers: Server[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  servers.splice(0).forEach((server) => server.close());
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Starts the bot on its local database in `dataDir`; resolves with its output once it is ready. */
async function startBot(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: path.resolve(import.meta.dirname, "../.."),
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready within 40 s:\n${output}`)), 40_000);
    const check = () => {
      if (output.includes("zhibu ready")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ready:\n${output}`));
    });
  });
  return { child, output: () => output };
}

it(
  "after the bot is SIGKILLed, the next start stops the database it left running, in one line",
  { timeout: 120_000 },
  async () => {
    const lark = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ code: 0, msg: "ok", tenant_access_token: "t-1", expire: 7200 }));
    });
    servers.push(lark);
    await new Promise<void>((resolve) => lark.listen(0, "127.0.0.1", () => resolve()));
    const dataDir = mkdtempSync(path.join(tmpdir(), "zhibu-orphan-"));
    const env = {
      PATH: process.env.PATH,
      NODE_ENV: "development",
      LOG_LEVEL: "info",
      LARK_APP_ID: "cli_a1b2c3d4e5f60789",
      LARK_APP_SECRET: "s",
      LARK_ENCRYPT_KEY: "k",
      LARK_VERIFICATION_TOKEN: "t",
      LARK_DOMAIN: `http://127.0.0.1:${(lark.address() as { port: number }).port}`,
      PORT: String(await freePort()),
      ZHIBU_DATA_DIR: dataDir,
    };

    const first = await startBot(env);
    // zhibu.pid names the bot and the database it started.
    const [botLine, dbLine] = readFileSync(path.join(dataDir, "zhibu.pid"), "utf8").trim().split("\n");
    expect(Number(botLine)).toBe(first.child.pid);
    const dbPid = Number(/^db (\d+)$/.exec(dbLine ?? "")?.[1]);
    expect(alive(dbPid)).toBe(true);

    first.child.kill("SIGKILL");
    await new Promise((resolve) => first.child.once("exit", resolve));
    expect(alive(dbPid)).toBe(true); // orphaned: nobody stopped it

    const second = await startBot(env);
    const lines = second.output().split("\n");
    const notice = lines.filter((line) => line.includes(String(dbPid)));
    expect(notice).toHaveLength(1);
    expect(notice[0]).toContain(`stopped the local database a previous zhibu left running (pid ${dbPid})`);
    expect(second.output()).not.toMatch(/Traceback|already being managed/);
    expect(alive(dbPid)).toBe(false);

    const stopped = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      second.child.once("exit", (code, signal) => resolve({ code, signal })),
    );
    second.child.kill("SIGTERM");
    // On a failure, what the bot printed last says why (a signal would be a crash, not our stop).
    expect(await stopped, second.output().slice(-3000)).toEqual({ code: 0, signal: null });
  },
);
