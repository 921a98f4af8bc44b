import nock from "nock";
import { z } from "zod";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it, vi } from "vitest";
import { cardActions } from "../../src/actions/index.js";
import { action } from "../../src/actions/types.js";
import { larkSignature } from "../../src/lark/signature.js";
import { LARK_BASE } from "../helpers/larkMock.js";
import { encryptLark, fixture, messageEvent, signedBody } from "../helpers/larkPayloads.js";
import { startTestBot, TEST_ENCRYPT_KEY, TEST_TOKEN } from "../helpers/testBot.js";
import { businessSnapshot, handledLines, useBot, within } from "./harness.js";

const ADMIN = "ou_transport_admin";
const USER = "ou_transport_user";
const h = useBot("http_transport", { admins: [ADMIN] });

const nowSeconds = () => Math.floor(h.t.clock.now().getTime() / 1000);

async function inboxCount() {
  return h.t.db.models.InboundEvent.countDocuments();
}

/** What a request may leave behind: inbox records and "event handled" log lines. */
async function traces() {
  return {
    inbox: await inboxCount(),
    handled: h.t.logs.filter((l) => l.msg === "event handled").length,
  };
}

describe("url_verification", () => {
  const challenge = () => ({ ...fixture("url_verification"), token: TEST_TOKEN });

  it("answers the challenge of an encrypted url_verification as Lark sends it (unsigned)", async () => {
    const response = await fetch(`${h.t.url}/webhook/event`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ encrypt: encryptLark(challenge(), TEST_ENCRYPT_KEY) }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ challenge: "ajls384kdjx98XX" });
  });

  it("answers the challenge when the request is also signed", async () => {
    const response = await h.t.post("/webhook/event", challenge());
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ challenge: "ajls384kdjx98XX" });
  });

  it("refuses a challenge carrying another verification token", async () => {
    const response = await h.t.post("/webhook/event", fixture("url_verification"));
    expect(response.status).toBe(401);
    expect(await response.json()).not.toHaveProperty("challenge");
  });

  it("refuses a challenge encrypted with another key", async () => {
    const response = await fetch(`${h.t.url}/webhook/event`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ encrypt: encryptLark(challenge(), "some-other-key") }),
    });
    expect(response.status).toBe(401);
  });
});

describe("signed, encrypted events", () => {
  it("answers 200 {} within 3 s, before the command's work is done", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const replies: unknown[] = [];
    let replyReached!: () => void;
    const reached = new Promise<void>((resolve) => (replyReached = resolve));
    nock(LARK_BASE)
      .post(/\/open-apis\/im\/v1\/messages\/[^/]+\/reply$/)
      .reply(200, async (_uri, body) => {
        replyReached();
        await gate; // the command is stuck in its reply until the test lets it go
        replies.push(body);
        return { code: 0, msg: "success", data: { message_id: "om_reply_gate" } };
      });

    const event = messageEvent({ text: "/help", sender: USER, chatId: "oc_gate", token: TEST_TOKEN });
    const messageId = event.event.message.message_id as string;
    const started = performance.now();
    const response = await within(3000, h.t.post("/webhook/event", event), "webhook");
    expect(performance.now() - started).toBeLessThan(3000);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/application\/json/);
    expect(await response.json()).toEqual({});

    // Answered while the command is still waiting for Lark: the reply has not completed.
    await reached;
    expect(replies).toHaveLength(0);
    const during = await h.t.db.models.InboundEvent.findById(`msg:${messageId}`).lean();
    expect(during?.status).toBe("processing");

    release();
    await h.t.bot.inbox.idle();
    expect(replies).toHaveLength(1);
    const after = await h.t.db.models.InboundEvent.findById(`msg:${messageId}`).lean();
    expect(after?.status).toBe("done");
  });

  it("replies to a private message without any mention", async () => {
    h.lark.expectReply();
    const response = await h.t.say({ text: "/help", sender: USER, chatId: "oc_p2p_user", chatType: "p2p" });
    expect(response.status).toBe(200);
    expect(h.lark.replyTexts()).toHaveLength(1);
    expect(h.lark.replyTexts()[0]).toContain("/帮助 或 /help");
  });
});

