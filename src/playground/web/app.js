// The playground page: who I am, my chats, the open chat's messages (polled), the composer and the
// clock. Everything goes through the playground's JSON API; the bot sees real, signed Lark events.
import { el } from "./dom.js";
import { avatar, createMessageList } from "./messages.js";

const API = "/playground/api";
const POLL_MS = 700;
/** How often the other chats are checked for new messages (the unread badges). */
const UNREAD_MS = 2000;
const $ = (id) => document.getElementById(id);

const view = {
  state: null,
  me: localStorage.getItem("pg-as") ?? "",
  chatId: localStorage.getItem("pg-chat") ?? "",
  /** The last seq seen in the open chat. */
  seq: 0,
  /** The store's last seq when this person's view began: what came before counts as read. */
  baseSeq: null,
  /** chatId → last seq looked at; chatId → ids of new messages not yet read. */
  seen: new Map(),
  unread: new Map(),
  polling: false,
  checking: false,
  list: null,
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
    const unread = view.unread.get(c.chatId)?.size ?? 0;
    if (unread > 0) item.append(el("span", "pg-unread", String(unread)));
    item.append(el("span", "pg-chat-kind", c.kind === "p2p" ? "单聊" : `${c.memberOpenIds.length} 人`));
    item.addEventListener("click", () => openChat(c.chatId));
    list.append(item);
  }
}

function openChat(chatId) {
  view.chatId = chatId;
  localStorage.setItem("pg-chat", chatId);
  view.seq = 0;
  view.unread.delete(chatId);
  view.list.clear("暂无消息。试试输入 /帮助");
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

async function poll() {
  if (view.polling || !view.chatId || !view.me) return;
  view.polling = true;
  const chatId = view.chatId;
  try {
    const query = new URLSearchParams({ chatId, as: view.me, since: String(view.seq) });
    const data = await api(`/messages?${query}`);
    if (chatId !== view.chatId) return;
    view.list.show(data.messages ?? []);
    view.seq = Math.max(view.seq, Number(data.seq) || 0);
    view.baseSeq ??= view.seq;
    view.seen.set(chatId, view.seq);
  } catch (error) {
    console.warn("poll failed", error);
  } finally {
    view.polling = false;
  }
}

/** New messages (not mine, not a card's update) in my other chats since I last looked. */
async function checkUnread() {
  if (view.baseSeq === null || view.checking) return;
  view.checking = true;
  try {
    await checkUnreadOnce();
  } finally {
    view.checking = false;
  }
}

async function checkUnreadOnce() {
  const me = view.me;
  let changed = false;
  for (const c of myChats()) {
    if (c.chatId === view.chatId) continue;
    const since = view.seen.get(c.chatId) ?? view.baseSeq;
    const query = new URLSearchParams({ chatId: c.chatId, as: me, since: String(since) });
    const data = await api(`/messages?${query}`).catch(() => null);
    if (!data || me !== view.me || c.chatId === view.chatId) continue;
    view.seen.set(c.chatId, Math.max(since, Number(data.seq) || 0));
    for (const m of data.messages ?? []) {
      if (m.from === me || m.updatedAt !== m.createTime) continue;
      if (!view.unread.has(c.chatId)) view.unread.set(c.chatId, new Set());
      view.unread.get(c.chatId).add(m.messageId);
      changed = true;
    }
  }
  if (changed) renderChats();
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

/** A file from the person (e.g. a filled 名册), sent as a file message. */
async function sendFile(file) {
  if (!file || !view.chatId) return;
  try {
    const url = await new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result));
      reader.onerror = () => reject(reader.error);
      reader.readAsDataURL(file);
    });
    const data = url.slice(url.indexOf(",") + 1);
    await api("/file", { as: view.me, chatId: view.chatId, fileName: file.name, data });
    await poll();
  } catch (error) {
    showToast({ type: "error", content: `发送文件失败：${error.message}` });
  }
}

function wire() {
  $("pg-attach").addEventListener("click", () => $("pg-file").click());
  $("pg-file").addEventListener("change", async (event) => {
    await sendFile(event.target.files?.[0]);
    event.target.value = "";
  });
  $("pg-as").addEventListener("change", (event) => {
    view.me = event.target.value;
    localStorage.setItem("pg-as", view.me);
    view.baseSeq = null;
    view.seen.clear();
    view.unread.clear();
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
  view.list = createMessageList($("pg-messages"), {
    me: () => view.me,
    nameOf,
    timeText,
    showToast,
    filesUrl: `${API}/files`,
    act: (messageId, payload) => api("/action", { as: view.me, messageId, ...payload }),
  });
  wire();
  try {
    await loadState();
  } catch (error) {
    view.list.clear(`无法连接到支部助手：${error.message}`);
    return;
  }
  renderPeople();
  openChat(view.chatId);
  setInterval(poll, POLL_MS);
  setInterval(checkUnread, UNREAD_MS);
  setInterval(() => loadState().catch(() => {}), 15_000);
}

start();
