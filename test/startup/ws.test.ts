import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { Socket } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, expect, inject, it } from "vitest";
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

/**
 * A fake Lark for the long connection: the token, the endpoint the SDK asks for its socket URL, and
 * the socket itself (a bare WebSocket handshake; the SDK's pings are read and ignored). While
 * `accepting` is false, socket handshakes are refused (503), as when Lark's gateway is away.
 */
async function fakeLongConnection() {
  const sockets = new Set<Socket>();
  const state = { accepting: true, connections: 0 };
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    const port = (server.address() as { port: number }).port;
    const body = req.url?.startsWith("/callback/ws/endpoint")
      ? {
          code: 0,
          msg: "ok",
          data: {
            URL: `ws://127.0.0.1:${port}/ws?device_id=d1&service_id=1`,
            ClientConfig: { PingInterval: 120, ReconnectCount: -1, ReconnectInterval: 1, ReconnectNonce: 0 },
          },
        }
      : { code: 0, msg: "ok", tenant_access_token: "t-1", expire: 7200 };
    res.end(JSON.stringify(body));
  });
  server.on("upgrade", (req, socket: Socket) => {
    if (!state.accepting) {
      socket.end("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    const accept = createHash("sha1")
      .update(`${req.headers["sec-websocket-key"]}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
      .digest("base64");
    socket.write(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    socket.on("data", () => undefined);
    socket.on("error", () => undefined);
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    state.connections++;
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    state,
    /** Drops every open socket, as a network cut would. */
    dropAll: () => sockets.forEach((socket) => socket.destroy()),
  };
}

it(
  "ws mode: /healthz says lark down while the SDK reconnects, up again once it is back",
  { timeout: 90_000 },
  async () => {
    const lark = await fakeLongConnection();
    const port = await freePort();
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: path.resolve(import.meta.dirname, "../.."),
      env: {
        PATH: process.env.PATH,
        NODE_ENV: "development",
        LOG_LEVEL: "info",
        LARK_APP_ID: "cli_a1b2c3d4e5f60789",
        LARK_APP_SECRET: "s",
        LARK_TRANSPORT: "ws",
        LARK_DOMAIN: lark.url,
        PORT: String(port),
        // The suite's database server, a database of this test's own: no local server to start.
        MONGODB_URI: inject("mongoUri").replace(/\/[^/?]*(\?|$)/, "/startup_ws_reconnect$1"),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const healthz = async () => {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      return { status: response.status, body: (await response.json()) as { lark?: string } };
    };
    const until = async (check: () => Promise<boolean> | boolean, what: string) => {
      for (let waited = 0; !(await check()); waited += 100) {
        if (waited > 30_000) throw new Error(`${what} within 30 s:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    try {
      await until(() => output.includes("zhibu ready"), "not ready");
      expect(await healthz()).toEqual({ status: 200, body: { status: "ok", db: "up", lark: "up" } });

      // The gateway goes away: the socket drops and new handshakes are refused.
      lark.state.accepting = false;
      lark.dropAll();
      await until(async () => (await healthz()).body.lark === "down", "/healthz never said lark down");
      expect(await healthz()).toEqual({ status: 503, body: { status: "degraded", db: "up", lark: "down" } });

      // Back: the SDK's next attempt connects.
      lark.state.accepting = true;
      await until(async () => (await healthz()).body.lark === "up", "/healthz never said lark up again");
      expect(await healthz()).toEqual({ status: 200, body: { status: "ok", db: "up", lark: "up" } });
      expect(lark.state.connections).toBeGreaterThanOrEqual(2);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  },
);