describe("rejected requests", () => {
  const payload = () =>
    messageEvent({ text: "/help", sender: USER, chatId: "oc_rejected", token: TEST_TOKEN });

  let before: Awaited<ReturnType<typeof traces>>;
  beforeEach(async () => {
    before = await traces();
  });

  async function expectRejected(response: Response, reason: string) {
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: expect.stringContaining(reason) });
    await h.t.bot.inbox.idle();
    // Nothing accepted, nothing run.
    expect(await traces()).toEqual(before);
    // No interceptor is set besides the token: any Lark call would show up in h.unmatched.
    expect(h.unmatched).toEqual([]);
  }

  it("refuses an unsigned request", async () => {
    const signed = signedBody(payload(), { encryptKey: TEST_ENCRYPT_KEY, timestamp: nowSeconds() });
    const response = await fetch(`${h.t.url}/webhook/event`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: signed.body,
    });
    await expectRejected(response, "unsigned");
  });

  it("refuses a request whose signature is of another body", async () => {
    const signed = signedBody(payload(), { encryptKey: TEST_ENCRYPT_KEY, timestamp: nowSeconds() });
    const other = signedBody(payload(), { encryptKey: TEST_ENCRYPT_KEY, timestamp: nowSeconds() });
    const response = await fetch(`${h.t.url}/webhook/event`, {
      method: "POST",
      headers: { ...signed.headers, "x-lark-signature": other.headers["x-lark-signature"]! },
      body: signed.body,
    });
    await expectRejected(response, "forged");
  });

  it("refuses a request signed with another key", async () => {
    const event = payload();
    const body = JSON.stringify({ encrypt: encryptLark(event, TEST_ENCRYPT_KEY) });
    const timestamp = String(nowSeconds());
    const response = await fetch(`${h.t.url}/webhook/event`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-lark-request-timestamp": timestamp,
        "x-lark-request-nonce": "nonce-1",
        "x-lark-signature": larkSignature(timestamp, "nonce-1", "another-encrypt-key", body),
      },
      body,
    });
    await expectRejected(response, "forged");
  });

  it("refuses a request signed 6 minutes before the bot's clock", async () => {
    const response = await h.t.post("/webhook/event", payload(), { timestamp: nowSeconds() - 6 * 60 });
    await expectRejected(response, "stale");
  });

  it("refuses a request signed 6 minutes after the bot's clock", async () => {
    const response = await h.t.post("/webhook/event", payload(), { timestamp: nowSeconds() + 6 * 60 });
    await expectRejected(response, "stale");
  });

  it("refuses a card callback that is not signed", async () => {
    const response = await fetch(`${h.t.url}/webhook/card`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: signedBody(payload(), { encryptKey: TEST_ENCRYPT_KEY }).body,
    });
    await expectRejected(response, "unsigned");
  });

  it("refuses a plain JSON body even with a valid signature (encryption is required)", async () => {
    const body = JSON.stringify(payload());
    const timestamp = String(nowSeconds());
    const response = await fetch(`${h.t.url}/webhook/event`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-lark-request-timestamp": timestamp,
        "x-lark-request-nonce": "nonce-2",
        "x-lark-signature": larkSignature(timestamp, "nonce-2", TEST_ENCRYPT_KEY, body),
      },
      body,
    });
    expect(response.status).toBe(401);
    await h.t.bot.inbox.idle();
    expect(await traces()).toEqual(before);
  });

  it("refuses a signed, encrypted event carrying another verification token", async () => {
    const event = messageEvent({ text: "/help", sender: USER, chatId: "oc_rejected", token: "not-ours" });
    const response = await h.t.post("/webhook/event", event);
    expect(response.status).toBe(401);
    await h.t.bot.inbox.idle();
    expect(await traces()).toEqual(before);
  });
});

