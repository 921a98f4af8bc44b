import { beforeAll, describe, expect, it } from "vitest";
import ExcelJS from "exceljs";
import { buildLedger } from "../../src/presenters/ledger.js";
import { parsePeriod } from "../../src/domain/period.js";
import { confirmSyncedAsFull } from "../helpers/roles.js";
import { tagged } from "../cards/helpers.js";
import { useBot } from "./harness.js";

/** 主持人 and 记录人: by command (with @ or a name), corrected later, picked on the form, in the 台账. */
const h = useBot("meeting_people", { now: "2026-11-23T02:00:00Z" });

const CHAT = "oc_people_chat";
const SEC = { openId: "ou_pp_sec", name: "王书记" };
const ZHANG = { openId: "ou_pp_zhang", name: "张三" };
const LI = { openId: "ou_pp_li", name: "李四" };
const OUTSIDER = { openId: "ou_pp_outsider", name: "外人" };
const say = (text: string, mentions: { openId: string; name: string }[] = []) =>
  h.t.say({ sender: SEC.openId, chatId: CHAT, text, mentions });
const lastReply = () => h.lark.replyTexts().at(-1) ?? "";
const cardText = (body: { content?: unknown }) => JSON.stringify(JSON.parse(String(body.content)));

beforeAll(async () => {
  h.t.lark
    .chatOwner(CHAT, SEC.openId)
    .chatMembers(CHAT, [[SEC, ZHANG, LI]])
    .expectReply();
  await say("/绑定 主持记录支部");
  h.t.lark.chatMembers(CHAT, [[SEC, ZHANG, LI]]).expectReply();
  await say("/党员 同步");
  await confirmSyncedAsFull(h.t, CHAT);
});

describe("主持人 and 记录人 over HTTP", () => {
  it("takes them from the one-line command and shows them on the card", async () => {
    h.lark.expectSend(1, ["om_pp_card_1"]).expectReply();
    await say("/会议 新建 支部党员大会 2026-11-24 14:30 学习全会精神 主持人=@张三 记录人=@李四", [ZHANG, LI]);
    expect(lastReply()).toContain("已创建会议 M1");
    const meeting = await h.t.db.models.Meeting.findOne({ cardMessageId: "om_pp_card_1" }).lean();
    expect(meeting).toMatchObject({ number: 1, host: ZHANG.openId, recorder: LI.openId });
    const card = cardText(h.lark.sent.at(-1)!.body);
    expect(card).toContain("**主持人**：张三");
    expect(card).toContain("**记录人**：李四");
  });

  it("corrects them with /会议 修改, by @ or by name, and clears one with 无", async () => {
    h.lark.expectReply().allowPatches();
    await say("/会议 修改 M1 主持人=@李四 记录人=无", [LI]);
    expect(lastReply()).toBe("会议 M1 已更新：主持人 李四，记录人 未指定。");
    await h.t.bot.inbox.idle();
    const patched = cardText(h.lark.patches.at(-1)!.body);
    expect(patched).toContain("**主持人**：李四");
    expect(patched).not.toContain("**记录人**");

    h.lark.expectReply();
    await say("/会议 修改 M1 记录人=张三");
    expect(lastReply()).toBe("会议 M1 已更新：主持人 李四，记录人 张三。");
  });

  it("refuses someone not on the roster and an edit that names nothing, writing nothing", async () => {
    h.lark.expectReply(2);
    await say("/会议 修改 M1 主持人=@外人", [OUTSIDER]);
    expect(lastReply()).toContain("主持人不是本支部的在册人员");
    await say("/会议 修改 M1");
    expect(lastReply()).toContain("请写明要修改的项");
    const meeting = await h.t.db.models.Meeting.findOne({ cardMessageId: "om_pp_card_1" }).lean();
    expect(meeting).toMatchObject({ host: LI.openId, recorder: ZHANG.openId });
  });

  it("offers the roster on the form and records the picked host and recorder", async () => {
    h.lark.expectReply();
    await say("/会议 新建");
    const form = JSON.parse(String(h.lark.replies.at(-1)!.body.content)) as unknown;
    const hostField = tagged(form).find((e) => e.name === "host") as { options: { value: string }[] };
    expect(hostField.options.map((o) => o.value).sort()).toEqual(
      [LI.openId, SEC.openId, ZHANG.openId].sort(),
    );

    const submit = (host: string, messageId: string) =>
      h.t.click({
        operator: SEC.openId,
        value: { action: "meeting.create" },
        formValue: {
          type: "committee",
          title: "研究发展工作",
          date: "2026-11-27 +0800",
          time: "19:00 +0800",
          host,
          recorder: ZHANG.openId,
        },
        messageId,
        chatId: CHAT,
      });
    const refused = await submit(OUTSIDER.openId, "om_pp_form_bad");
    expect(refused.body.toast).toMatchObject({ type: "error", content: "主持人不是本支部的在册人员" });
    expect(await h.t.db.models.Meeting.countDocuments({ sourceKey: "form:om_pp_form_bad" })).toBe(0);

    h.lark.expectSend(1, ["om_pp_card_2"]);
    const created = await submit(SEC.openId, "om_pp_form_ok");
    expect(created.body.toast).toMatchObject({ type: "success", content: "已创建会议 M2" });
    await h.t.bot.inbox.idle();
    const m2 = await h.t.db.models.Meeting.findOne({ sourceKey: "form:om_pp_form_ok" }).lean();
    expect(m2).toMatchObject({ number: 2, host: SEC.openId, recorder: ZHANG.openId });
  });

  it("writes them into the ledger's 会议 sheet", async () => {
    const branch = (await h.t.db.models.Branch.findOne({ chatId: CHAT }).lean())!;
    const { buffer } = await buildLedger(h.t.db.models, {
      branchId: branch._id,
      period: parsePeriod("2026-11", "Asia/Shanghai")!,
      now: h.t.clock.now(),
      timeZone: "Asia/Shanghai",
    });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(buffer as never);
    const sheet = workbook.getWorksheet("会议")!;
    const header = (sheet.getRow(2).values as unknown[]).map(String);
    const column = (name: string) => header.indexOf(name);
    expect(column("主持人")).toBe(column("地点") + 1);
    expect(column("记录人")).toBe(column("主持人") + 1);
    const rows = [3, 4].map((r) => sheet.getRow(r));
    const cells = rows.map((row) => [
      row.getCell(column("编号")).text,
      row.getCell(column("主持人")).text,
      row.getCell(column("记录人")).text,
    ]);
    expect(cells).toEqual([
      ["M1", "李四", "张三"],
      ["M2", "王书记", "张三"],
    ]);
  });
});
