import { DateTime } from "luxon";
import { z } from "zod";
import { branchHealthRulesFor } from "../../config/branchHealth.js";
import { healthReportText } from "../cards/branchHealthMessages.js";
import { branchHealth } from "../domain/branchHealth.js";
import { commandInput } from "./args.js";
import { subcommand, type CommandFamily } from "./types.js";

/** `/体检`: the branch's health findings now (the daily job reports only what changed). */
export const healthCommands: CommandFamily = {
  name: "health",
  aliases: ["体检"],
  summary: "支部体检：人数、支委会及换届、连续未参加组织生活或未缴党费的党员",
  subcommands: [
    subcommand({
      name: "",
      aliases: [],
      usage: ["/体检（私聊）", "/health"],
      summary: "查看本支部体检结果（书记）：人数、支委会及换届、连续未参加组织生活或未缴党费",
      permission: "secretary",
      needsBranch: true,
      // Findings name members (arrears, missed meetings): for the secretary, never the group.
      chat: "p2p",
      args: commandInput.transform((input, ctx) => {
        if (input.positional.length > 0 || input.mentions.length > 0) {
          ctx.addIssue({ code: "custom", message: "此命令不带参数：/体检" });
          return z.NEVER;
        }
        return {};
      }),
      async run(ctx) {
        const { deps } = ctx;
        const now = deps.clock.now();
        const rules = branchHealthRulesFor(deps.config.ZHIBU_HEALTH_RULES_FILE);
        const findings = await branchHealth(deps.models, ctx.branch!, rules, {
          now,
          timeZone: deps.config.TZ,
        });
        const today = DateTime.fromJSDate(now, { zone: deps.config.TZ }).toFormat("yyyy-MM-dd");
        await ctx.replyText(healthReportText(ctx.branch!.name, today, findings));
      },
    }),
  ],
};
