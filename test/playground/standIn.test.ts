import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/domain/clock.js";
import { checkCredentials, createLarkApi, createLarkClient, LarkApiError } from "../../src/lark/api.js";
import { createLogger } from "../../src/logger.js";
import { startStandIn, type StandIn } from "../../src/playground/standIn.js";
import { p2pChatId, PlaygroundStore } from "../../src/playground/store.js";
import { testConfig } from "../helpers/config.js";

/** The official SDK (through src/lark/api.ts) against the stand-in: every answer parses. */
const APP = { id: "cli_0123456789abcdef", secret: "playground-secret" };
const store = new PlaygroundStore(fixedClock("2026-12-01T02:00:00Z"));
let standIn: StandIn;
const config = () =>
  testConfig({ LARK_APP_ID: APP.id, LARK_APP_SECRET: APP.secret, LARK_DOMAIN: standIn.url });
const api = () => createLarkApi(createLarkClient(config(), createLogger("silent")));

const CHAT = "oc_stand_in_group";
const people = Array.from({ length: 7 }, (_, i) => ({ openId: `ou_stand_in_${i}`, name: `成员${i}` }));

beforeAll(async () => {
  for (const person of people) store.addPerson(person);
  store.addGroup({
    chatId: CHAT,
    name: "第一党支部",
    memberOpenIds: people.map((p) => p.openId),
    ownerOpenId: people[0]!.openId,
  });
  standIn = await startStandIn({ store, appId: APP.id, appSecret: APP.secret, maxPageSize: 3 });
});
afterAll(() => standIn.close());

describe("the Lark stand-in", () => {
  it("grants a tenant token to the app's credentials and refuses others as Lark does", async () => {
    expect(await checkCredentials(config())).toEqual({ ok: true });
    const wrong = await checkCredentials({ ...config(), LARK_APP_SECRET: "nope" });
    expect(wrong).toMatchObject({ ok: false, refused: true });
  });

  it("sends to a chat and to a person's private chat, replies, and PATCHes a card in place", async () => {
    const lark = api();
    const sent = await lark.send({ chatId: CHAT }, { text: "你好" }, "uuid-1");
    expect(sent).toMatch(/^om_/);
    // The same uuid again: the same message, nothing new shown.
    expect(await lark.send({ chatId: CHAT }, { text: "你好" }, "uuid-1")).toBe(sent);
    const card = { schema: "2.0", body: { elements: [{ tag: "markdown", content: "应到 3" }] } };
    const cardId = await lark.reply(sent, { card }, "uuid-2");
    const dm = await lark.send({ openId: people[1]!.openId }, { text: "私信" });
    expect(store.message(dm)?.chatId).toBe(p2pChatId(people[1]!.openId));

    const before = store.message(cardId)!;
    expect(before).toMatchObject({ replyTo: sent, msgType: "interactive", content: card });
    const patched = { ...card, body: { elements: [{ tag: "markdown", content: "应到 3，参加 1" }] } };
    await lark.patchCard(cardId, patched);
    const after = store.message(cardId)!;
    expect(after.content).toEqual(patched);
    expect(after.seq).toBeGreaterThan(before.seq);
    expect(store.messagesOf(CHAT).map((m) => m.messageId)).toEqual([sent, cardId]);
  });

  it("answers a chat's owner and its members page by page", async () => {
    const lark = api();
    expect(await lark.getChatOwner(CHAT)).toBe(people[0]!.openId);
    expect(await lark.listChatMembers(CHAT)).toEqual(people);
    await expect(lark.getChatOwner("oc_missing")).rejects.toBeInstanceOf(LarkApiError);
  });

  it("takes a multipart upload, sends it as a file message and serves it as a message resource", async () => {
    const lark = api();
    const bytes = Buffer.from("PK\u0003\u0004 a workbook, byte for byte \u00ff\u0000");
    const fileKey = await lark.uploadFile("台账 2026.xlsx", bytes, "xls");
    expect(store.file(fileKey)).toMatchObject({ fileName: "台账 2026.xlsx", fileType: "xls", data: bytes });
    const messageId = await lark.send({ chatId: CHAT }, { file: fileKey });
    expect(store.message(messageId)?.content).toEqual({ file_key: fileKey, file_name: "台账 2026.xlsx" });
    expect(await lark.downloadMessageFile(messageId, fileKey, 1024)).toEqual({ kind: "ok", data: bytes });
    expect(await lark.downloadMessageFile(messageId, fileKey, 4)).toEqual({ kind: "too-large" });
    await expect(lark.uploadFile("empty.txt", Buffer.alloc(0), "stream")).rejects.toThrow();
  });

  it("refuses a PATCH of a message that is not the bot's card, and a request without the token", async () => {
    const lark = api();
    const textId = await lark.send({ chatId: CHAT }, { text: "文字" });
    await expect(lark.patchCard(textId, { schema: "2.0" })).rejects.toBeInstanceOf(LarkApiError);
    const bare = await fetch(`${standIn.url}/open-apis/im/v1/chats/${CHAT}`);
    expect(await bare.json()).toMatchObject({ code: 99991663 });
  });
});
