import { describe, expect, it } from "vitest";
import { rosterImportCard } from "../../src/cards/rosterImport.js";
import { fitsLimits } from "../../src/cards/common.js";
import type { PlanOp } from "../../src/domain/rosterImport.js";

const LONG = "很长的名字".repeat(20);

describe("the roster import preview card", () => {
  it("stays within Lark's limits for a 2,000-row file with errors, new people and changes", () => {
    const ops: PlanOp[] = [];
    for (let i = 0; i < 1000; i++) {
      ops.push({
        kind: "new",
        row: i + 2,
        openId: `offline_x_${i}`,
        name: LONG,
        sets: {},
        status: "full",
        since: null,
      });
      ops.push({
        kind: "change",
        row: i + 1002,
        openId: `ou_${i}`,
        name: LONG,
        sets: {},
        changes: [
          { field: "phone", from: "13800000000", to: "13900000000" },
          { field: "partyGroup", from: LONG, to: LONG },
        ],
        status: null,
        since: null,
      });
    }
    const card = rosterImportCard({
      importId: "imp_om_x",
      fileName: `${LONG}.xlsx`,
      state: "pending",
      ops,
      errors: Array.from({ length: 2000 }, (_, i) => ({
        row: i + 2,
        message: `身份：「${LONG}」不是允许的身份`,
      })),
      missing: Array.from({ length: 500 }, (_, i) => ({ openId: `ou_m${i}`, name: LONG })),
      unchanged: 0,
    });
    expect(fitsLimits(card)).toBe(true);
    const text = JSON.stringify(card);
    expect(text).toContain("有误 **2000** 行");
    expect(text).toContain("……另有");
    // No 确认导入 while rows have errors.
    expect(text).not.toContain("roster.import.confirm");
  });

  it("escapes names and cell text from the file", () => {
    const card = rosterImportCard({
      importId: "imp_om_y",
      fileName: "a.xlsx",
      state: "pending",
      ops: [
        {
          kind: "new",
          row: 2,
          openId: "offline_y_2",
          name: '<at id="all"></at>[x](http://evil)',
          sets: {},
          status: "full",
          since: null,
        },
      ],
      errors: [],
      missing: [],
      unchanged: 0,
    });
    const text = JSON.stringify(card);
    expect(text).not.toContain('<at id=\\"all\\">');
    expect(text).not.toContain("[x](http://evil)");
    expect(text).toContain("roster.import.confirm");
  });
});
