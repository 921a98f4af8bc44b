import { DateTime } from "luxon";
import { studyReminderDmText, studyReminderGroupText } from "../cards/studyMessages.js";
import type { AppDeps } from "../deps.js";
import { pendingStudyMembers, type StudyTask } from "../domain/study.js";
import { enqueueOfflineDigest, isOffline } from "./offlineDigest.js";
import { enqueueMessage } from "./outbox.js";

/**
 * One group message mentioning everyone in scope who has not confirmed, and a DM to each of
 * them, all through the outbox under `keyPrefix` (so the same round is never sent twice).
 * People on no chat are neither mentioned nor sent to: the secretaries get one digest naming
 * them instead (`${keyPrefix}:offline:<secretary>`). Returns how many were reminded each way.
 */
export async function remindStudy(
  deps: AppDeps,
  study: StudyTask,
  keyPrefix: string,
): Promise<{ online: number; offline: number }> {
  const pending = await pendingStudyMembers(deps.models, study, deps.clock.now());
  if (pending.length === 0) return { online: 0, offline: 0 };
  const tz = deps.config.TZ;
  const base = { branchId: study.branchId };
  const online = pending.filter((m) => !isOffline(m));
  const offline = pending.filter((m) => isOffline(m));
  if (online.length > 0) {
    await enqueueMessage(deps.models, deps.clock, {
      ...base,
      key: `${keyPrefix}:group`,
      target: { chatId: study.chatId },
      content: {
        text: studyReminderGroupText(
          { id: study._id, title: study.title, deadline: study.deadline },
          online.map((m) => m.openId),
          tz,
        ),
      },
      description: `学习 ${study._id} 群提醒`,
    });
  }
  for (const member of online) {
    await enqueueMessage(deps.models, deps.clock, {
      ...base,
      key: `${keyPrefix}:dm:${member.openId}`,
      target: { openId: member.openId },
      content: {
        text: studyReminderDmText({ id: study._id, title: study.title, deadline: study.deadline }, tz),
      },
      description: `学习 ${study._id} 私信提醒 ${member.name || member.openId}`,
    });
  }
  const deadline = DateTime.fromJSDate(study.deadline, { zone: tz }).toFormat("M月d日 HH:mm");
  await enqueueOfflineDigest(deps, {
    branchId: study.branchId,
    keyPrefix,
    subject: `学习提醒 ${study._id}「${study.title}」`,
    lines: offline.map((m) => `${m.name || "（未填姓名）"}：尚未完成学习，截止 ${deadline}`),
  });
  deps.delivery.wake();
  return { online: online.length, offline: offline.length };
}