describe("redelivery", () => {
  it("runs a message delivered twice (same message_id, new event_id) once", async () => {
    h.lark.expectReply();
    const message = { text: "/help", sender: USER, chatId: "oc_dup", messageId: "om_dup_1" };
    const first = await h.t.say({ ...message, eventId: "ev_dup_first" });
    const second = await h.t.say({ ...message, eventId: "ev_dup_second" });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual({});
    expect(h.lark.replies).toHaveLength(1);
    expect(h.lark.replies[0]!.messageId).toBe("om_dup_1");
    expect(await h.t.db.models.InboundEvent.find({ _id: "msg:om_dup_1" }).lean()).toHaveLength(1);
    expect(handledLines(h.t, "ev_dup_second").map((l) => l.outcome)).toEqual(["duplicate"]);
  });

  it("runs a message delivered twice at the same time once", async () => {
    h.lark.expectReply();
    const message = { text: "/help", sender: USER, chatId: "oc_dup", messageId: "om_dup_2" };
    const [a, b] = await Promise.all([
      h.t.post("/webhook/event", messageEvent({ ...message, token: TEST_TOKEN })),
      h.t.post("/webhook/event", messageEvent({ ...message, token: TEST_TOKEN })),
    ]);
    await h.t.bot.inbox.idle();
    expect([a!.status, b!.status]).toEqual([200, 200]);
    expect(h.lark.replies).toHaveLength(1);
    expect(await h.t.db.models.InboundEvent.countDocuments({ _id: "msg:om_dup_2" })).toBe(1);
  });

  describe("card callbacks", () => {
    let effects = 0;
    const counter = action({
      name: "test.count",
      input: z.object({ action: z.literal("test.count") }),
      async run() {
        effects++;
        return { toast: { type: "success", content: `已记录第 ${effects} 次` } };
      },
    });
    beforeAll(() => {
      cardActions.push(counter);
    });
    afterAll(() => {
      cardActions.splice(cardActions.indexOf(counter), 1);
    });

    it("answers the same callback event twice with the same answer and one effect", async () => {
      const click = {
        operator: USER,
        value: { action: "test.count" },
        messageId: "om_card_1",
        chatId: "oc_card",
        eventId: "ev_card_dup",
      };
      const first = await h.t.click(click);
      const second = await h.t.click(click);
      expect(first).toEqual({ status: 200, body: { toast: { type: "success", content: "已记录第 1 次" } } });
      expect(second).toEqual(first);
      expect(effects).toBe(1);
      expect(handledLines(h.t, "ev_card_dup").map((l) => l.outcome)).toEqual(["ok", "duplicate"]);

      // A new click (a new event id) is a new effect.
      const third = await h.t.click({ ...click, eventId: "ev_card_other" });
      expect(third.body).toEqual({ toast: { type: "success", content: "已记录第 2 次" } });
      expect(effects).toBe(2);
    });

    it("answers an unknown card action with an error toast, as JSON", async () => {
      const answer = await h.t.click({
        operator: USER,
        value: { action: "no.such.action" },
        messageId: "om_card_2",
        chatId: "oc_card",
      });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ toast: { type: "error", content: expect.any(String) } });
    });
  });
});

