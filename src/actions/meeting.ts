import { z } from "zod";
import { meetingCreatedCard } from "../cards/meetingForm.js";
import { CARD_ACTIONS } from "../cards/types.js";
import { meetingLabel } from "../domain/meetingNumbers.js";
import { UserError } from "../domain/errors.js";
import { findMeetingType } from "../domain/meetingTypes.js";
import { parseLocalDateTime } from "../domain/time.js";
import { checkIn, formatMeetingTime, LEAVE_REASON_MAX, respond } from "../domain/meetings.js";
import { refreshMeetingCard } from "../delivery/meetingCard.js";
import { createAndAnnounceMeeting } from "../usecases/meetings.js";
import { committeeBranchOf } from "./branchOf.js";
import { formPartyGroup } from "./partyGroup.js";
import { action } from "./types.js";

const meetingId = z.string().regex(/^M\d+$/, "卡片数据有误");

const rsvp = action({
  name: CARD_ACTIONS.meetingRsvp,
  input: z.object({
    meetingId,
    response: z.enum(["attend", "leave"]),
    reason: z.string().max(LEAVE_REASON_MAX, `请假事由不能超过 ${LEAVE_REASON_MAX} 字`).optional(),
  }),
  async run(ctx, input) {
    const { deps, action: click } = ctx;
    const { changed, meeting } = await respond(deps.models, deps.clock, {
      meetingId: input.meetingId,
      openId: click.operatorOpenId,
      response: input.response,
      reason: input.reason,
    });
    if (changed) await refreshMeetingCard(deps, meeting);
    const content = input.response === "attend" ? "已登记：参加" : "已登记：请假";
    return { toast: { type: "success", content: changed ? content : `${content}（此前已登记）` } };
  },
});

const checkin = action({
  name: CARD_ACTIONS.meetingCheckin,
  input: z.object({ meetingId }),
  async run(ctx, input) {
    const { deps, action: click } = ctx;
    const { already, meeting } = await checkIn(deps.models, deps.clock, {
      meetingId: input.meetingId,
      openId: click.operatorOpenId,
      by: click.operatorOpenId,
      timeZone: deps.config.TZ,
    });
    if (!already) await refreshMeetingCard(deps, meeting);
    return { toast: { type: "success", content: already ? "你已签到过了" : "签到成功" } };
  },
});

/** Lark sends picker values with the user's offset ("2026-11-24 +0800"); the wall time is what counts. */
const pickerValue = (label: string) =>
  z.string({ error: `请选择${label}` }).transform((value) => value.trim().split(/\s+/)[0] ?? "");
const optionalText = z
  .string()
  .optional()
  .transform((v) => v?.trim() || undefined);

const create = action({
  name: CARD_ACTIONS.meetingCreate,
  input: z.object({
    type: z.string({ error: "请选择会议类型" }),
    title: z.string({ error: "请填写会议主题" }).trim().min(1, "请填写会议主题"),
    date: pickerValue("日期"),
    time: pickerValue("时间"),
    place: optionalText,
    agenda: optionalText,
    partyGroup: optionalText,
    host: optionalText,
    recorder: optionalText,
    duration: z
      .string()
      .optional()
      .transform((v) => (v?.trim() ? v.trim() : undefined))
      .refine((v) => v === undefined || /^\d{1,4}$/.test(v), "时长须为分钟数")
      .transform((v) => (v === undefined ? undefined : Number(v))),
  }),
  async run(ctx, input) {
    const { deps, action: click } = ctx;
    const type = findMeetingType(input.type);
    if (!type) throw new UserError("请选择会议类型");
    const branch = await committeeBranchOf(deps, click, "抱歉，只有书记和支委可以新建会议。");
    const partyGroup = await formPartyGroup(deps.models, branch._id, input.partyGroup);
    const startAt = parseLocalDateTime(input.date, input.time, deps.config.TZ);
    if (!startAt) throw new UserError("请选择有效的日期和时间");
    const meeting = await createAndAnnounceMeeting(deps, branch, {
      type: type.id,
      title: input.title,
      startAt,
      durationMin: input.duration,
      place: input.place,
      agenda: input.agenda,
      partyGroup,
      // Picked from the roster by open id; the domain refuses anyone not on it.
      host: input.host ? { openId: input.host } : undefined,
      recorder: input.recorder ? { openId: input.recorder } : undefined,
      createdBy: click.operatorOpenId,
      // One form makes one meeting, however often its button is pressed.
      sourceKey: `form:${click.messageId}`,
    });
    return {
      toast: { type: "success", content: `已创建会议 ${meetingLabel(meeting)}` },
      card: {
        type: "raw",
        data: meetingCreatedCard({
          id: meetingLabel(meeting),
          title: meeting.title,
          startText: formatMeetingTime(meeting.startAt, deps.config.TZ),
        }),
      },
    };
  },
});

export const meetingActions = [rsvp, checkin, create];
