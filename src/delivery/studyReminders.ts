import { studyReminderDmText, studyReminderGroupText } from "../cards/studyMessages.js";
import type { AppDeps } from "../deps.js";
import { pendingStudyMembers, type StudyTask } from "../domain/study.js";
import { enqueueMessage } from "./outbox.js";
import { isOfflineKey } from "../db/models/member.js";

/**
 * One group message mentioning everyone in scope who has not confirmed, and a DM to each of
 * them, all through the outbox under `keyPrefix` (so the same round is never sent twice).
 * Returns how many people were reminded.
 */
export async function remindStudy(deps: AppDeps, study: StudyTask, keyPrefix: string): Promise<number> {
  // People on no chat are never sent to (their key is ours, not an open id).
  const pending = (await pendingStudyMembers(deps.models, study, deps.clock.now())).filter(
    (member) => member.onFeishu !== false && !isOfflineKey(member.openId),
  );
  if (pending.length === 0) return 0;
  const tz = deps.config.TZ;
  const base = { branchId: study.branchId };
  await enqueueMessage(deps.models, deps.clock, {
    ...base,
    key: `${keyPrefix}:group`,
    target: { chatId: study.chatId },
    content: {
      text: studyReminderGroupText(
        { id: study._id, title: study.title, deadline: study.deadline },
        pending.map((m) => m.openId),
        tz,
      ),
    },
    description: `学习 ${study._id} 群提醒`,
  });
  for (const member of pending) {
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
  deps.delivery.wake();
  return pending.length;
}
