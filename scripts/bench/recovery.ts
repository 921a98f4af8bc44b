/**
 * Two scenarios around a 300-member study reminder (`/学习 提醒 <id>`: one group message that
 * @-mentions everyone who has not confirmed, and a DM to each of them, through the outbox):
 *
 * - burst: the real bot in this process (buildBot, Koa, inbox, delivery worker) against a fake
 *   Lark enforcing Lark's limits (replies count against their chat's 5/s too). During the
 *   fan-out, 8 commands arrive at once in the same group chat through the signed webhook, so 8
 *   replies go to that chat. Goal: 0 answers 429, every recipient exactly once, every reply sent.
 * - kill: the real entry point as a child process (`node --import tsx src/main.ts`) against the
 *   fake and the bench database; the command comes through the webhook, the bot is killed with
 *   SIGKILL mid-enqueue (some items in the outbox) and, in a second run, mid-send (some
 *   delivered), then restarted. Measures restart → every recipient delivered, lost and
 *   duplicated recipients (goals 0 and 0). As Lark does, the event is delivered again only if
 *   the killed bot had not answered it with a 200.
 *
 * Every run is bounded in time and reports what it saw when a bound is reached.
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DateTime } from "luxon";
import type { Connection } from "mongoose";
import { DELIVERY_POLL_MS, LARK_RATE_LIMITS } from "../../config/delivery.js";
import { buildBot } from "../../src/bot.js";
import { loadConfig } from "../../src/env.js";
import { connectDb, trusted } from "../../src/db/connection.js";
import { freePort } from "../../src/db/localServer.js";
import { createModels, syncIndexes, type Models } from "../../src/db/models/index.js";
import { bindBranch, syncMembers } from "../../src/domain/branches.js";
import { systemClock } from "../../src/domain/clock.js";
import { createStudy, pendingStudyMembers } from "../../src/domain/study.js";
import { createLarkApi, createLarkClient } from "../../src/lark/api.js";
import { createLogger } from "../../src/logger.js";
import { startFakeLark, type FakeLark } from "./fakeLark.js";
import { signedRequest, textMessage } from "./payloads.js";

export const RECOVERY_MEMBERS = 300;
export const BURST_COMMANDS = 8;
/** Bounds: the fan-out itself needs ~7 s at Lark's 50/s. */
const BURST_TIMEOUT_MS = 150_000;
const REPLY_GRACE_MS = 20_000;
const RESTART_TIMEOUT_MS = 75_000;
const ENCRYPT_KEY = "bench-recovery-encrypt-key-0123";
const TOKEN = "bench-recovery-token";
const SECRETARY = { openId: "ou_rec_secretary", name: "书记" };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Seeded {
  models: Models;
  chatId: string;
  studyId: string;
  /** Who the reminder goes to: the chat, then every member who has not confirmed. */
  recipients: string[];
  /** In the text of every message of the round (group message and DMs): `S1「学习党章」`. */
  roundMark: string;
}

async function seed(connection: Connection, chatId: string): Promise<Seeded> {
  const models = createModels(connection);
  await syncIndexes(models);
  const members = Array.from({ length: RECOVERY_MEMBERS }, (_, i) => ({
    openId: `ou_rec_${String(i).padStart(4, "0")}`,
    name: `党员${String(i).padStart(3, "0")}`,
  }));
  const { branch } = await bindBranch(models, {
    chatId,
    name: "恢复测试支部",
    binder: SECRETARY,
  });
  await syncMembers(models, branch._id, [SECRETARY, ...members], systemClock.now());
  const { study } = await createStudy(models, systemClock, {
    branchId: branch._id,
    chatId,
    title: "学习党章",
    link: null,
    deadlineDate: DateTime.now().setZone("Asia/Shanghai").plus({ days: 7 }).toISODate()!,
    hours: 1,
    scope: "branch",
    partyGroup: null,
    createdBy: SECRETARY.openId,
    sourceKey: `bench:recovery:${chatId}`,
    timeZone: "Asia/Shanghai",
  });
  const pending = await pendingStudyMembers(models, study);
  return {
    models,
    chatId,
    studyId: study._id,
    recipients: [chatId, ...pending.map((m) => m.openId)],
    roundMark: `${study._id}「${study.title}」`,
  };
}

