import { Agent, request } from "node:http";
import { parentPort } from "node:worker_threads";
import type { ClientJob, ClientResult } from "./client.js";

/**
 * The load generator runs on a thread of its own, so the bot's work never delays the clock that
 * measures it: each latency is from the request's first byte written to its last byte read.
 */
function send(
  agent: Agent,
  url: URL,
  req: ClientJob["requests"][number],
  timeoutMs: number,
): Promise<ClientResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const done = (status: number, body: string, error?: string) =>
      resolve({ status, body, ms: performance.now() - started, error });
    const outgoing = request(
      url,
      {
        method: "POST",
        agent,
        headers: { ...req.headers, "content-length": String(Buffer.byteLength(req.body)) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => done(res.statusCode ?? 0, Buffer.concat(chunks).toString("utf8")));
        res.on("error", (error) => done(res.statusCode ?? 0, "", error.message));
      },
    );
    outgoing.on("timeout", () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    outgoing.on("error", (error) => done(0, "", error.message));
    outgoing.end(req.body);
  });
}

parentPort?.on("message", async (job: ClientJob) => {
  // A fresh connection per click, as independent deliveries from Lark would be.
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const url = new URL(job.url);
  const results = await Promise.all(job.requests.map((req) => send(agent, url, req, job.timeoutMs)));
  agent.destroy();
  parentPort?.postMessage(results);
});
