// The playground page: who I am, my chats, the open chat's messages (polled), the composer and the
// clock. Everything goes through the playground's JSON API; the bot sees real, signed Lark events.
import { renderCard } from "./cards.js";
import { renderTextMessage } from "./markdown.js";

const API = "/playground/api";
const POLL_MS = 700;
const $ = (id) => document.getElementById(id);

const view = {
  state: null,
  me: localStorage.getItem("pg-as") ?? "",
  chatId: localStorage.getItem("pg-chat") ?? "",
  seq: 0,
  /** messageId → { message, node } of the open chat. */
  shown: new Map(),
  polling: false,
};

async function api(path, body) {
  const response = await fetch(`${API}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error ?? `${response.status} ${response.statusText}`);
  return data;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function showToast(toast) {
  const node = el("div", `pg-toast pg-toast-${String(toast.type ?? "info").replace(/\W/g, "")}`);
  node.textContent = String(toast.content ?? toast.i18n?.zh_cn ?? "");
  $("pg-toasts").append(node);
  setTimeout(() => node.remove(), 3500);
}

const person = (openId) => view.state?.people.find((p) => p.openId === openId);
const nameOf = (openId) => person(openId)?.name;
const chat = (chatId) => view.state?.chats.find((c) => c.chatId === chatId);

function myChats() {
  const chats = view.state?.chats ?? [];
  const groups = chats.filter((c) => c.kind === "group" && c.memberOpenIds.includes(view.me));
  const p2p = chats.filter((c) => c.kind === "p2p" && c.p2pOf === view.me);
  return [...groups, ...p2p];
}

/** "09:00", or with the date "2026年11月20日 周五 09:00", in the bot's time zone. */
function timeText(iso, withDate = false) {
  const zone = view.state?.timeZone ?? "Asia/Shanghai";
  const options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone };
  if (withDate)
    Object.assign(options, { year: "numeric", month: "numeric", day: "numeric", weekday: "short" });
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("zh-CN", options).formatToParts(new Date(iso)).map((p) => [p.type, p.value]),
  );
  const time = `${parts.hour}:${parts.minute}`;
  return withDate ? `${parts.year}年${parts.month}月${parts.day}日 ${parts.weekday} ${time}` : time;
}

function avatar(text, kind) {
  return el(
    "div",
    `pg-avatar ${kind ? `pg-${kind}` : ""}`,
    Array.from(text ?? "?")
      .slice(-2)
      .join(""),
  );
}

function renderPeople() {
  const select = $("pg-as");
  select.replaceChildren();
  for (const p of view.state.people) {
    const details = [p.branchName, p.status, p.role].filter(Boolean).join(" · ");
    const option = el("option", "", `${p.name}（${details}）`);
    option.value = p.openId;
    select.append(option);
  }
  if (!person(view.me))
    view.me = (view.state.people.find((p) => p.role === "书记") ?? view.state.people[0])?.openId;
  select.value = view.me ?? "";
}

function renderChats() {
  const list = $("pg-chats");
  list.replaceChildren();
  const chats = myChats();
  if (!chats.some((c) => c.chatId === view.chatId)) view.chatId = chats[0]?.chatId ?? "";
  for (const c of chats) {
    const item = el("div", `pg-chat-item${c.chatId === view.chatId ? " pg-active" : ""}`);
    item.dataset.chatId = c.chatId;
    const name = c.kind === "p2p" ? "支部助手" : c.name;
    item.append(avatar(name, c.kind === "p2p" ? "bot" : "group"), el("div", "pg-chat-name", name));
    item.append(el("span", "pg-chat-kind", c.kind === "p2p" ? "单聊" : `${c.memberOpenIds.length} 人`));
    item.addEventListener("click", () => openChat(c.chatId));
    list.append(item);
  }
}

function openChat(chatId) {
  view.chatId = chatId;
  localStorage.setItem("pg-chat", chatId);
  view.seq = 0;
  view.shown.clear();
  $("pg-messages").replaceChildren(el("div", "pg-empty", "暂无消息。试试输入 /帮助"));
  const c = chat(chatId);
  const title = $("pg-chat-title");
  title.replaceChildren(document.createTextNode(c?.kind === "p2p" ? "支部助手" : (c?.name ?? "")));
  if (c)
    title.append(
      el("small", "", c.kind === "p2p" ? "与机器人的单聊" : `群聊 · ${c.memberOpenIds.length} 人`),
    );
  renderChats();
  poll();
}

function fileNode(content) {
  const box = el("div", "pg-file");
  box.append(el("div", "pg-file-icon", /\.xlsx?$/i.test(content.file_name ?? "") ? "XLS" : "FILE"));
  const link = el("a", "", content.file_name || content.file_key);
  link.href = `${API}/files/${encodeURIComponent(content.file_key ?? "")}`;
  link.download = content.file_name ?? "";
  box.append(link);
  return box;
}

function postNode(content) {
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

function contentNode(message) {
  const content = message.content ?? {};
  if (message.msgType === "interactive") {
    const replace = (card) => {
      const entry = view.shown.get(message.messageId);
      if (!entry) return;
      const node = messageNode({ ...message, content: card });
      entry.node.replaceWith(node);
      entry.node = node;
    };
    return renderCard(content, {
      nameOf,
      showToast,
      onCard: replace,
      onAction: (payload) => api("/action", { as: view.me, messageId: message.messageId, ...payload }),
    });
  }
  if (message.msgType === "file") return fileNode(content);
  if (message.msgType === "post") return postNode(content);
  const bubble = el("div", "pg-bubble");
  bubble.append(renderTextMessage(content.text ?? JSON.stringify(content), { nameOf }));
  return bubble;
}

function messageNode(message) {
  const mine = message.from === view.me;
  const row = el("div", `pg-msg${mine ? " pg-mine" : ""}`);
  row.dataset.messageId = message.messageId;
  row.dataset.msgType = message.msgType;
  const name =
    message.fromName ?? (message.from === "bot" ? "支部助手" : (nameOf(message.from) ?? message.from));
  row.append(avatar(name, message.from === "bot" ? "bot" : ""));
  const body = el("div", "pg-msg-body");
  body.append(el("div", "pg-msg-meta", `${name} ${timeText(message.createTime)}`));
  const replied = message.replyTo ? view.shown.get(message.replyTo)?.message : null;
  if (replied) {
    const quoted =
      replied.msgType === "text"
        ? replied.content?.text
        : `[${replied.msgType === "file" ? "文件" : "卡片"}]`;
    body.append(
      el("div", "pg-reply-to", `回复 ${replied.fromName ?? ""}：${String(quoted ?? "").slice(0, 40)}`),
    );
  }
  body.append(contentNode(message));
  row.append(body);
  return row;
}

function showMessages(messages) {
  const box = $("pg-messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  let appended = false;
  for (const message of messages) {
    const entry = view.shown.get(message.messageId);
    if (entry) {
      // A PATCHed card: same message, new content, redrawn in place.
      if (entry.message.updatedAt === message.updatedAt && entry.message.seq === message.seq) continue;
      const node = messageNode(message);
      entry.node.replaceWith(node);
      view.shown.set(message.messageId, { message, node });
      continue;
    }
    box.querySelector(".pg-empty")?.remove();
    const node = messageNode(message);
    box.append(node);
    view.shown.set(message.messageId, { message, node });
    appended = true;
  }
  if (appended && (atBottom || messages.length === view.shown.size)) box.scrollTop = box.scrollHeight;
}

async function poll() {
  if (view.polling || !view.chatId || !view.me) return;
  view.polling = true;
  const chatId = view.chatId;
  try {
    const query = new URLSearchParams({ chatId, as: view.me, since: String(view.seq) });
    const data = await api(`/messages?${query}`);
    if (chatId !== view.chatId) return;
    showMessages(data.messages ?? []);
    view.seq = Math.max(view.seq, Number(data.seq) || 0);
  } catch (error) {
    console.warn("poll failed", error);
  } finally {
    view.polling = false;
  }
}

function showNow(now) {
  $("pg-now").textContent = timeText(now, true);
  $("pg-now").dataset.now = now;
}

async function loadState() {
  view.state = await api("/state");
  $("pg-org").textContent = view.state.org?.name ?? "本地体验";
  showNow(view.state.now);
}

// The composer: Enter sends, Shift+Enter breaks the line; "@" offers the chat's members.
function members() {
  const c = chat(view.chatId);
  return (c?.memberOpenIds ?? []).map((id) => person(id)).filter(Boolean);
}

function updateHint() {
  const input = $("pg-input");
  const hint = $("pg-hint");
  const typed = /@([^\s@]*)$/.exec(input.value.slice(0, input.selectionStart));
  const matches = typed ? members().filter((p) => p.name.includes(typed[1])) : [];
  hint.hidden = matches.length === 0;
  hint.replaceChildren(
    ...matches.slice(0, 20).map((p) => {
      const item = el("div", "", p.name);
      item.addEventListener("mousedown", (event) => {
        event.preventDefault();
        const before = input.value.slice(0, input.selectionStart).replace(/@[^\s@]*$/, `@${p.name} `);
        input.value = before + input.value.slice(input.selectionStart);
        input.selectionStart = input.selectionEnd = before.length;
        hint.hidden = true;
        input.focus();
      });
      return item;
    }),
  );
}

async function send() {
  const input = $("pg-input");
  const text = input.value.trim();
  if (!text || !view.chatId) return;
  input.value = "";
  $("pg-hint").hidden = true;
  try {
    await api("/say", { as: view.me, chatId: view.chatId, text });
    await poll();
  } catch (error) {
    showToast({ type: "error", content: `发送失败：${error.message}` });
    input.value = text;
  }
}

function wire() {
  $("pg-as").addEventListener("change", (event) => {
    view.me = event.target.value;
    localStorage.setItem("pg-as", view.me);
    renderChats();
    openChat(view.chatId);
  });
  $("pg-composer").addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  $("pg-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  });
  $("pg-input").addEventListener("input", updateHint);
  $("pg-input").addEventListener("blur", () => ($("pg-hint").hidden = true));
  for (const button of document.querySelectorAll("[data-clock]")) {
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        const { now } = await api("/clock", { to: button.dataset.clock });
        showNow(now);
        showToast({ type: "info", content: `时间已调到 ${timeText(now, true)}` });
        await poll();
      } catch (error) {
        showToast({ type: "error", content: `调整时间失败：${error.message}` });
      } finally {
        button.disabled = false;
      }
    });
  }
}

async function start() {
  wire();
  try {
    await loadState();
  } catch (error) {
    $("pg-messages").replaceChildren(el("div", "pg-empty", `无法连接到支部助手：${error.message}`));
    return;
  }
  renderPeople();
  openChat(view.chatId);
  setInterval(poll, POLL_MS);
  setInterval(() => loadState().catch(() => {}), 15_000);
}

start();
