import ExcelJS from "exceljs";
import nock from "nock";
import { beforeAll, describe, expect, it } from "vitest";
import { rosterImportsIdle, rosterImportTiming } from "../../src/actions/rosterImport.js";
import { LARK_BASE } from "../helpers/larkMock.js";
import { messageEvent } from "../helpers/larkPayloads.js";
import { cardButtons } from "../helpers/roles.js";
import { TEST_TOKEN } from "../helpers/testBot.js";
import { useBot } from "./harness.js";
import { confirmSyncedAsFull } from "../helpers/roles.js";
import { ROSTER_COLUMNS } from "../../src/domain/rosterRows.js";

const CHAT = "oc_roster_import";
const P2P = "oc_p2p_roster_sec";
const SEC = { openId: "ou_ri_sec", name: "何书记" };
const ZHANG = { openId: "ou_ri_zhang", name: "张三" };
const LI = { openId: "ou_ri_li", name: "李四" };
const h = useBot("http_roster_import", { now: "2026-11-02T02:00:00Z" });

const HEADERS = ROSTER_COLUMNS.map((column) => column.header);

async function workbook(rows: unknown[][]): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet("名册");
  sheet.addRow(HEADERS);
  for (const row of rows) sheet.addRow(row);
  return Buffer.from((await book.xlsx.writeBuffer()) as ArrayBuffer);
}

let seq = 0;
/** A file message in the private chat, signed, with its download intercepted (binary body). */
async function sendFile(
  fileName: string,
  data: Buffer | null,
  options: { chatType?: "p2p" | "group"; sender?: string } = {},
) {
  const messageId = `om_roster_file_${++seq}`;
  const fileKey = `file_v3_roster_${seq}`;
  if (data) {
    nock(LARK_BASE)
      .get(`/open-apis/im/v1/messages/${messageId}/resources/${fileKey}`)
      .query({ type: "file" })
      .reply(200, data, {
        "content-type": "application/octet-stream",
        "content-length": String(data.length),
      });
  }
  const chatType = options.chatType ?? "p2p";
  const event = messageEvent({
    text: "",
    sender: options.sender ?? SEC.openId,
    chatId: chatType === "p2p" ? P2P : CHAT,
    chatType,
    messageId,
    token: TEST_TOKEN,
  });
  event.event.message = {
    ...event.event.message,
    message_type: "file",
    content: JSON.stringify({ file_key: fileKey, file_name: fileName }),
    mentions: [],
  };
  const response = await h.t.post("/webhook/event", event);
  expect(response.status).toBe(200);
  await h.t.bot.inbox.idle();
  return messageId;
}

const lastCard = () => JSON.parse(String(h.lark.replies.at(-1)!.body.content)) as Record<string, unknown>;
const members = () => h.t.db.models.Member.find({}).sort({ openId: 1 }).lean();

const FIXED = [
  [
    "张三",
    "预备党员",
    "第一党小组",
    "男",
    "汉族",
    "1990-05",
    "大学本科",
    "2026-06-01",
    null,
    null,
    "13800000001",
  ],
  ["孙一", "正式党员", null, "女", null, null, null, "1980-07-01", "1981-07-01"],
  ["周二", "入党积极分子"],
  ["吴三", "群众"],
];

beforeAll(async () => {
  h.lark
    .chatOwner(CHAT, SEC.openId)
    .chatMembers(CHAT, [[SEC, ZHANG, LI]])
    .expectReply();
  await h.t.say({ sender: SEC.openId, chatId: CHAT, text: "/绑定 第七党支部" });
  h.lark.chatMembers(CHAT, [[SEC, ZHANG, LI]]).expectReply();
  await h.t.say({ sender: SEC.openId, chatId: CHAT, text: "/党员 同步" });
  await confirmSyncedAsFull(h.t, CHAT);
  h.lark.replies.length = 0;
});

