// The open chat's message list: text, post, file and card messages as a Lark client shows them,
// a card the bot PATCHes redrawn in place (same message id, newer seq).
import { renderCard } from "./cards.js";
import { el } from "./dom.js";
import { renderTextMessage } from "./markdown.js";

/** A round avatar with the last two characters of a name (as Lark does for Chinese names). */
export function avatar(text, kind) {
  const initials = Array.from(text ?? "?")
    .slice(-2)
    .join("");
  return el("div", `pg-avatar ${kind ? `pg-${kind}` : ""}`, initials);
}

function fileNode(content, filesUrl) {
  const box = el("div", "pg-file");
  box.append(el("div", "pg-file-icon", /\.xlsx?$/i.test(content.file_name ?? "") ? "XLS" : "FILE"));
  const link = el("a", "", content.file_name || content.file_key);
  link.href = `${filesUrl}/${encodeURIComponent(content.file_key ?? "")}`;
  link.download = content.file_name ?? "";
  box.append(link);
  return box;
}

function postNode(content, nameOf) {
  const post = content.zh_cn ?? content.en_us ?? content;
  const box = el("div", "pg-bubble");
  if (post.title) box.append(el("strong", "", post.title), document.createElement("br"));
  for (const line of post.content ?? []) {
    for (const item of line) {
      if (item.tag === "at")
        box.append(el("span", "lk-mention", `@${nameOf(item.user_id) ?? item.user_name ?? ""}`));
      else box.append(document.createTextNode(item.text ?? ""));
    }
    box.append(document.createElement("br"));
  }
  return box;
}

/**
 * The list in `box`. `context`: me() → my open id, nameOf(openId), timeText(iso), showToast(toast),
 * act(messageId, payload) → the bot's answer to a click, filesUrl.
 */
export function createMessageList(box, context) {
  /** messageId → { message, node } */
  const shown = new Map();

  function contentNode(message) {
    const content = message.content ?? {};
    if (message.msgType === "interactive") {
      return renderCard(content, {
        nameOf: context.nameOf,
        showToast: context.showToast,
        // The answer's card replaces the clicked one at once; the server's copy follows by polling.
        onCard: (card) => replace({ ...message, content: card }),
        onAction: (payload) => context.act(message.messageId, payload),
      });
    }
    if (message.msgType === "file") return fileNode(content, context.filesUrl);
    if (message.msgType === "post") return postNode(content, context.nameOf);
    const bubble = el("div", "pg-bubble");
    bubble.append(renderTextMessage(content.text ?? JSON.stringify(content), { nameOf: context.nameOf }));
    return bubble;
  }

  function replyLine(message) {
    const replied = message.replyTo ? shown.get(message.replyTo)?.message : null;
    if (!replied) return null;
    const quoted =
      replied.msgType === "text"
        ? replied.content?.text
        : `[${replied.msgType === "file" ? "文件" : "卡片"}]`;
    return el("div", "pg-reply-to", `回复 ${replied.fromName ?? ""}：${String(quoted ?? "").slice(0, 40)}`);
  }

  function messageNode(message) {
    const row = el("div", `pg-msg${message.from === context.me() ? " pg-mine" : ""}`);
    row.dataset.messageId = message.messageId;
    row.dataset.msgType = message.msgType;
    const bot = message.from === "bot";
    const name = message.fromName ?? (bot ? "支部助手" : (context.nameOf(message.from) ?? message.from));
    row.append(avatar(name, bot ? "bot" : ""));
    const body = el("div", "pg-msg-body");
    body.append(el("div", "pg-msg-meta", `${name} ${context.timeText(message.createTime)}`));
    const reply = replyLine(message);
    if (reply) body.append(reply);
    body.append(contentNode(message));
    row.append(body);
    return row;
  }

  function replace(message) {
    const entry = shown.get(message.messageId);
    if (!entry) return;
    const node = messageNode(message);
    entry.node.replaceWith(node);
    shown.set(message.messageId, { message, node });
  }

  return {
    clear(emptyText) {
      shown.clear();
      box.replaceChildren(el("div", "pg-empty", emptyText));
    },
    /** Adds new messages at the end and redraws changed ones in place. */
    show(messages) {
      const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
      const first = shown.size === 0;
      let appended = false;
      for (const message of messages) {
        const entry = shown.get(message.messageId);
        if (entry) {
          const same = entry.message.updatedAt === message.updatedAt && entry.message.seq === message.seq;
          if (!same) replace(message);
          continue;
        }
        box.querySelector(".pg-empty")?.remove();
        const node = messageNode(message);
        box.append(node);
        shown.set(message.messageId, { message, node });
        appended = true;
      }
      if (appended && (atBottom || first)) box.scrollTop = box.scrollHeight;
    },
  };
}
