import type { AddressInfo } from "node:net";
import nock from "nock";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { trusted } from "../../src/db/connection.js";
import { enqueueMessage } from "../../src/delivery/outbox.js";
import { createScheduler } from "../../src/jobs/scheduler.js";
import type { Job } from "../../src/jobs/types.js";
import { LARK_BASE } from "../helpers/larkMock.js";
import { seedBranch, seedMeetings, seedMembers } from "../helpers/factories.js";
import type { TestBot } from "../helpers/testBot.js";
import { useBot } from "./harness.js";

const CHAT = "oc_b1";
const CARD = "om_card_metrics_m1";
const h = useBot("metrics", { now: "2026-11-23T02:00:00Z" });
let t: TestBot;

/** The value of one series in a Prometheus text exposition, or undefined when it is absent. */
function series(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

const scrape = async () => {
  const response = await fetch(`${t.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/plain");
  return response.text();
};

beforeAll(async () => {
  t = h.t;
  await seedBranch(t.db.models, { _id: "B1", chatId: CHAT });
  await seedMembers(t.db.models, [{ openId: "ou_member_a", name: "张三", status: "full" }]);
  await seedMeetings(t.db.models, [{ _id: "M1", cardMessageId: CARD }]);
});

describe("GET /metrics", () => {
  it("serves the process metrics, the database as up and the Lark connection as not yet up", async () => {
    const text = await scrape();
    expect(series(text, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
    expect(series(text, "nodejs_heap_size_used_bytes")).toBeGreaterThan(0);
    expect(series(text, "zhibu_db_up")).toBe(1);
    expect(series(text, "zhibu_lark_connection_up")).toBe(0);
    t.bot.metrics.larkConnectionUp.set(1);
    expect(series(await scrape(), "zhibu_lark_connection_up")).toBe(1);
  });

  it("counts a command and its latency by command and outcome", async () => {
    t.lark.expectReply();
    await t.say({ sender: "ou_member_a", chatId: CHAT, text: "/帮助" });
    const text = await scrape();
    expect(series(text, "zhibu_events_total", { kind: "message", outcome: "accepted" })).toBe(1);
    expect(series(text, "zhibu_events_total", { kind: "command", outcome: "ok" })).toBe(1);
    expect(series(text, "zhibu_command_duration_seconds_count", { command: "/help", outcome: "ok" })).toBe(1);
    const seconds = series(text, "zhibu_command_duration_seconds_sum", { command: "/help", outcome: "ok" });
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(10);
  });

  it("counts a card click and its latency by action, a duplicate as an event only", async () => {
    t.lark.allowPatches();
    const click = {
      operator: "ou_member_a",
      value: { action: "meeting.rsvp", meetingId: "M1", response: "attend" },
      messageId: CARD,
      chatId: CHAT,
      eventId: "ev_metrics_click_1",
    };
    expect((await t.click(click)).body.toast.type).toBe("success");
    expect((await t.click(click)).body.toast.type).toBe("success");
    await t.bot.inbox.idle();
    const text = await scrape();
    expect(series(text, "zhibu_events_total", { kind: "card", outcome: "ok" })).toBe(1);
    expect(series(text, "zhibu_events_total", { kind: "card", outcome: "duplicate" })).toBe(1);
    expect(
      series(text, "zhibu_card_action_duration_seconds_count", { action: "meeting.rsvp", outcome: "ok" }),
    ).toBe(1);
    expect(
      series(text, "zhibu_card_action_duration_seconds_bucket", {
        action: "meeting.rsvp",
        outcome: "ok",
        le: "+Inf",
      }),
    ).toBe(1);
  });

  it("counts Lark 429s and other errors by API, never by URL", async () => {
    nock(LARK_BASE).post("/open-apis/im/v1/messages").query(true).reply(
      429,
      { code: 99991400, msg: "request trigger frequency limit" },
      {
        "x-ogw-ratelimit-limit": "50",
        "x-ogw-ratelimit-reset": "1",
      },
    );
    nock(LARK_BASE)
      .patch("/open-apis/im/v1/messages/om_gone")
      .reply(400, { code: 230011, msg: "The message was withdrawn." });
    await expect(t.bot.deps.lark.send({ chatId: CHAT }, { text: "你好" })).rejects.toThrow(/99991400/);
    await expect(t.bot.deps.lark.patchCard("om_gone", {})).rejects.toThrow(/230011/);
    const text = await scrape();
    expect(series(text, "zhibu_lark_rate_limited_total", { api: "send" })).toBe(1);
    expect(series(text, "zhibu_lark_errors_total", { api: "patchCard" })).toBe(1);
    expect(series(text, "zhibu_lark_errors_total", { api: "send" })).toBeUndefined();
    expect(text).not.toContain("om_gone");
  });

  it("counts job runs by job and outcome", async () => {
    let runs = 0;
    const jobs: Job[] = [
      { name: "metricsProbe", schedule: "0 9 * * *", catchUp: false, run: async () => void runs++ },
      {
        name: "metricsBroken",
        schedule: "0 9 * * *",
        catchUp: false,
        run: async () => {
          throw new Error("broken on purpose");
        },
      },
    ];
    const scheduler = createScheduler({
      deps: t.bot.deps,
      jobs,
      instanceId: "test",
      schedule: () => ({ stop() {}, destroy() {} }) as never,
    });
    const occurrence = new Date("2026-11-23T01:00:00Z");
    expect(await scheduler.runOccurrence(jobs[0]!, occurrence)).toBe("ran");
    expect(await scheduler.runOccurrence(jobs[0]!, occurrence)).toBe("taken");
    expect(await scheduler.runOccurrence(jobs[1]!, occurrence)).toBe("failed");
    expect(runs).toBe(1);
    const text = await scrape();
    expect(series(text, "zhibu_job_runs_total", { job: "metricsProbe", outcome: "ran" })).toBe(1);
    expect(series(text, "zhibu_job_runs_total", { job: "metricsProbe", outcome: "taken" })).toBe(1);
    expect(series(text, "zhibu_job_runs_total", { job: "metricsBroken", outcome: "failed" })).toBe(1);
  });

  it("reads the outbox depth and its dead letters on each scrape", async () => {
    const before = await scrape();
    const dead = series(before, "zhibu_outbox_items", { status: "dead" }) ?? 0;
    const pending = series(before, "zhibu_outbox_items", { status: "pending" }) ?? 0;
    for (const key of ["metrics:dead:1", "metrics:dead:2", "metrics:later:1"]) {
      await enqueueMessage(t.db.models, t.clock, {
        key,
        branchId: "B1",
        target: { chatId: CHAT },
        content: { text: "稍后发送" },
        description: "metrics test",
        notBefore: new Date("2027-01-01T00:00:00Z"),
      });
    }
    await t.db.models.Outbox.updateMany(
      { _id: trusted({ $in: ["metrics:dead:1", "metrics:dead:2"] }) },
      {
        $set: { status: "dead" },
      },
    );
    const text = await scrape();
    expect(series(text, "zhibu_outbox_items", { status: "dead" })).toBe(dead + 2);
    expect(series(text, "zhibu_outbox_items", { status: "pending" })).toBe(pending + 1);
    expect(series(text, "zhibu_outbox_items", { status: "sending" })).toBe(0);
  });

  it("asks for the bearer token when ZHIBU_METRICS_TOKEN is set", async () => {
    const token = "metrics-token-0123456789";
    const deps = { ...t.bot.deps, config: { ...t.bot.deps.config, ZHIBU_METRICS_TOKEN: token } };
    const server = createApp(deps, t.bot.dispatcher, t.db.connection).listen(0, "127.0.0.1");
    await new Promise<void>((resolve) => server.once("listening", () => resolve()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
    try {
      expect((await fetch(url)).status).toBe(401);
      expect((await fetch(url, { headers: { authorization: "Bearer wrong-token-0123456789" } })).status).toBe(
        401,
      );
      expect((await fetch(url, { headers: { authorization: token } })).status).toBe(401);
      const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(series(await ok.text(), "zhibu_db_up")).toBe(1);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    }
  });

  it("keeps each bot's series on its own registry", async () => {
    const { createMetrics } = await import("../../src/metrics.js");
    const other = createMetrics({ defaultMetrics: false });
    other.events.inc({ kind: "card", outcome: "ok" });
    const text = await scrape();
    expect(series(text, "zhibu_events_total", { kind: "card", outcome: "ok" })).toBe(1);
    expect(
      series(await other.registry.metrics(), "zhibu_events_total", { kind: "card", outcome: "ok" }),
    ).toBe(1);
  });
});