/**
 * What the recipients saw of the reminder round (sends only; the fake shows one message per
 * uuid, as Lark does). A round message is recognised by its text (`S1「学习党章」`), not by its
 * uuid, so a re-send under another uuid would count as a duplicate: two distinct messages of the
 * round to one recipient. Other messages to them (e.g. the scheduler's quarterly reminder to the
 * secretary, who is also a recipient) are counted apart, and duplicated if the same text arrives twice.
 */
function tally(fake: FakeLark, seeded: Pick<Seeded, "recipients" | "roundMark">) {
  const expected = new Set(seeded.recipients);
  const per = new Map<string, number>();
  const others = new Map<string, number>();
  let stray = 0;
  for (const m of fake.messages) {
    if (m.kind !== "send") continue;
    if (!m.receiveId || !expected.has(m.receiveId)) {
      stray++;
      continue;
    }
    const text = messageText(m.content);
    if (!text.includes(seeded.roundMark)) {
      const key = `${m.receiveId}\n${text}`;
      others.set(key, (others.get(key) ?? 0) + 1);
      continue;
    }
    per.set(m.receiveId, (per.get(m.receiveId) ?? 0) + 1);
  }
  const delivered = per.size;
  const lost = seeded.recipients.filter((r) => !per.has(r)).length;
  const duplicated = [...per.values()].filter((n) => n > 1).length;
  const other = [...others.values()].reduce((a, b) => a + b, 0);
  const otherDuplicated = [...others.values()].filter((n) => n > 1).length;
  return { delivered, lost, duplicated, stray, other, otherDuplicated };
}

function messageText(content: string | null): string {
  try {
    const text = (JSON.parse(content ?? "{}") as { text?: unknown }).text;
    return typeof text === "string" ? text : "";
  } catch {
    return "";
  }
}

async function post(url: string, payload: unknown): Promise<number> {
  const request = signedRequest(payload, ENCRYPT_KEY);
  try {
    const response = await fetch(url, { method: "POST", headers: request.headers, body: request.body });
    await response.text();
    return response.status;
  } catch {
    return 0; // no answer (the bot was killed)
  }
}

export interface BurstResult {
  recipients: number;
  /** The reminder command posted → its last message at the fake. */
  wallMs: number | null;
  rateLimited: number;
  rateLimitedReplies: number;
  delivered: number;
  lost: number;
  duplicated: number;
  replies: number;
  /** Command posted → reply at the fake, for the replies that came. */
  replyMaxMs: number | null;
  commandsAfter: number;
  timedOut: boolean;
}

