import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { RateLimits } from "../../src/delivery/rateLimiter.js";

/** What the fake Open API server saw, by route. */
export interface FakeLarkCounts {
  token: number;
  patch: number;
  send: number;
  other: number;
  /** Answers 429 because a limit was exceeded (with `limits` set). */
  rateLimited: number;
}

/** One send, reply or PATCH as it reached the fake. */
export interface FakeCall {
  /** 1-based order of arrival among send, reply and PATCH calls. */
  seq: number;
  /** Arrival time (performance.now(), ms), taken when the request line and headers arrived. */
  at: number;
  kind: "send" | "reply" | "patch";
  /** "chat_id" / "open_id" for a send. */
  receiveIdType: string | null;
  /** The chat or user of a send; the parent message of a reply. */
  receiveId: string | null;
  uuid: string | null;
  /** The message patched (PATCH) or replied to (reply). */
  messageId: string | null;
  msgType: string | null;
  content: string | null;
  /** HTTP status answered (0 while hanging). */
  status: number;
  outcome: "ok" | "duplicate" | "rate-limited" | "intercepted" | "hung";
}

/** A message as a user would see it: one per distinct `uuid` accepted within the hour. */
export interface FakeMessage {
  messageId: string;
  uuid: string | null;
  kind: "send" | "reply";
  receiveIdType: string | null;
  receiveId: string | null;
  content: string | null;
  at: number;
}

/**
 * A different answer to one call: an error (status, body, headers), or no answer at all
 * (`hang`, until `releaseHung()` or `close()`). With `deliver`, the message is shown to its
 * recipient as if Lark had accepted it before the answer went wrong (a lost answer).
 */
export type FakeAnswer =
  | { status: number; body: object; headers?: Record<string, string>; deliver?: boolean }
  | { hang: true; deliver?: boolean };

export interface FakeLarkOptions {
  /**
   * Enforce Lark's limits at arrival, with sliding windows: per app `appPerSecond` and
   * `appPerMinute` (send, reply and PATCH together), per chat / per receiving user
   * `perChatPerSecond` / `perUserPerSecond`, per card `perCardPerSecond`. A call beyond one is
   * answered HTTP 429, code 99991400, with `x-ogw-ratelimit-reset` = seconds until that window has
   * room (≥ 1) and `x-ogw-ratelimit-limit` = the quota exceeded, and does not count against the limits.
   */
  limits?: RateLimits;
  /** Answers a send, reply or PATCH differently; return undefined for the normal answer. */
  intercept?: (call: FakeCall) => FakeAnswer | undefined;
  /**
   * The chat of a message replied to, so that replies count against that chat's
   * `perChatPerSecond` like sends to it (the fake does not know messages it did not create).
   */
  chatOfMessage?: (messageId: string) => string | undefined;
}

export interface FakeLark {
  url: string;
  counts: FakeLarkCounts;
  /** Every send, reply and PATCH in order of arrival. */
  calls: FakeCall[];
  /** Messages shown to users (a repeated uuid shows nothing new). */
  messages: FakeMessage[];
  /** Resolves once `predicate` holds (checked now and after every call); rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  /** Drops the connections of hung calls (their clients see a socket error). */
  releaseHung(): void;
  close(): Promise<void>;
}

const RATE_LIMITED = { code: 99991400, msg: "request trigger frequency limit" };

/** Arrival times of admitted calls per key, ascending, for sliding-window counting. */
class ArrivalLog {
  private readonly logs = new Map<string, number[]>();

  /** Time (ms from `at`) until a call at `at` would fit `limit` per `windowMs`; 0 = fits now. */
  waitMs(key: string, limit: number, windowMs: number, at: number): number {
    const log = this.logs.get(key) ?? [];
    // Calls counted by a window ending at `at`: arrivals in (at − windowMs, at].
    const inWindow = log.filter((t) => t > at - windowMs && t <= at);
    if (inWindow.length < limit) return 0;
    // Room once the oldest call that keeps the count at `limit` leaves the window.
    return inWindow[inWindow.length - limit]! + windowMs - at;
  }

  add(key: string, at: number): void {
    let log = this.logs.get(key);
    if (!log) this.logs.set(key, (log = []));
    let i = log.length;
    while (i > 0 && log[i - 1]! > at) i--;
    log.splice(i, 0, at);
  }
}

/**
 * A tiny stand-in for the Lark Open API on 127.0.0.1: the tenant token endpoint, message send,
 * reply and card PATCH. Sends and replies carrying a `uuid` seen before return the first
 * message's id and show nothing new, as Lark does within an hour. Anything else gets `code: 0`
 * with empty data and is counted as `other`. Optionally enforces Lark's rate limits (`limits`)
 * and answers chosen calls differently (`intercept`).
 */
