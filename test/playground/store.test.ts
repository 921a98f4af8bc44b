import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fixedClock } from "../../src/domain/clock.js";
import { p2pChatId, PlaygroundStore } from "../../src/playground/store.js";

describe("the playground's store", () => {
  it("keeps people, chats, messages, cards and files across a restart; seq and uuids go on", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "zhibu-store-")), "lark.json");
    const clock = fixedClock("2027-03-10T02:00:00Z");
    const first = new PlaygroundStore(clock, file);
    first.addPerson({ openId: "ou_a", name: "王建国" });
    first.addGroup({ chatId: "oc_g", name: "第一党支部", memberOpenIds: ["ou_a"], ownerOpenId: "ou_a" });
    const said = first.post({
      chatId: "oc_g",
      from: "ou_a",
      msgType: "text",
      content: { text: "/帮助" },
    }).message;
    const card = first.post({
      chatId: "oc_g",
      from: "bot",
      msgType: "interactive",
      content: { v: 1 },
      uuid: "u1",
    });
    first.updateCard(card.message.messageId, { v: 2 });
    const upload = first.addFile({ fileName: "台账.xlsx", fileType: "xls", data: Buffer.from([0, 1, 255]) });
    first.flush();

    const second = new PlaygroundStore(clock, file);
    expect(second.chat(p2pChatId("ou_a"))).toMatchObject({ kind: "p2p", p2pOf: "ou_a" });
    expect(second.messagesOf("oc_g").map((m) => m.messageId)).toEqual([
      said.messageId,
      card.message.messageId,
    ]);
    expect(second.message(card.message.messageId)).toMatchObject({ content: { v: 2 }, seq: 3 });
    expect(second.file(upload.fileKey)?.data).toEqual(Buffer.from([0, 1, 255]));
    // A retried send after the restart shows nothing new; a new message continues the sequence.
    expect(
      second.post({ chatId: "oc_g", from: "bot", msgType: "interactive", content: {}, uuid: "u1" }),
    ).toMatchObject({ duplicate: true, message: { messageId: card.message.messageId } });
    expect(
      second.post({ chatId: "oc_g", from: "bot", msgType: "text", content: { text: "x" } }).message.seq,
    ).toBe(4);
    expect(second.messagesOf("oc_g", 3).map((m) => m.seq)).toEqual([4]);
  });
});
