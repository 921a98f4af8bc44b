/**
 * Plain text messages about study tasks (pure builders; the caller sends them as `text` messages).
 * In a text message Lark turns `<at user_id="…"></at>` into a mention, so user text (the title)
 * has its angle brackets replaced and cannot mention anyone.
 */
import { studyDeadlineText } from "./study.js";
import { escapeText } from "./escape.js";

export interface StudyMessageRef {
  id: string;
  title: string;
  deadline: Date;
}

/** Longest title quoted in a message. */
const TITLE_MAX = 100;

/** User text for a text message: one line, no `<at>` tags, at most TITLE_MAX characters. */
function plainUserText(text: string): string {
  const oneLine = escapeText(text.replace(/\s+/g, " ").trim()).replace(/</g, "＜").replace(/>/g, "＞");
  const chars = Array.from(oneLine);
  return chars.length <= TITLE_MAX ? oneLine : `${chars.slice(0, TITLE_MAX - 1).join("")}…`;
}

/** `<at user_id="ou_…"></at>` for each id, in order, each once. */
export function mentionsText(openIds: readonly string[]): string {
  return [...new Set(openIds.filter((id) => id.trim() !== ""))]
    .map((id) => `<at user_id="${id.replace(/[^\w-]/g, "")}"></at>`)
    .join(" ");
}

/**
 * The group nudge before the deadline, mentioning only those who have not confirmed:
 * "<at…></at> 请在截止前完成学习并在学习卡片上点「已学习」：S3「title」，截止 11月30日".
 */
export function studyReminderGroupText(
  study: StudyMessageRef,
  pendingOpenIds: readonly string[],
  timeZone: string,
): string {
  const deadline = studyDeadlineText(study.deadline, timeZone);
  const mentions = mentionsText(pendingOpenIds);
  const body =
    `请在截止前完成学习并在学习卡片上点「已学习」：${study.id}「${plainUserText(study.title)}」，` +
    `截止 ${deadline.day.zh}`;
  return mentions ? `${mentions} ${body}` : body;
}

/** The private reminder to one person who has not confirmed (no mentions). */
export function studyReminderDmText(study: StudyMessageRef, timeZone: string): string {
  const deadline = studyDeadlineText(study.deadline, timeZone);
  return (
    `学习提醒：${study.id}「${plainUserText(study.title)}」将于 ${deadline.dayTime.zh} 截止，` +
    `请完成学习后在支部群的学习卡片上点「已学习」。发送 /学习 查看 ${study.id} 可查看详情。`
  );
}