export async function startFakeLark(options: FakeLarkOptions = {}): Promise<FakeLark> {
  const counts: FakeLarkCounts = { token: 0, patch: 0, send: 0, other: 0, rateLimited: 0 };
  const calls: FakeCall[] = [];
  const messages: FakeMessage[] = [];
  const byUuid = new Map<string, FakeMessage>();
  const hung = new Set<ServerResponse>();
  const waiters = new Set<() => void>();
  const log = new ArrivalLog();
  let sequence = 0;

  const notify = () => {
    for (const check of [...waiters]) check();
  };

  /** Shows a message (or finds the one its uuid already showed). */
  const deliver = (call: FakeCall): { message: FakeMessage; duplicate: boolean } => {
    const seen = call.uuid ? byUuid.get(call.uuid) : undefined;
    if (seen) return { message: seen, duplicate: true };
    const message: FakeMessage = {
      messageId: `om_fake_${messages.length + 1}`,
      uuid: call.uuid,
      kind: call.kind === "reply" ? "reply" : "send",
      receiveIdType: call.receiveIdType,
      receiveId: call.receiveId,
      content: call.content,
      at: call.at,
    };
    messages.push(message);
    if (call.uuid) byUuid.set(call.uuid, message);
    return { message, duplicate: false };
  };

  /** The limit keys a call counts against, with their rules. */
  const rulesOf = (call: FakeCall, limits: RateLimits) => {
    const rules = [
      { key: "app", limit: limits.appPerSecond, windowMs: 1000 },
      { key: "app", limit: limits.appPerMinute, windowMs: 60_000 },
    ];
    if (call.kind === "patch") {
      rules.push({ key: `card:${call.messageId}`, limit: limits.perCardPerSecond, windowMs: 1000 });
    } else if (call.kind === "send" && call.receiveIdType === "chat_id") {
      rules.push({ key: `chat:${call.receiveId}`, limit: limits.perChatPerSecond, windowMs: 1000 });
    } else if (call.kind === "send") {
      rules.push({ key: `user:${call.receiveId}`, limit: limits.perUserPerSecond, windowMs: 1000 });
    } else if (call.kind === "reply") {
      const chatId = options.chatOfMessage?.(call.messageId ?? "");
      if (chatId) rules.push({ key: `chat:${chatId}`, limit: limits.perChatPerSecond, windowMs: 1000 });
    }
    return rules;
  };

  const json = (res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
    res.end(JSON.stringify(body));
  };

  const handleMessageCall = (req: IncomingMessage, res: ServerResponse, at: number, raw: string) => {
    const url = new URL(req.url ?? "", "http://fake");
    const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
    const str = (value: unknown) => (typeof value === "string" ? value : null);
    const segments = url.pathname.split("/"); // ["", "open-apis", "im", "v1", "messages", id?, "reply"?]
    const kind: FakeCall["kind"] =
      req.method === "PATCH" ? "patch" : segments[6] === "reply" ? "reply" : "send";
    const call: FakeCall = {
      seq: ++sequence,
      at,
      kind,
      receiveIdType: kind === "send" ? url.searchParams.get("receive_id_type") : null,
      receiveId: kind === "send" ? str(body.receive_id) : kind === "reply" ? (segments[5] ?? null) : null,
      uuid: str(body.uuid),
      messageId: kind === "send" ? null : (segments[5] ?? null),
      msgType: str(body.msg_type),
      content: str(body.content),
      status: 0,
      outcome: "ok",
    };
    calls.push(call);
    if (kind === "patch") counts.patch++;
    else counts.send++;

    if (options.limits) {
      const rules = rulesOf(call, options.limits);
      const waits = rules.map((r) => log.waitMs(r.key, r.limit, r.windowMs, at));
      const waitMs = Math.max(...waits);
      if (waitMs > 0) {
        counts.rateLimited++;
        call.status = 429;
        call.outcome = "rate-limited";
        // As Lark does: the quota that was exceeded (50 or 1000 per app, 5 per chat, user, card).
        const exceeded = rules[waits.indexOf(waitMs)]!;
        json(res, 429, RATE_LIMITED, {
          "x-ogw-ratelimit-reset": String(Math.max(1, Math.ceil(waitMs / 1000))),
          "x-ogw-ratelimit-limit": String(exceeded.limit),
        });
        return;
      }
      for (const key of new Set(rules.map((r) => r.key))) log.add(key, at);
    }

    const answer = options.intercept?.(call);
    if (answer) {
      call.outcome = "intercepted";
      if (answer.deliver && kind !== "patch") deliver(call);
      if ("hang" in answer) {
        call.outcome = "hung";
        hung.add(res);
        res.on("close", () => hung.delete(res));
        return;
      }
      call.status = answer.status;
      json(res, answer.status, answer.body, answer.headers);
      return;
    }

    call.status = 200;
    if (kind === "patch") {
      json(res, 200, { code: 0, msg: "success", data: {} });
      return;
    }
    const { message, duplicate } = deliver(call);
    if (duplicate) call.outcome = "duplicate";
    json(res, 200, { code: 0, msg: "success", data: { message_id: message.messageId } });
  };

  const server: Server = createServer((req, res) => {
    const at = performance.now();
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const url = req.url ?? "";
      const raw = Buffer.concat(chunks).toString("utf8");
      if (req.method === "POST" && url.startsWith("/open-apis/auth/v3/tenant_access_token/internal")) {
        counts.token++;
        json(res, 200, { code: 0, msg: "ok", tenant_access_token: "t", expire: 7200 });
      } else if (
        (req.method === "PATCH" || req.method === "POST") &&
        url.startsWith("/open-apis/im/v1/messages")
      ) {
        handleMessageCall(req, res, at, raw);
      } else {
        counts.other++;
        json(res, 200, { code: 0, msg: "success", data: {} });
      }
      notify();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;

  const releaseHung = () => {
    for (const res of hung) res.destroy();
    hung.clear();
  };

  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    calls,
    messages,
    releaseHung,
    waitFor(predicate, timeoutMs = 20_000, what = "condition") {
      return new Promise<void>((resolve, reject) => {
        if (predicate()) return resolve();
        const check = () => {
          if (!predicate()) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`fake Lark: timed out after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        releaseHung();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
