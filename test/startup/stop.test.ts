import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import { mkdtempSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, expect, it } from "vitest";
import { freePort } from "../../src/db/localServer.js";

const servers: Server[] = [];
afterEach(() => servers.splice(0).forEach((server) => server.close()));

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });

it("kill <pid of npm start> stops the bot and its local database; /healthz reports lark up", async () => {
  const lark = createServer((req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ code: 0, msg: "ok", tenant_access_token: "t-1", expire: 7200 }));
  });
  servers.push(lark);
  await new Promise<void>((resolve) => lark.listen(0, "127.0.0.1", () => resolve()));
  const port = await freePort();
  const npm = spawn("npm", ["start", "--silent"], {
    cwd: path.resolve(import.meta.dirname, "../.."),
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "development",
      LOG_LEVEL: "info",
      LARK_APP_ID: "cli_a1b2c3d4e5f60789",
      LARK_APP_SECRET: "s",
      LARK_ENCRYPT_KEY: "k",
      LARK_VERIFICATION_TOKEN: "t",
      LARK_DOMAIN: `http://127.0.0.1:${(lark.address() as { port: number }).port}`,
      PORT: String(port),
      ZHIBU_DATA_DIR: mkdtempSync(path.join(tmpdir(), "zhibu-stop-")),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => npm.once("exit", (code) => resolve(code)));
  const dbPort = await new Promise<number>((resolve, reject) => {
    let db = 0;
    const timer = setTimeout(() => reject(new Error(`not ready:\n${output}`)), 25_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"port":(\d+),"msg":"started the local database/.exec(output);
      if (match) db = Number(match[1]);
      if (db && output.includes("zhibu ready")) {
        clearTimeout(timer);
        resolve(db);
      }
    };
    npm.stdout.on("data", onData);
    npm.stderr.on("data", onData);
  });
  const health = await (await fetch(`http://127.0.0.1:${port}/healthz`)).json();
  expect(health).toEqual({ status: "ok", db: "up", lark: "up" });
  expect(await portOpen(dbPort)).toBe(true);

  npm.kill("SIGTERM");
  await exited;
  // The bot stops its database before it exits; give the server a moment to release the port.
  let open = true;
  for (let i = 0; i < 50 && open; i++) {
    open = await portOpen(dbPort);
    if (open) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  expect(open).toBe(false);
  expect(await portOpen(port)).toBe(false);
});
