import { connect } from "node:net";
import { describe, expect, it, vi } from "vitest";
import { cardActionEvent, fixture, messageEvent, signedBody } from "../helpers/larkPayloads.js";
import { TEST_ENCRYPT_KEY, TEST_TOKEN } from "../helpers/testBot.js";
import { handledLines, useBot } from "./harness.js";
import { seedBranch as seedBranchDoc, seedMembers } from "../helpers/factories.js";

/**
 * Bodies that are signed and encrypted with our key (so they pass the signature check) but whose
 * decrypted content is not what Lark documents. None may answer 500, reach a command or match
 * anything in the database.
 */
const SEC = "ou_hostile_sec";
const CHAT = "oc_hostile_branch";
const h = useBot("http_hostile_input", { admins: [SEC] });

const nowSeconds = () => Math.floor(h.t.clock.now().getTime() / 1000);

async function seedBranch() {
  const { models } = h.t.db;
  if (await models.Branch.exists({ _id: "B1" })) return;
  await seedBranchDoc(models, { _id: "B1", seq: 1, name: "测试支部", chatId: CHAT, createdBy: SEC });
  await seedMembers(models, [{ branchId: "B1", openId: SEC, name: "书记", role: "secretary", active: true }]);
}

/** A /成员 command in the branch chat, then `mutate` applied to its decrypted body. */
function hostileMessage(mutate: (message: Record<string, unknown>) => void) {
  const event = messageEvent({ text: "/成员", sender: SEC, chatId: CHAT, token: TEST_TOKEN });
  mutate(event.event.message);
  return event;
}

async function expectNothingRan(response: Response) {
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({});
  await h.t.bot.inbox.idle();
  expect(await h.t.db.models.InboundEvent.countDocuments()).toBe(0);
  // No Lark interceptor is set: a reply would show up as an unexpected call.
  expect(h.unmatched).toEqual([]);
}

describe("hostile message events (signed and encrypted with our key)", () => {
  it.each([
    ["mentions as a string", (m: Record<string, unknown>) => (m.mentions = "@_user_1")],
    ["mentions as an object", (m: Record<string, unknown>) => (m.mentions = { key: "@_user_1" })],
    ["mentions as [null]", (m: Record<string, unknown>) => (m.mentions = [null])],
    ["chat_id as {$ne: null}", (m: Record<string, unknown>) => (m.chat_id = { $ne: null })],
    ["message_id as {$gt: ''}", (m: Record<string, unknown>) => (m.message_id = { $gt: "" })],
    ["chat_id of another shape", (m: Record<string, unknown>) => (m.chat_id = "B1")],
  ])("ignores an event with %s: no 500, no command, nothing matched", async (_label, mutate) => {
    await seedBranch();
    const event = hostileMessage(mutate);
    const response = await h.t.post("/webhook/event", event);
    await expectNothingRan(response);
    expect(h.t.logs.some((l) => l.msg === "event handled" && l.outcome === "invalid")).toBe(true);
  });

  it("ignores a sender open_id given as an object", async () => {
    await seedBranch();
    const event = hostileMessage(() => {});
    (event.event.sender as Record<string, unknown>).sender_id = { open_id: { $ne: null } };
    await expectNothingRan(await h.t.post("/webhook/event", event));
  });
});

describe("hostile card callbacks", () => {
  it("answers an error toast, without running anything, to an operator open_id given as an object", async () => {
    const event = cardActionEvent({
      operator: SEC,
      value: { action: "meeting.rsvp", meetingId: "M1", response: "attend" },
      messageId: "om_hostile_card",
      chatId: CHAT,
      token: TEST_TOKEN,
    });
    (event.event.operator as Record<string, unknown>).open_id = { $ne: null };
    const response = await h.t.post("/webhook/card", event);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ toast: { type: "error", content: "无法识别的卡片操作。" } });
    expect(handledLines(h.t, event.header.event_id as string)).toEqual([]);
  });
});

describe("bodies that are not an event", () => {
  it.each([["null"], ["[]"], ["42"], ['"text"']])("answers 400 to a JSON body of %s", async (body) => {
    const timestamp = String(nowSeconds());
    const signed = signedBody({}, { encryptKey: TEST_ENCRYPT_KEY, timestamp: Number(timestamp) });
    const response = await fetch(`${h.t.url}/webhook/event`, {
      method: "POST",
      headers: signed.headers,
      body,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "invalid JSON" });
  });

  it("refuses (401) an encrypted body that decrypts to null", async () => {
    const response = await h.t.post("/webhook/event", null);
    expect(response.status).toBe(401);
  });
});

describe("app_id", () => {
  it("refuses (401) a signed event for another app, and runs nothing", async () => {
    await seedBranch();
    const event = messageEvent({ text: "/成员", sender: SEC, chatId: CHAT, token: TEST_TOKEN });
    event.header.app_id = "cli_another_app";
    const response = await h.t.post("/webhook/event", event);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "app_id mismatch" });
    await h.t.bot.inbox.idle();
    expect(await h.t.db.models.InboundEvent.countDocuments()).toBe(0);
  });

  it("refuses (401) a card callback without app_id", async () => {
    const event = cardActionEvent({
      operator: SEC,
      value: { action: "meeting.rsvp", meetingId: "M1", response: "attend" },
      messageId: "om_hostile_card2",
      chatId: CHAT,
      token: TEST_TOKEN,
    });
    delete event.header.app_id;
    const response = await h.t.post("/webhook/card", event);
    expect(response.status).toBe(401);
  });

  it("accepts the app_id of the fixtures, which is the test bot's LARK_APP_ID", () => {
    expect(fixture<{ header: { app_id: string } }>("im.message.receive_v1").header.app_id).toBe(
      h.t.config.LARK_APP_ID,
    );
  });
});

describe("a client that hangs up mid-request", () => {
  it("is logged at info, not as an error", async () => {
    const { port } = new URL(h.t.url);
    const before = h.t.logs.length;
    const consoleError = vi.spyOn(console, "error").mockImplementation(() => {});
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), "127.0.0.1", () => {
        socket.write(
          "POST /webhook/event HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
            'Content-Length: 1000\r\n\r\n{"encrypt":"abc',
          () => setImmediate(() => socket.destroy()),
        );
      });
      socket.on("close", () => resolve());
      socket.on("error", reject);
    });
    // Wait until the server has seen the hang-up (a deadline, not a sleep).
    const started = Date.now();
    while (!h.t.logs.slice(before).some((l) => l.msg === "request aborted by the client")) {
      if (Date.now() - started > 3000) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    const lines = h.t.logs.slice(before);
    expect(consoleError).not.toHaveBeenCalled();
    consoleError.mockRestore();
    expect(lines.filter((l) => l.level === "error" || l.level === 50)).toEqual([]);
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: "request aborted by the client", outcome: "client-aborted" }),
    );
  });
});