describe("messages that are not for the bot", () => {
  let inboxBefore = 0;
  beforeEach(async () => {
    inboxBefore = await inboxCount();
  });

  it("ignores messages sent by bots", async () => {
    await h.t.say({
      text: "/help",
      sender: "ou_other_bot",
      chatId: "oc_ign",
      senderType: "app",
      eventId: "ev_bot",
    });
    expect(h.lark.replies).toEqual([]);
    expect(await h.t.db.models.InboundEvent.countDocuments({ "payload.eventId": "ev_bot" })).toBe(0);
    expect(await inboxCount()).toBe(inboxBefore);
    expect(handledLines(h.t, "ev_bot").map((l) => l.outcome)).toEqual(["ignored-bot"]);
  });

  it("ignores a group message that does not start by mentioning the bot", async () => {
    const event = messageEvent({
      text: "/help",
      sender: USER,
      chatId: "oc_ign",
      token: TEST_TOKEN,
      eventId: "ev_nomention",
    });
    // The bot is mentioned, but after the command: not addressed to it.
    event.event.message.content = JSON.stringify({ text: "/help @_user_1" });
    const response = await h.t.post("/webhook/event", event);
    await h.t.bot.inbox.idle();
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
    expect(await inboxCount()).toBe(inboxBefore);
    expect(handledLines(h.t, "ev_nomention").map((l) => l.outcome)).toEqual(["ignored-not-command"]);

    // No mention at all.
    const plain = messageEvent({
      text: "/help",
      sender: USER,
      chatId: "oc_ign",
      token: TEST_TOKEN,
      eventId: "ev_plain",
    });
    plain.event.message.content = JSON.stringify({ text: "/help" });
    plain.event.message.mentions = [];
    expect((await h.t.post("/webhook/event", plain)).status).toBe(200);
    await h.t.bot.inbox.idle();
    expect(await inboxCount()).toBe(inboxBefore);
    expect(handledLines(h.t, "ev_plain").map((l) => l.outcome)).toEqual(["ignored-not-command"]);
  });

  it("ignores a group message to the bot that is not a command", async () => {
    await h.t.say({ text: "大家好，明天开会吗？", sender: USER, chatId: "oc_ign", eventId: "ev_chat" });
    expect(await inboxCount()).toBe(inboxBefore);
    expect(handledLines(h.t, "ev_chat").map((l) => l.outcome)).toEqual(["ignored-not-command"]);
  });
});

describe("commands that cannot run", () => {
  it("answers an unknown command with the nearest command's usage and writes nothing else", async () => {
    h.lark.expectReply();
    const before = await businessSnapshot(h.t);
    const inboxBefore = await inboxCount();
    await h.t.say({ text: "/hepl", sender: USER, chatId: "oc_typo", messageId: "om_typo" });
    expect(h.lark.replyTexts()).toHaveLength(1);
    const text = h.lark.replyTexts()[0]!;
    expect(text).toContain("/hepl");
    expect(text).toContain("/help");
    expect(text).toContain("/帮助 或 /help");
    expect(await businessSnapshot(h.t)).toEqual(before);
    // Only the inbox record of the message itself.
    expect(await inboxCount()).toBe(inboxBefore + 1);
    expect(await h.t.db.models.InboundEvent.findById("msg:om_typo").lean()).toMatchObject({ status: "done" });
  });

  it("answers /bind without a name with its usage and writes nothing", async () => {
    h.lark.expectReply();
    const before = await businessSnapshot(h.t);
    await h.t.say({ text: "/bind", sender: ADMIN, chatId: "oc_badargs" });
    const text = h.lark.replyTexts()[0]!;
    expect(text).toContain("参数有误");
    expect(text).toContain("/绑定 <支部名称>");
    expect(await businessSnapshot(h.t)).toEqual(before);
  });

  it("answers /role without a mention with its usage and writes nothing", async () => {
    // A bound branch whose secretary is the admin.
    h.lark.chatMembers("oc_badargs", [[{ openId: ADMIN, name: "管理员" }]]).expectReply(2);
    await h.t.say({ text: "/bind 测试支部", sender: ADMIN, chatId: "oc_badargs" });
    expect(await h.t.db.models.Branch.countDocuments({ chatId: "oc_badargs" })).toBe(1);

    const before = await businessSnapshot(h.t);
    await h.t.say({ text: "/role committee", sender: ADMIN, chatId: "oc_badargs" });
    const text = h.lark.replyTexts()[1]!;
    expect(text).toContain("参数有误");
    expect(text).toContain("请 @ 一位党员");
    expect(text).toContain("/角色 @某人 书记|支委|党员");
    expect(await businessSnapshot(h.t)).toEqual(before);
  });
});

