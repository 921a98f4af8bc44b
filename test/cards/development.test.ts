import { describe, expect, it } from "vitest";
import { CARD_MAX_ELEMENTS, CARD_TARGET_BYTES, cardSize, countElements } from "../../src/cards/common.js";
import { developmentStepFormCard, developmentTimelineCard } from "../../src/cards/development.js";
import type { DevelopmentTimelineView, StepFormView } from "../../src/presenters/development.js";
import { byTag, markdownText } from "./helpers.js";

const HOSTILE = '<at user_id="all"></at>**粗体**[链接](https://evil.example)';

function timeline(overrides: Partial<DevelopmentTimelineView> = {}): DevelopmentTimelineView {
  return {
    branchId: "B1",
    openId: "ou_zhou",
    name: "小周",
    stage: "入党积极分子",
    status: "入党积极分子",
    done: [
      { date: "2025-01-10", step: "入党申请", detail: "", by: "王书记", overrides: [] },
      {
        date: "2025-03-01",
        step: "谈话",
        detail: HOSTILE,
        by: HOSTILE,
        overrides: [{ message: "谈话应在收到入党申请后1 个月内进行（已超出 19 天）", reason: HOSTILE }],
      },
    ],
    probationEnd: "",
    next: [
      {
        step: "assessment",
        zh: "考察",
        earliest: "",
        latest: "2025-09-02",
        note: "每半年一次",
        overdue: true,
      },
      { step: "target", zh: "确定发展对象", earliest: "2026-03-02", latest: "", note: "", overdue: false },
    ],
    ...overrides,
  };
}

describe("developmentTimelineCard", () => {
  it("shows done steps with who recorded them and overrides, next steps with windows and a button each", () => {
    const card = developmentTimelineCard(timeline());
    const { zh } = markdownText(card);
    expect(zh).toContain("2025-01-10 **入党申请** · 登记：王书记");
    expect(zh).toContain("⚠ 破例：谈话应在收到入党申请后1 个月内进行（已超出 19 天）；理由：");
    expect(zh).toContain("⚠️ 已逾期 **考察**　最迟 2025-09-02");
    expect(zh).toContain("**确定发展对象**　2026-03-02 起");
    const values = byTag(card, "button").map(
      (b) => (b.behaviors as { value: Record<string, unknown> }[])[0]!.value,
    );
    expect(values).toEqual([
      { action: "development.form", branchId: "B1", openId: "ou_zhou", step: "assessment" },
      { action: "development.form", branchId: "B1", openId: "ou_zhou", step: "target" },
    ]);
  });

  it("escapes what people typed: no mention, bold or link survives", () => {
    const { zh } = markdownText(developmentTimelineCard(timeline()));
    expect(zh).not.toContain('<at user_id="all">');
    expect(zh).not.toContain("[链接](");
    expect(zh).toContain('\\<at user\\_id="all"\\>\\</at\\>\\*\\*粗体');
  });

  it("stays within Lark's limits for a long record, listing the latest steps", () => {
    const done = Array.from({ length: 300 }, (_, i) => ({
      date: `2025-01-${String((i % 28) + 1).padStart(2, "0")}`,
      step: "思想汇报",
      detail: "汇".repeat(300),
      by: "王书记",
      overrides: [],
    }));
    const card = developmentTimelineCard(timeline({ done }));
    expect(cardSize(card)).toBeLessThanOrEqual(CARD_TARGET_BYTES);
    expect(countElements(card)).toBeLessThanOrEqual(CARD_MAX_ELEMENTS);
    expect(markdownText(card).zh).toMatch(/较早的 \d+ 步未列出/);
  });
});

describe("developmentStepFormCard", () => {
  const form = (overrides: Partial<StepFormView> = {}): StepFormView => ({
    branchId: "B1",
    openId: "ou_zhou",
    name: "小周",
    step: "activist",
    stepZh: "确定入党积极分子",
    today: "2026-03-01",
    fields: ["contacts"],
    contacts: [
      { openId: "ou_sec", name: "王书记" },
      { openId: "ou_c1", name: "联系人甲" },
    ],
    window: { earliest: "2025-01-10", latest: "", note: "经推荐、支委会研究确定" },
    ...overrides,
  });

  it("asks for the step's own fields and submits to development.record", () => {
    const activist = developmentStepFormCard(form());
    expect(byTag(activist, "select_person").map((p) => [p.name, p.required])).toEqual([
      ["contact1", true],
      ["contact2", false],
    ]);
    expect(byTag(activist, "date_picker")[0]!.initial_date).toBe("2026-03-01");
    expect(byTag(activist, "input").map((i) => i.name)).toEqual(["notes", "documents", "reason"]);
    const submit = byTag(activist, "button")[0]!;
    expect(submit.form_action_type).toBe("submit");
    expect((submit.behaviors as { value: unknown }[])[0]!.value).toEqual({
      action: "development.record",
      branchId: "B1",
      openId: "ou_zhou",
      step: "activist",
    });
    const training = developmentStepFormCard(
      form({ step: "training", stepZh: "集中培训", fields: ["training"] }),
    );
    expect(byTag(training, "input").map((i) => i.name)).toEqual([
      "days",
      "hours",
      "notes",
      "documents",
      "reason",
    ]);
    const meeting = developmentStepFormCard(
      form({ step: "meeting", stepZh: "支部大会讨论接收", fields: ["result"] }),
    );
    expect(byTag(meeting, "select_static")[0]!.name).toBe("result");
    const extension = developmentStepFormCard(
      form({ step: "extension", stepZh: "延长预备期", fields: ["months"] }),
    );
    expect(byTag(extension, "input")[0]!.name).toBe("months");
  });
});
