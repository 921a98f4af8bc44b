import { describe, expect, it } from "vitest";
import ExcelJS from "exceljs";
import type { Member } from "../../src/db/models/member.js";
import { buildLedger } from "../../src/presenters/ledger.js";
import { seedMembers } from "../helpers/factories.js";
import { parsePeriod } from "../../src/domain/period.js";
import { useBot } from "./harness.js";

/** 发展党员 through signed, encrypted webhooks: steps registered, a refusal, an override, the timeline. */
const h = useBot("http_development_story");

const SEC = { openId: "ou_dv_sec", name: "王书记" };
const C1 = { openId: "ou_dv_c1", name: "联系人甲" };
const CHAT = "oc_dv_1";
const say = (text: string, mentions: { openId: string; name: string }[] = []) =>
  h.t.say({ text, sender: SEC.openId, chatId: CHAT, mentions });
const lastReply = () => h.lark.replyTexts().at(-1) ?? "";

describe("/发展 over HTTP", () => {
  it("registers steps, refuses one that breaks a rule, records an override and shows the timeline", async () => {
    h.lark
      .chatOwner(CHAT, SEC.openId)
      .chatMembers(CHAT, [[SEC, C1]])
      .expectReply();
    await say("/绑定 发展支部");
    const branch = (await h.t.db.models.Branch.findOne({ chatId: CHAT }).lean())!;
    if (!(await h.t.db.models.Member.findOne({ branchId: branch._id, openId: C1.openId }))) {
      await seedMembers(h.t.db.models, [{ branchId: branch._id, ...C1 }]);
    }
    await h.t.db.models.Member.updateMany({ branchId: branch._id }, { $set: { status: "full" } });

    h.lark.expectReply(7);
    await say("/党员 添加 小周 申请人");
    await say("/发展 登记 小周 申请 2025-01-10");
    expect(lastReply()).toContain("已登记：小周 2025-01-10 入党申请。");
    await say("/发展 登记 小周 谈话 2025-03-01");
    expect(lastReply()).toContain("谈话应在收到入党申请后1 个月内进行（已超出 19 天）");
    expect(lastReply()).toContain("理由");
    await say("/发展 登记 小周 谈话 2025-03-01 理由 申请人出国学习");
    expect(lastReply()).toContain("⚠ 破例登记");
    await say("/发展 登记 小周 积极分子 2025-03-02 @王书记 @联系人甲", [SEC, C1]);
    expect(lastReply()).toContain("名册身份已改为入党积极分子");
    await say("/发展 登记 小周 发展对象 2026-03-01");
    expect(lastReply()).toContain("积极分子培养不满一年（还差 1 天）");
    await say("/发展 查看 小周");
    // The timeline is a card now (test/http/developmentForms.test.ts follows its buttons).
    const timeline = lastReply();
    expect(JSON.parse(timeline).header.title.i18n_content.zh_cn).toBe("发展党员 · 小周");
    expect(timeline).toContain("2025-03-01 **谈话**");
    expect(timeline).toContain(
      "破例：谈话应在收到入党申请后1 个月内进行（已超出 19 天）；理由：申请人出国学习",
    );
    expect(timeline).toContain("培养联系人 王书记、联系人甲");
    expect(timeline).toContain("**确定发展对象**　2026-03-02 起");

    const person = (await h.t.db.models.Member.findOne({
      branchId: branch._id,
      name: "小周",
    }).lean<Member>())!;
    expect(person.status).toBe("activist");

    h.lark.expectReply(1);
    await h.t.say({ text: "/发展", sender: C1.openId, chatId: CHAT });
    expect(lastReply()).toBe("抱歉，此命令仅限支部书记使用。");

    // The ledger's 发展 sheet, read back.
    const { buffer, rows } = await buildLedger(h.t.db.models, {
      branchId: branch._id,
      period: parsePeriod("2026", "Asia/Shanghai")!,
      timeZone: "Asia/Shanghai",
      now: new Date("2026-11-23T02:00:00Z"),
    });
    expect(rows.发展).toBe(3);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(buffer as never);
    const sheet = book.getWorksheet("发展")!;
    const values = sheet.getRow(4).values as unknown[];
    expect(values).toContain("谈话");
    expect(values).toContain("申请人出国学习");
  });
});
