import { complianceReportText, complianceWarningText } from "../cards/stats.js";
import type { Branch } from "../db/models/branch.js";
import { branchCompliance, compliancePeriodsDue } from "../domain/compliance.js";
import { enqueueMessage } from "../delivery/outbox.js";
import { forEachIsolated, type Job } from "./types.js";
import { escapeText } from "../cards/escape.js";

/**
 * Daily: when a month, quarter or year is two thirds through and a 三会一课 requirement is still
 * open, the secretaries are warned once; when it has ended, they get the result once.
 */
export const complianceJob: Job = {
  name: "compliance",
  schedule: "0 8 * * *",
  catchUp: true,
  async run(ctx) {
    const { deps } = ctx;
    const { warn, ended } = compliancePeriodsDue(ctx.occurrence, deps.config.TZ);
    if (warn.length + ended.length === 0) return;
    const branches = await deps.models.Branch.find({}).lean<Branch[]>();
    await forEachIsolated(
      ctx,
      this.name,
      branches,
      (b) => b._id,
      async (branch) => {
        const secretaries = await deps.models.Member.find({
          branchId: branch._id,
          role: "secretary",
          active: true,
        }).lean();
        const opts = { now: deps.clock.now(), timeZone: deps.config.TZ };
        const notes: { kind: string; period: string; text: string | null }[] = [];
        for (const period of warn) {
          const compliance = await branchCompliance(deps.models, branch._id, period, opts);
          notes.push({
            kind: "warn",
            period: period.label,
            text: complianceWarningText({ branchName: branch.name, periodLabel: period.label, compliance }),
          });
        }
        for (const period of ended) {
          const compliance = await branchCompliance(deps.models, branch._id, period, opts);
          notes.push({
            kind: "report",
            period: period.label,
            text: complianceReportText({ branchName: branch.name, periodLabel: period.label, compliance }),
          });
        }
        for (const note of notes) {
          if (!note.text) continue;
          for (const secretary of secretaries) {
            await enqueueMessage(deps.models, deps.clock, {
              key: `compliance:${note.kind}:${note.period}:${branch._id}:${secretary.openId}`,
              branchId: branch._id,
              target: { openId: secretary.openId },
              content: { text: escapeText(note.text) },
              description: `三会一课${note.kind === "warn" ? "提醒" : "情况"} ${note.period}`,
            });
          }
        }
      },
    );
    deps.delivery.wake();
  },
};
