import { beforeAll, describe, expect, it } from "vitest";
import type { Development } from "../../src/db/models/development.js";
import type { Member } from "../../src/db/models/member.js";
import { seedMembers } from "../helpers/factories.js";
import { useBot } from "./harness.js";

/** 发展党员 cards over signed, encrypted webhooks: the timeline, its buttons, a step's form and its submit. */
const h = useBot("http_development_forms", { now: "2026-03-01T02:00:00Z" });

const SEC = { openId: "ou_df_sec", name: "王书记" };
const C1 = { openId: "ou_df_c1", name: "联系人甲" };
const MEMBER = { openId: "ou_df_m", name: "普通党员" };
const CHAT = "oc_df_1";
const say = (text: string) => h.t.say({ text, sender: SEC.openId, chatId: CHAT });
const lastCard = () => JSON.parse(h.lark.replyTexts().at(-1) ?? "{}") as Record<string, unknown>;

type El = Record<string, unknown> & { tag?: string };
/** Every element of a card, depth first. */
function elements(node: unknown): El[] {
  if (Array.isArray(node)) return node.flatMap(elements);
  if (!node || typeof node !== "object") return [];
  const el = node as El;
  return [...(el.tag ? [el] : []), ...Object.values(el).flatMap(elements)];
}
const buttonValue = (card: unknown, step: string) =>
  (
    elements(card).find(
      (e) => e.tag === "button" && JSON.stringify(e.behaviors).includes(`"step":"${step}"`),
    )!.behaviors as { value: Record<string, unknown> }[]
  )[0]!.value;

let branchId = "";
/** The steps recorded for 小周, in order. */
async function steps() {
  const person = (await h.t.db.models.Member.findOne({ branchId, name: "小周" }).lean<Member>())!;
  const record = await h.t.db.models.Development.findOne({
    branchId,
    openId: person.openId,
  }).lean<Development>();
  return (record?.steps ?? []).map((s) => s.step);
}

beforeAll(async () => {
  h.lark
    .chatOwner(CHAT, SEC.openId)
    .chatMembers(CHAT, [[SEC, C1, MEMBER]])
    .expectReply();
  await say("/绑定 表单支部");
  branchId = (await h.t.db.models.Branch.findOne({ chatId: CHAT }).lean())!._id;
  for (const m of [C1, MEMBER]) {
    if (!(await h.t.db.models.Member.findOne({ branchId, openId: m.openId }))) {
      await seedMembers(h.t.db.models, [{ branchId, ...m }]);
    }
  }
  await h.t.db.models.Member.updateMany({ branchId }, { $set: { status: "full" } });
  h.lark.expectReply(3);
  await say("/党员 添加 小周 申请人");
  await say("/发展 登记 小周 申请 2025-01-10");
  await say("/发展 登记 小周 谈话 2025-01-20");
});

