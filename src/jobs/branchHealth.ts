import { createHash } from "node:crypto";
import { DateTime } from "luxon";
import { BRANCH_HEALTH_HOUR, branchHealthRulesFor } from "../../config/branchHealth.js";
import { healthNoticeText } from "../cards/branchHealthMessages.js";
import type { Branch } from "../db/models/branch.js";
import { isOfflineKey, type Member } from "../db/models/member.js";
import { branchHealth, changedFindings, markReported } from "../domain/branchHealth.js";
import { branchSetting } from "../domain/settings.js";
import { enqueueMessage } from "../delivery/outbox.js";
import type { HealthFinding } from "../domain/branchHealth.js";
import { ARREARS_DECISION, ARREARS_WARNINGS } from "./dues.js";
import { forEachIsolated, type Job } from "./types.js";

/**
 * The monthly dues reminders already warn the 书记 of arrears at these levels (and ask for the
 * branch's decision at the last): the daily check does not tell it a second time. `/体检` and
 * the roll-up still show it; a level of the branch's own rules file beyond these is reported.
 */
const DUES_JOB_LEVELS = new Set<string>([...ARREARS_WARNINGS, ARREARS_DECISION].map(String));
const toldByDuesJob = (finding: HealthFinding) =>
  finding.ruleId === "dues-unpaid" && DUES_JOB_LEVELS.has(finding.signature);

/** One notice per branch, day, set of changes and secretary. */
export const branchHealthKey = (branchId: string, day: string, changes: string, to: string) =>
  `health:${branchId}:${day}:${createHash("sha256").update(changes).digest("hex").slice(0, 16)}:${to}`;

/**
 * 支部体检, daily at BRANCH_HEALTH_HOUR: each branch's findings (domain/branchHealth.ts); what is
 * new or changed since the last report goes to each 书记 privately through the outbox, then the
 * findings are recorded as reported. Quiet when nothing changed; a finding that clears and comes
 * back is reported again. A re-run of the same day finds the same outbox key (nothing twice); a
 * branch that switched 支部体检 off gets nothing. Dues arrears the monthly dues reminders warn of
 * are recorded but not sent again.
 */
export const branchHealthJob: Job = {
  name: "branch-health",
  schedule: `0 ${BRANCH_HEALTH_HOUR} * * *`,
  catchUp: true,
  async run(ctx) {
    const { deps } = ctx;
    const tz = deps.config.TZ;
    const today = DateTime.fromJSDate(ctx.occurrence, { zone: tz }).toFormat("yyyy-MM-dd");
    const rules = branchHealthRulesFor(deps.config.ZHIBU_HEALTH_RULES_FILE);
    const branches = await deps.models.Branch.find({}).lean<Branch[]>();
    await forEachIsolated(
      ctx,
      this.name,
      branches,
      (b) => b._id,
      async (branch) => {
        if (!branchSetting(branch, "branchHealth")) return;
        const findings = await branchHealth(deps.models, branch, rules, {
          now: ctx.occurrence,
          timeZone: tz,
        });
        const changed = changedFindings(findings, branch.healthReported ?? []).filter(
          (finding) => !toldByDuesJob(finding),
        );
        if (changed.length > 0) {
          const secretaries = await deps.models.Member.find({
            branchId: branch._id,
            role: "secretary",
            active: true,
          }).lean<Member[]>();
          const changes = changed.map((f) => `${f.key}=${f.signature}`).join("\n");
          for (const secretary of secretaries) {
            if (isOfflineKey(secretary.openId) || secretary.onFeishu === false) continue;
            await enqueueMessage(deps.models, deps.clock, {
              key: branchHealthKey(branch._id, today, changes, secretary.openId),
              branchId: branch._id,
              target: { openId: secretary.openId },
              content: { text: healthNoticeText(branch.name, changed) },
              description: `支部体检（${today}）`,
            });
          }
        }
        // Also when nothing is new: findings that cleared are forgotten, so a return is news.
        const reported = branch.healthReported ?? [];
        const same =
          reported.length === findings.length &&
          findings.every((f) => reported.some((r) => r.key === f.key && (r.signature ?? "") === f.signature));
        if (!same) await markReported(deps.models, branch._id, findings);
      },
    );
    deps.delivery.wake();
  },
};