export async function runBurst(options: {
  serverUri: string;
  dbName: string;
  fail: (message: string) => void;
}): Promise<BurstResult> {
  const cleanups: (() => Promise<unknown> | void)[] = [];
  try {
    const connection = await connectDb(options.serverUri, options.dbName);
    cleanups.push(() => connection.close());
    cleanups.push(() => connection.dropDatabase());
    const seeded = await seed(connection, "oc_rec_burst");
    const chatOf = new Map<string, string>();
    const fake = await startFakeLark({ limits: LARK_RATE_LIMITS, chatOfMessage: (id) => chatOf.get(id) });
    cleanups.push(() => fake.close());
    const config = loadConfig({
      NODE_ENV: "development",
      LARK_APP_ID: "cli_be0c0000000000a4",
      LARK_APP_SECRET: "bench-burst-secret",
      LARK_ENCRYPT_KEY: ENCRYPT_KEY,
      LARK_VERIFICATION_TOKEN: TOKEN,
      LARK_DOMAIN: fake.url,
      LOG_LEVEL: "error",
    });
    const logger = createLogger("error");
    const bot = await buildBot({
      config,
      connection,
      lark: createLarkApi(createLarkClient(config, logger)),
      clock: systemClock,
      logger,
    });
    const server: Server = bot.app.listen(0, "127.0.0.1");
    await new Promise<void>((resolve) => server.once("listening", () => resolve()));
    bot.delivery.start(DELIVERY_POLL_MS);
    cleanups.push(async () => {
      bot.delivery.stop();
      await bot.inbox.idle();
      await bot.delivery.idle();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook/event`;
    await bot.deps.lark.getChatOwner("oc_bench_warmup"); // the tenant token, as a running bot has it

    const message = (sender: string, text: string, messageId: string) => {
      chatOf.set(messageId, seeded.chatId);
      return textMessage({
        token: TOKEN,
        sender,
        chatId: seeded.chatId,
        text,
        messageId,
        appId: "cli_be0c0000000000a4",
      });
    };
    const started = performance.now();
    const status = await post(
      url,
      message(SECRETARY.openId, `/学习 提醒 ${seeded.studyId}`, "om_rec_remind"),
    );
    if (status !== 200) options.fail(`burst: the reminder command was answered ${status}`);
    const total = seeded.recipients.length;
    let timedOut = false;
    // Once a fifth of the fan-out is out, 8 members send a command each into the same chat.
    await fake.waitFor(() => tally(fake, seeded).delivered >= total / 5, BURST_TIMEOUT_MS, "fan-out start");
    const commandsAfter = tally(fake, seeded).delivered;
    const commandIds = Array.from({ length: BURST_COMMANDS }, (_, i) => `om_rec_burst_${i}`);
    const posted = new Map<string, number>();
    await Promise.all(
      commandIds.map(async (id, i) => {
        posted.set(id, performance.now());
        const answer = await post(url, message(`ou_rec_${String(i).padStart(4, "0")}`, "/学习 列表", id));
        if (answer !== 200) options.fail(`burst: command ${id} was answered ${answer}`);
      }),
    );
    const replied = () =>
      fake.messages.filter((m) => m.kind === "reply" && commandIds.includes(m.receiveId ?? ""));
    try {
      await fake.waitFor(() => tally(fake, seeded).delivered >= total, BURST_TIMEOUT_MS, "every recipient");
    } catch {
      timedOut = true;
    }
    const lastFanout = Math.max(...fake.messages.filter((m) => m.kind === "send").map((m) => m.at));
    const wallMs = timedOut ? null : lastFanout - started;
    await fake
      .waitFor(() => replied().length >= BURST_COMMANDS, REPLY_GRACE_MS, "replies")
      .catch(() => undefined);
    await bot.inbox.idle();
    const counts = tally(fake, seeded);
    const replyLatencies = replied().map((m) => m.at - posted.get(m.receiveId!)!);
    const result: BurstResult = {
      recipients: total,
      wallMs,
      rateLimited: fake.counts.rateLimited,
      rateLimitedReplies: fake.calls.filter((c) => c.kind === "reply" && c.status === 429).length,
      ...counts,
      replies: replyLatencies.length,
      replyMaxMs: replyLatencies.length > 0 ? Math.max(...replyLatencies) : null,
      commandsAfter,
      timedOut,
    };
    if (counts.lost > 0) options.fail(`burst: ${counts.lost} recipients never reached`);
    if (counts.duplicated > 0) options.fail(`burst: ${counts.duplicated} recipients reached more than once`);
    return result;
  } finally {
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch (error) {
        console.error("burst cleanup step failed:", error);
      }
    }
  }
}

interface Child {
  process: ChildProcess;
  ready: Promise<void>;
  exited: Promise<void>;
  output: () => string;
}

function startBot(cwd: string, env: NodeJS.ProcessEnv): Child {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`not ready within 60 s:\n${output.slice(-2000)}`)),
      60_000,
    );
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (output.includes("zhibu ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`exited before ready:\n${output.slice(-2000)}`));
    });
  });
  ready.catch(() => undefined);
  return { process: child, ready, exited, output: () => output };
}

async function killHard(child: Child): Promise<void> {
  if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill("SIGKILL");
  await child.exited;
}

export type KillPoint = "enqueue" | "send";

export interface KillResult {
  point: KillPoint;
  recipients: number;
  /** What had happened when the kill came: items in the outbox, recipients reached. */
  atKill: { enqueued: number; delivered: number; answered: boolean };
  /** True when the kill did not land where intended (e.g. everything was already enqueued). */
  missed: boolean;
  redelivered: boolean;
  /** Restart (spawn) → every recipient reached; null when not reached within the bound. */
  recoveryMs: number | null;
  restartReadyMs: number;
  /** Restart (spawn) → the first send, reply or PATCH the restarted bot made; null if none. */
  resumeMs: number | null;
  delivered: number;
  lost: number;
  duplicated: number;
  /** Sends the fake answered as already seen (same uuid): harmless resends. */
  resends: number;
  /** Other messages the recipients saw (not the round), and how many of those came twice. */
  other: number;
  otherDuplicated: number;
}

export async function runKill(options: {
  cwd: string;
  mongoUri: (dbName: string) => string;
  serverUri: string;
  dbName: string;
  point: KillPoint;
  fail: (message: string) => void;
}): Promise<KillResult> {
  const cleanups: (() => Promise<unknown> | void)[] = [];
  try {
    const connection = await connectDb(options.serverUri, options.dbName);
    cleanups.push(() => connection.close());
    cleanups.push(() => connection.dropDatabase());
    const seeded = await seed(connection, `oc_rec_kill_${options.point}`);
    const fake = await startFakeLark({ limits: LARK_RATE_LIMITS });
    cleanups.push(() => fake.close());
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: "development",
      LARK_APP_ID: `cli_be0c00000000${options.point === "enqueue" ? "00b1" : "00b2"}`,
      LARK_APP_SECRET: "bench-kill-secret",
      LARK_ENCRYPT_KEY: ENCRYPT_KEY,
      LARK_VERIFICATION_TOKEN: TOKEN,
      LARK_DOMAIN: fake.url,
      LARK_TRANSPORT: "webhook",
      PORT: String(port),
      MONGODB_URI: options.mongoUri(options.dbName),
      LOG_LEVEL: "info", // "zhibu ready" is an info line
    };
    const url = `http://127.0.0.1:${port}/webhook/event`;
    let child = startBot(options.cwd, env);
    cleanups.push(() => killHard(child));
    await child.ready;

    const keyPrefix = `^study:${seeded.studyId}:remind:manual:`;
    const enqueued = () => seeded.models.Outbox.countDocuments({ _id: trusted({ $regex: keyPrefix }) });
    const total = seeded.recipients.length;
    const payload = textMessage({
      token: TOKEN,
      sender: SECRETARY.openId,
      chatId: seeded.chatId,
      text: `/学习 提醒 ${seeded.studyId}`,
      messageId: `om_rec_kill_${options.point}`,
      appId: `cli_be0c00000000${options.point === "enqueue" ? "00b1" : "00b2"}`,
    });
    let answered = false;
    const posting = post(url, payload).then((status) => (answered = status === 200));

    // Wait for the kill point, polling (bounded).
    const deadline = performance.now() + 60_000;
    let atKill = { enqueued: 0, delivered: 0, answered: false };
    for (;;) {
      const n = await enqueued();
      const reached = tally(fake, seeded).delivered;
      const hit = options.point === "enqueue" ? n >= 10 : reached >= total / 3;
      if (hit || performance.now() > deadline) {
        child.process.kill("SIGKILL");
        atKill = { enqueued: n, delivered: reached, answered };
        break;
      }
      await sleep(options.point === "enqueue" ? 2 : 20);
    }
    await child.exited;
    await posting;
    atKill.answered = answered;
    const afterKill = { enqueued: await enqueued(), delivered: tally(fake, seeded).delivered };
    const missed =
      options.point === "enqueue"
        ? afterKill.enqueued >= total || atKill.enqueued === 0
        : afterKill.delivered >= total || atKill.delivered === 0;

    // Restart; Lark delivers the event again only when it got no 200 for it.
    const restarted = performance.now();
    child = startBot(options.cwd, env);
    await child.ready;
    const restartReadyMs = performance.now() - restarted;
    let redelivered = false;
    if (!answered) {
      redelivered = true;
      await post(url, payload);
    }
    let recoveryMs: number | null = null;
    try {
      await fake.waitFor(
        () => tally(fake, seeded).delivered >= total,
        RESTART_TIMEOUT_MS,
        "every recipient after the restart",
      );
      recoveryMs = performance.now() - restarted;
      await sleep(2_000); // late duplicates
    } catch {
      // Reported below as lost recipients.
    }
    const counts = tally(fake, seeded);
    const firstAfter = fake.calls.find((c) => c.at > restarted);
    child.process.kill("SIGTERM");
    await Promise.race([child.exited, sleep(10_000)]);
    return {
      point: options.point,
      recipients: total,
      atKill,
      missed,
      redelivered,
      recoveryMs,
      restartReadyMs,
      resumeMs: firstAfter ? firstAfter.at - restarted : null,
      delivered: counts.delivered,
      lost: counts.lost,
      duplicated: counts.duplicated,
      other: counts.other,
      otherDuplicated: counts.otherDuplicated,
      resends: fake.calls.filter((c) => c.outcome === "duplicate").length,
    };
  } finally {
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch (error) {
        console.error("kill cleanup step failed:", error);
      }
    }
  }
}

const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");
const secs = (ms: number | null) => (ms === null ? "—" : `${(ms / 1000).toFixed(2)} s`);

export function reportBurst(r: BurstResult): void {
  console.log(
    `\nFan-out + burst: /学习 提醒 to ${r.recipients} recipients (1 group message + DMs) by the in-process bot; ` +
      `after ${r.commandsAfter} were out, ${BURST_COMMANDS} commands at once in the same chat (fake Lark enforces ` +
      `${LARK_RATE_LIMITS.appPerSecond}/s per app, ${LARK_RATE_LIMITS.perChatPerSecond}/s per chat, replies included)`,
  );
  console.log(
    `  wall time (command → last fan-out message): ${secs(r.wallMs)}${r.timedOut ? " (bound reached)" : ""}`,
  );
  console.log(
    `  429s received:   ${r.rateLimited} (${r.rateLimitedReplies} on replies)   goal 0   ${verdict(r.rateLimited === 0)}`,
  );
  console.log(
    `  recipients:      ${r.delivered}/${r.recipients} reached, lost ${r.lost}, duplicated ${r.duplicated}   ` +
      `goal 0 and 0   ${verdict(r.lost === 0 && r.duplicated === 0)}`,
  );
  console.log(
    `  replies:         ${r.replies}/${BURST_COMMANDS} sent, slowest ${secs(r.replyMaxMs)} after its command   ` +
      `${verdict(r.replies === BURST_COMMANDS)}`,
  );
}

export function reportKill(results: KillResult[]): void {
  console.log(
    `\nkill -9 and restart: the entry point as a child process, /学习 提醒 to ${results[0]?.recipients ?? 0} ` +
      `recipients through the webhook, SIGKILL, restart (bound ${RESTART_TIMEOUT_MS / 1000} s)`,
  );
  for (const r of results) {
    const ok = r.lost === 0 && r.duplicated === 0 && r.otherDuplicated === 0 && r.recoveryMs !== null;
    console.log(
      `  mid-${r.point.padEnd(7)} killed at ${r.atKill.enqueued} enqueued / ${r.atKill.delivered} reached` +
        ` (command ${r.atKill.answered ? "answered 200" : "not answered"}${r.redelivered ? ", delivered again after restart" : ""})` +
        `${r.missed ? " [kill point missed]" : ""}`,
    );
    console.log(
      `    restart → ready ${secs(r.restartReadyMs)}, → first send ${secs(r.resumeMs)}, → all reached ${secs(r.recoveryMs)}; ` +
        `reached ${r.delivered}/${r.recipients}, lost ${r.lost}, duplicated ${r.duplicated} (uuid resends ${r.resends}; ` +
        `${r.other} other messages, ${r.otherDuplicated} of them twice)` +
        `   goal 0 and 0   ${verdict(ok)}`,
    );
  }
}