describe("发展党员 cards over HTTP", () => {
  it("shows the timeline card, opens a step's form from its button and records the step by form, once", async () => {
    h.lark.expectReply();
    await say("/发展 查看 小周");
    const timeline = lastCard();
    const text = JSON.stringify(timeline);
    expect(text).toContain("2025-01-10 **入党申请**");
    expect(text).toContain("登记：王书记");
    expect(text).toContain("**确定入党积极分子**　2025-01-10 起");

    // The button sends the form as a reply to the timeline, through the outbox; twice is once.
    h.lark.expectReply();
    const value = buttonValue(timeline, "activist");
    for (let i = 0; i < 2; i++) {
      const opened = await h.t.click({
        operator: SEC.openId,
        value,
        messageId: "om_df_timeline",
        chatId: CHAT,
      });
      expect(opened.body.toast).toEqual({ type: "success", content: "已发送登记表" });
    }
    await h.t.bot.deps.delivery.idle();
    const form = lastCard();
    expect(JSON.stringify((form.header as El).title)).toContain("登记确定入党积极分子 · 小周");
    const pickers = elements(form).filter((e) => e.tag === "select_person");
    expect(pickers).toHaveLength(2);
    const options = (pickers[0]!.options as { value: string }[]).map((o) => o.value);
    expect(options).toEqual(expect.arrayContaining([SEC.openId, C1.openId, MEMBER.openId]));
    expect(elements(form).find((e) => e.tag === "date_picker")!.initial_date).toBe("2026-03-01");

    const submit = elements(form).find((e) => e.form_action_type === "submit")!;
    const submitValue = (submit.behaviors as { value: Record<string, unknown> }[])[0]!.value;
    const formValue = {
      date: "2025-03-02 +0800",
      contact1: C1.openId,
      contact2: SEC.openId,
      notes: '支委会研究确定 <at user_id="all"></at>',
      documents: "入党志愿书、推荐表",
    };
    const done = await h.t.click({
      operator: SEC.openId,
      value: submitValue,
      formValue,
      messageId: "om_df_form_1",
      chatId: CHAT,
    });
    expect(done.body.toast.type).toBe("success");
    expect(done.body.toast.content).toContain(
      "已登记：小周 2025-03-02 确定入党积极分子。当前阶段：入党积极分子。",
    );
    expect(JSON.stringify(done.body.card.data)).toContain("名册身份已改为入党积极分子");
    const person = (await h.t.db.models.Member.findOne({ branchId, name: "小周" }).lean<Member>())!;
    expect(person.status).toBe("activist");
    const record = (await h.t.db.models.Development.findOne({
      branchId,
      openId: person.openId,
    }).lean<Development>())!;
    const activist = record.steps.find((s) => s.step === "activist")!;
    expect(activist.contacts).toEqual([C1.openId, SEC.openId]);
    expect(activist.documents).toEqual(["入党志愿书", "推荐表"]);
    expect(activist.by).toBe(SEC.openId);

    // A double submit of the same form records nothing more.
    const again = await h.t.click({
      operator: SEC.openId,
      value: submitValue,
      formValue,
      messageId: "om_df_form_1",
      chatId: CHAT,
    });
    expect(again.body.toast).toEqual({ type: "success", content: "此表单已登记过，未重复登记" });
    expect(await steps()).toEqual(["application", "talk", "activist"]);
  });

  it("sends the next step's form for /发展 登记 without a step; a repeated step submitted twice is one", async () => {
    h.lark.expectReply();
    await say("/发展 登记 小周");
    const form = lastCard();
    expect(JSON.stringify((form.header as El).title)).toContain("登记考察 · 小周");
    const submit = elements(form).find((e) => e.form_action_type === "submit")!;
    const value = (submit.behaviors as { value: Record<string, unknown> }[])[0]!.value;
    for (let i = 0; i < 2; i++) {
      const answer = await h.t.click({
        operator: SEC.openId,
        value,
        formValue: { date: "2025-09-01 +0800" },
        messageId: "om_df_form_2",
        chatId: CHAT,
      });
      expect(answer.body.toast.type).toBe("success");
    }
    expect(await steps()).toEqual(["application", "talk", "activist", "assessment"]);
  });

  it("refuses a step that breaks a time rule with a toast naming the rule, and refuses a member", async () => {
    const person = (await h.t.db.models.Member.findOne({ branchId, name: "小周" }).lean<Member>())!;
    const value = { action: "development.record", branchId, openId: person.openId, step: "target" };
    const refused = await h.t.click({
      operator: SEC.openId,
      value,
      formValue: { date: "2026-03-01 +0800" },
      messageId: "om_df_form_3",
      chatId: CHAT,
    });
    expect(refused.body.toast.type).toBe("error");
    expect(refused.body.toast.content).toContain("积极分子培养不满一年（还差 1 天）");
    expect(refused.body.toast.content).toContain("破例理由");
    expect(await steps()).toEqual(["application", "talk", "activist", "assessment"]);

    const byMember = await h.t.click({
      operator: MEMBER.openId,
      value,
      formValue: { date: "2026-03-01 +0800", reason: "我想" },
      messageId: "om_df_form_4",
      chatId: CHAT,
    });
    expect(byMember.body.toast).toEqual({
      type: "error",
      content: "抱歉，只有支部书记可以登记发展党员步骤。",
    });

    // With a reason the secretary overrides it; the reason is on the timeline.
    const overridden = await h.t.click({
      operator: SEC.openId,
      value,
      formValue: { date: "2026-03-01 +0800", reason: "工作需要" },
      messageId: "om_df_form_5",
      chatId: CHAT,
    });
    expect(overridden.body.toast.type).toBe("success");
    h.lark.expectReply();
    await say("/发展 查看 小周");
    expect(JSON.stringify(lastCard())).toContain("⚠ 破例：积极分子培养不满一年（还差 1 天）；理由：工作需要");
  });
});
