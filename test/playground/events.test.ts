import { describe, expect, it } from "vitest";
import { normalizeCardAction, normalizeMessage } from "../../src/lark/normalize.js";
import { cardActionEvent, messageEvent } from "../../src/playground/events.js";
import { BOT_OPEN_ID, p2pChatId, type PlaygroundChat } from "../../src/playground/store.js";

/** What the playground sends the bot parses as Lark's own events do (the SDK hands header + event merged). */
const APP = { appId: "cli_0123456789abcdef", verificationToken: "token" };
const AT = new Date("2027-03-10T02:00:00Z");
const PEOPLE = [
  { openId: "ou_wang", name: "王建国" },
  { openId: "ou_zhang", name: "张伟" },
  { openId: "ou_zhangwei2", name: "张伟民" },
];
const GROUP: PlaygroundChat = { chatId: "oc_group", name: "第一党支部", kind: "group", memberOpenIds: [] };
const merged = (event: { header: object; event: object }) => ({ ...event.header, ...event.event });

const say = (text: string, chat: PlaygroundChat = GROUP, mentionOpenIds?: string[]) =>
  messageEvent(APP, {
    messageId: "om_1",
    chat,
    sender: "ou_wang",
    text,
    people: PEOPLE,
    mentionOpenIds,
    at: AT,
  });

describe("the playground's events", () => {
  it("addresses the bot in a group with or without @支部助手, and never twice", () => {
    for (const text of ["/帮助", "@支部助手 /帮助"]) {
      const event = say(text);
      expect(event.header).toMatchObject({
        event_type: "im.message.receive_v1",
        app_id: APP.appId,
        token: "token",
      });
      const message = normalizeMessage(merged(event))!;
      expect(message).toMatchObject({
        text: "/帮助",
        addressed: true,
        chatType: "group",
        senderOpenId: "ou_wang",
      });
      expect(message.mentions).toEqual([]);
      expect(event.event.message.mentions.map((m) => m.id.open_id)).toEqual([BOT_OPEN_ID]);
    }
  });

  it("turns @姓名 into mentions, the longest name first, and adds mentionOpenIds", () => {
    const message = normalizeMessage(merged(say("/角色 @张伟民 支委 @张伟", GROUP, ["ou_wang"])))!;
    expect(message.text).toBe("/角色 @_user_2 支委 @_user_3 @_user_4");
    expect(message.mentions.map((m) => [m.openId, m.name])).toEqual([
      ["ou_zhangwei2", "张伟民"],
      ["ou_zhang", "张伟"],
      ["ou_wang", "王建国"],
    ]);
  });

  it("sends a private message without a bot mention", () => {
    const chat: PlaygroundChat = {
      chatId: p2pChatId("ou_wang"),
      name: "",
      kind: "p2p",
      memberOpenIds: ["ou_wang"],
    };
    const message = normalizeMessage(merged(say("/我的", chat)))!;
    expect(message).toMatchObject({ text: "/我的", addressed: true, chatType: "p2p", mentions: [] });
    expect(message.createdAt).toEqual(AT);
  });

  it("builds a card callback with the value, the form's values and the message it came from", () => {
    const event = cardActionEvent(APP, {
      operator: "ou_zhang",
      messageId: "om_card",
      chatId: "oc_group",
      value: { action: "meeting.rsvp", meetingId: "M1", response: "leave" },
      formValue: { reason: "出差" },
      timeZone: "Asia/Shanghai",
      at: AT,
    });
    expect(normalizeCardAction(merged(event))).toMatchObject({
      operatorOpenId: "ou_zhang",
      value: { action: "meeting.rsvp", meetingId: "M1", response: "leave" },
      formValue: { reason: "出差" },
      messageId: "om_card",
      chatId: "oc_group",
    });
  });
});
