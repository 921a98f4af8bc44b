import { z } from "zod";
import { REFLECTION_MAX } from "../../config/study.js";
import { studyCreatedCard } from "../cards/studyForm.js";
import { STUDY_ACTIONS } from "../cards/types.js";
import { confirmStudy, formatStudyDeadline, STUDY_SCOPES } from "../domain/study.js";
import { refreshStudyCardSoon } from "../delivery/studyCard.js";
import { createAndAnnounceStudy } from "../usecases/studies.js";
import { committeeBranchOf } from "./branchOf.js";
import { formPartyGroup } from "./partyGroup.js";
import { action } from "./types.js";

const optionalText = z
  .string()
  .optional()
  .transform((v) => v?.trim() || undefined);

const confirm = action({
  name: STUDY_ACTIONS.confirm,
  input: z.object({
    studyId: z.string().regex(/^S\d+$/, "卡片数据有误"),
    reflection: z.string().max(REFLECTION_MAX, `学习心得不能超过 ${REFLECTION_MAX} 字`).optional(),
  }),
  async run({ deps, action: click }, input) {
    const { changed, late, study } = await confirmStudy(deps.models, deps.clock, {
      studyId: input.studyId,
      openId: click.operatorOpenId,
      reflection: input.reflection,
      timeZone: deps.config.TZ,
    });
    if (changed) refreshStudyCardSoon(deps, study);
    const content = late ? "已记录学习（逾期）" : "已记录学习";
    return { toast: { type: "success", content: changed ? content : "你已确认过学习" } };
  },
});

const create = action({
  name: STUDY_ACTIONS.create,
  input: z.object({
    title: z.string({ error: "请填写学习标题" }).trim().min(1, "请填写学习标题"),
    link: optionalText,
    text: optionalText,
    // Lark sends the picker's date with the user's offset: "2026-11-30 +0800".
    deadline: z.string({ error: "请选择截止日期" }).transform((v) => v.trim().split(/\s+/)[0] ?? ""),
    hours: z
      .string({ error: "请填写学时" })
      .trim()
      .regex(/^\d+(\.5)?$/, "学时须为正数，可为半小时，如 2 或 1.5")
      .transform(Number),
    scope: z.enum(STUDY_SCOPES, { error: "请选择学习范围" }).default("branch"),
    partyGroup: optionalText,
  }),
  async run({ deps, action: click }, input) {
    const branch = await committeeBranchOf(deps, click, "抱歉，只有书记和支委可以布置学习任务。");
    const partyGroup = await formPartyGroup(deps.models, branch._id, input.partyGroup);
    const study = await createAndAnnounceStudy(deps, branch, {
      title: input.title,
      link: input.link ?? null,
      text: input.text,
      deadlineDate: input.deadline,
      hours: input.hours,
      scope: input.scope,
      partyGroup,
      createdBy: click.operatorOpenId,
      // One form makes one task, however often its button is pressed.
      sourceKey: `form:${click.messageId}`,
    });
    return {
      toast: { type: "success", content: `已布置学习任务 ${study._id}` },
      card: {
        type: "raw",
        data: studyCreatedCard({
          id: study._id,
          title: study.title,
          deadlineText: formatStudyDeadline(study.deadline, deps.config.TZ),
        }),
      },
    };
  },
});

export const studyActions = [confirm, create];
