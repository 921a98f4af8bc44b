import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** What the fake Open API server saw, by route. */
export interface FakeLarkCounts {
  token: number;
  patch: number;
  send: number;
  other: number;
}

export interface FakeLark {
  url: string;
  counts: FakeLarkCounts;
  close(): Promise<void>;
}

/**
 * A tiny stand-in for the Lark Open API on 127.0.0.1: the tenant token endpoint, card PATCH and
 * message send/reply, each answered at once with a success body. Anything else gets `code: 0`
 * with empty data and is counted as `other`.
 */
export async function startFakeLark(): Promise<FakeLark> {
  const counts: FakeLarkCounts = { token: 0, patch: 0, send: 0, other: 0 };
  const server: Server = createServer((req, res) => {
    // Drain the body before answering, as a real server would read it.
    req.resume();
    req.on("end", () => {
      const url = req.url ?? "";
      let body: object;
      if (req.method === "POST" && url.startsWith("/open-apis/auth/v3/tenant_access_token/internal")) {
        counts.token++;
        body = { code: 0, msg: "ok", tenant_access_token: "t", expire: 7200 };
      } else if (req.method === "PATCH" && url.startsWith("/open-apis/im/v1/messages/")) {
        counts.patch++;
        body = { code: 0, msg: "success", data: { message_id: "om_x" } };
      } else if (req.method === "POST" && url.startsWith("/open-apis/im/v1/messages")) {
        counts.send++;
        body = { code: 0, msg: "success", data: { message_id: "om_x" } };
      } else {
        counts.other++;
        body = { code: 0, msg: "success", data: {} };
      }
      res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