describe("a roster from Excel through signed webhooks", () => {
  it("/党员 模板 uploads the workbook and replies with the file", async () => {
    let uploaded = "";
    nock(LARK_BASE)
      .post("/open-apis/im/v1/files", (body: unknown) => {
        uploaded = String(body);
        return true;
      })
      .reply(200, { code: 0, msg: "success", data: { file_key: "file_v2_template" } });
    h.lark.expectReply();
    await h.t.say({ sender: SEC.openId, chatId: P2P, chatType: "p2p", text: "/党员 模板" });
    expect(uploaded.length).toBeGreaterThan(1000);
    expect(h.lark.replies.at(-1)!.body).toMatchObject({
      msg_type: "file",
      content: JSON.stringify({ file_key: "file_v2_template" }),
    });
  });

  it("a file with errors gets a preview listing each bad row, no 确认导入, and writes nothing", async () => {
    const before = await members();
    h.lark.expectReply();
    await sendFile(
      "名册.xlsx",
      await workbook([
        ["张三", "党员"],
        ["孙一", "正式党员", null, null, null, null, null, "1980-07-01", "1979-01-01"],
        ["孙一", "群众"],
      ]),
    );
    const card = JSON.stringify(lastCard());
    expect(card).toContain("有误 **3** 行");
    expect(card).toContain("第 2 行：身份：「党员」不是允许的身份");
    expect(card).toContain("第 3 行：转正日期：转正日期早于入党日期");
    expect(card).toContain("第 4 行：与第 3 行重复");
    expect(cardButtons(h.lark.replies.at(-1)!.body).map((v) => v.action)).toEqual(["roster.import.cancel"]);
    expect(await members()).toEqual(before);
  });

  it("a fixed file previews 3 new and 1 changed; 确认导入 applies it; the same file again changes nothing", async () => {
    h.lark.expectReply();
    await sendFile("名册.xlsx", await workbook(FIXED));
    const preview = JSON.stringify(lastCard());
    expect(preview).toContain("新增 **3** 人，变更 **1** 人");
    expect(preview).toContain("身份：正式党员 → 预备党员");
    expect(preview).toContain("联系方式：（空） → 13800000001");
    expect(preview).toContain("文件中没有的人");
    expect(preview).toContain("李四");
    const confirm = cardButtons(h.lark.replies.at(-1)!.body).find(
      (v) => v.action === "roster.import.confirm",
    )!;
    const click = await h.t.click({
      operator: SEC.openId,
      value: confirm,
      messageId: "om_preview_1",
      chatId: P2P,
    });
    expect(click.body).toMatchObject({ toast: { type: "success", content: "名册已导入" } });
    expect(JSON.stringify(click.body)).toContain("名册已导入");

    const roster = await members();
    expect(roster).toHaveLength(6);
    const zhang = roster.find((m) => m.openId === ZHANG.openId)!;
    expect(zhang).toMatchObject({
      status: "probationary",
      partyGroup: "第一党小组",
      profile: { phone: "13800000001", birthMonth: "1990-05" },
    });
    expect(zhang.statusHistory).toMatchObject([
      { status: "full", reason: "测试：同步后确认" },
      { status: "probationary", by: SEC.openId, reason: "名册导入" },
    ]);
    const offline = roster.filter((m) => !m.onFeishu);
    expect(offline.map((m) => m.name).sort()).toEqual(["吴三", "周二", "孙一"].sort());
    expect(offline.every((m) => m.openId.startsWith("offline_"))).toBe(true);
    // Nobody deleted, nobody deactivated.
    expect(roster.every((m) => m.active)).toBe(true);

    // A second click (a crash mid-apply resumed, or a double click) writes nothing more.
    const again = await h.t.click({
      operator: SEC.openId,
      value: confirm,
      messageId: "om_preview_1",
      chatId: P2P,
    });
    expect(again.body).toMatchObject({ toast: { content: "该名册已导入过" } });
    expect(await members()).toEqual(roster);

    h.lark.expectReply();
    await sendFile("名册.xlsx", await workbook(FIXED));
    expect(JSON.stringify(lastCard())).toContain("新增 **0** 人，变更 **0** 人，无变化 4 人，有误 **0** 行");
  });

  it("refuses a file that is not .xlsx or over 5 MB, ignores files in a group, and refuses a member who is not a secretary", async () => {
    h.lark.expectReply();
    await sendFile("名册.pdf", null);
    expect(h.lark.replyTexts().at(-1)).toContain("只能导入 Excel 的 .xlsx 文件");
    h.lark.expectReply();
    await sendFile("大名册.xlsx", Buffer.alloc(5 * 1024 * 1024 + 1));
    expect(h.lark.replyTexts().at(-1)).toContain("文件超过 5 MB");
    await sendFile("名册.xlsx", null, { chatType: "group" });
    h.lark.expectReply();
    await sendFile("名册.xlsx", null, { sender: LI.openId });
    expect(h.lark.replyTexts().at(-1)).toContain("书记");
  });

  it("取消 discards the import and writes nothing", async () => {
    const before = await members();
    h.lark.expectReply();
    await sendFile("名册.xlsx", await workbook([["郑四", "群众"]]));
    const cancel = cardButtons(h.lark.replies.at(-1)!.body).find((v) => v.action === "roster.import.cancel")!;
    const click = await h.t.click({
      operator: SEC.openId,
      value: cancel,
      messageId: "om_preview_2",
      chatId: P2P,
    });
    expect(click.body).toMatchObject({ toast: { content: "已取消导入，名册未作改动" } });
    const confirm = { ...cancel, action: "roster.import.confirm" };
    const late = await h.t.click({
      operator: SEC.openId,
      value: confirm,
      messageId: "om_preview_2",
      chatId: P2P,
    });
    expect(late.body).toMatchObject({ toast: { content: "该导入已取消，请重新发送文件" } });
    expect(await members()).toEqual(before);
  });

  it("a roster too large to write within the click is answered at once, written after it, and the 书记 told", async () => {
    rosterImportTiming.inlineMs = 0;
    try {
      h.lark.expectReply();
      await sendFile(
        "名册.xlsx",
        await workbook([
          ["王大", "群众"],
          ["王二", "入党申请人"],
        ]),
      );
      const confirm = cardButtons(h.lark.replies.at(-1)!.body).find(
        (v) => v.action === "roster.import.confirm",
      )!;
      h.lark.expectSend();
      const click = await h.t.click({
        operator: SEC.openId,
        value: confirm,
        messageId: "om_preview_3",
        chatId: P2P,
      });
      expect(click.body).toMatchObject({ toast: { content: "正在导入，完成后私信通知" } });
      expect(JSON.stringify(click.body)).toContain("继续导入");
      await rosterImportsIdle();
      h.t.bot.delivery.wake();
      await h.t.bot.delivery.idle();
      expect(h.lark.sent.at(-1)).toMatchObject({
        receiveIdType: "open_id",
        body: { receive_id: SEC.openId },
      });
      expect(JSON.stringify(h.lark.sent.at(-1)!.body)).toContain("名册已导入：新增 2 人，变更 0 人。");
      expect((await members()).filter((m) => m.name === "王大" || m.name === "王二")).toHaveLength(2);
    } finally {
      rosterImportTiming.inlineMs = 2_000;
    }
  });
});