describe("/healthz", () => {
  it("answers ok with the database up", async () => {
    const response = await fetch(`${h.t.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok", db: "up" });
  });

  it("answers 503 with the database down, and ok again once it is back", async () => {
    const down = await startTestBot("http_health_down");
    try {
      await down.db.connection.close();
      const response = await fetch(`${down.url}/healthz`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ status: "degraded", db: "down" });

      await down.db.connection.openUri(inject("mongoUri"), { dbName: down.db.connection.name });
      const again = await fetch(`${down.url}/healthz`);
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual({ status: "ok", db: "up" });
    } finally {
      await down.close();
    }
  });
});

describe("logs", () => {
  const SECRET_TEXT = "口令甲乙丙";

  it("writes one JSON line per handled event, with its id and outcome", async () => {
    h.lark.expectReply();
    await h.t.say({ text: `/help ${SECRET_TEXT}`, sender: USER, chatId: "oc_logs", eventId: "ev_log_1" });
    expect(h.lark.replyTexts()[0]).toContain("参数有误");
    const lines = handledLines(h.t, "ev_log_1");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ eventId: "ev_log_1", outcome: "bad-arguments" });
    for (const raw of h.t.rawLogs) expect(() => JSON.parse(raw) as unknown).not.toThrow();
    const secrets = [SECRET_TEXT, h.t.config.LARK_APP_SECRET, TEST_ENCRYPT_KEY];
    expect(h.t.rawLogs.filter((line) => secrets.some((secret) => line.includes(secret)))).toEqual([]);
  });

  /** The user's text comes back in the reply (unknown command), and that reply fails once. */
  async function failOnce(eventId: string, failure: "http" | "network") {
    const interceptor = nock(LARK_BASE).post(/\/open-apis\/im\/v1\/messages\/[^/]+\/reply$/);
    if (failure === "http") interceptor.reply(500, "upstream error");
    else interceptor.replyWithError(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
    h.lark.expectReply();
    await h.t.say({ text: `/${SECRET_TEXT}`, sender: USER, chatId: "oc_logs", eventId });
    // The reply is retried by the delivery worker after its back-off (≤ 2 s); the command ran once.
    h.t.clock.advance(3_000);
    await h.t.bot.delivery.wake();
    await h.t.bot.inbox.idle();
    expect(h.lark.replyTexts()).toHaveLength(1);
    expect(h.lark.replyTexts()[0]).toContain(SECRET_TEXT);
    expect(handledLines(h.t, eventId).map((l) => l.outcome)).toEqual(["unknown-command"]);
  }

  const leaks = () =>
    h.t.rawLogs
      .filter(
        (line) =>
          line.includes(SECRET_TEXT) ||
          line.includes(h.t.config.LARK_APP_SECRET) ||
          line.includes(TEST_ENCRYPT_KEY) ||
          line.includes("t-test-token"),
      )
      .map((line) => line.slice(0, 300));

  it("never logs message text, secrets or the access token when Lark answers an HTTP error", async () => {
    await failOnce("ev_log_2", "http");
    expect(leaks()).toEqual([]);
  });

  it("never logs message text, secrets or the access token when the network fails", async () => {
    await failOnce("ev_log_3", "network");
    expect(leaks()).toEqual([]);
  });

  it("writes nothing to the console besides the JSON logger when a Lark call fails", async () => {
    const methods = ["log", "info", "warn", "error", "debug"] as const;
    const spies = methods.map((method) => vi.spyOn(console, method).mockImplementation(() => {}));
    try {
      await failOnce("ev_log_4", "http");
      const written = spies.flatMap((spy) => spy.mock.calls.map((args) => args.map(String).join(" ")));
      expect(written).toEqual([]);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});
