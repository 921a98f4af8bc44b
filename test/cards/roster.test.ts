import { describe, expect, it } from "vitest";
import { CARD_MAX_BYTES, CARD_MAX_ELEMENTS, countElements } from "../../src/cards/common.js";
import {
  editMemberCard,
  ROSTER_ACTIONS,
  SYNC_CARD_MAX_MATCHES,
  SYNC_CARD_MAX_ROWS,
  syncCard,
} from "../../src/cards/roster.js";
import { sendBodyBytes } from "./helpers.js";

const longName = (i: number) => `${"很长的名字".repeat(20)}${i}*_[x](y)`;

describe("syncCard", () => {
  it("stays within Lark's limits with many people waiting and long hostile names", () => {
    const card = syncCard({
      branchId: "B1",
      branchName: "第一党支部".repeat(20),
      summary: "名册已同步：在册 300 人，新增 300 人，离群转为不在册 0 人。",
      unconfirmed: Array.from({ length: 300 }, (_, i) => ({
        openId: `ou_${"x".repeat(30)}${i}`,
        name: longName(i),
      })),
      matches: Array.from({ length: 50 }, (_, i) => ({
        openId: `ou_${"y".repeat(30)}${i}`,
        name: longName(i),
        offlineKey: `offline_${"a".repeat(10)}`,
      })),
    });
    expect(countElements(card)).toBeLessThanOrEqual(CARD_MAX_ELEMENTS);
    expect(sendBodyBytes(card)).toBeLessThanOrEqual(CARD_MAX_BYTES);
    const text = JSON.stringify(card);
    expect(text).toContain("另有 290 人");
    expect(text.match(/roster\.link/g)).toHaveLength(SYNC_CARD_MAX_MATCHES);
    expect(text).not.toContain("[x](y)");
    const form = (card.body.elements as { tag: string; elements?: { tag: string }[] }[]).find(
      (e) => e.tag === "form",
    )!;
    expect(form.elements!.filter((e) => e.tag === "column_set")).toHaveLength(SYNC_CARD_MAX_ROWS);
  });

  it("says nobody waits when nobody does", () => {
    const card = syncCard({
      branchId: "B1",
      branchName: "支部",
      summary: "已确认 1 人的身份：张三。",
      unconfirmed: [],
      matches: [],
    });
    expect(JSON.stringify(card)).toContain("名册中已没有待确认的人");
    expect(JSON.stringify(card)).not.toContain(ROSTER_ACTIONS.confirm);
  });
});

describe("editMemberCard", () => {
  it("pre-fills the record and carries the branch and the person", () => {
    const card = editMemberCard({
      branchId: "B1",
      openId: "offline_ab",
      name: "老刘",
      status: "probationary",
      statusSince: "2026-07-01",
      profile: {
        gender: "男",
        ethnicity: "汉族",
        birthMonth: "1950-03",
        education: "",
        joinedAt: "2026-07-01",
        fullAt: "",
        partyPost: "",
        phone: "13812345678",
      },
    });
    const text = JSON.stringify(card);
    expect(text).toContain('"initial_option":"probationary"');
    expect(text).toContain('"default_value":"1950-03"');
    expect(text).toContain(`"action":"${ROSTER_ACTIONS.edit}","branchId":"B1","openId":"offline_ab"`);
    expect(countElements(card)).toBeLessThanOrEqual(CARD_MAX_ELEMENTS);
  });
});
