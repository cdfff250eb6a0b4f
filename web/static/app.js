// Wenshu chat page: plain JavaScript, no build step. It talks to the server
// over one websocket (/api/v1/ws) and renders each event as it arrives.
"use strict";

const I18N = {
  zh: {
    newChat: "新对话", history: "历史对话", catalog: "指标目录", ask: "提问",
    placeholder: "例如：上个月各渠道的销售额", welcomeTitle: "用一句话问你的数据",
    welcomeText: "统一口径的指标，自动出图，附上每个数字背后的 SQL。",
    catalogTitle: "指标目录（统一口径）", search: "搜索指标", showSQL: "查看 SQL", hideSQL: "收起 SQL",
    csv: "下载 CSV", exportCSV: "导出全部（CSV）", exportXLSX: "导出全部（Excel）", listTotal: "共 {n} 位会员", listShown: "下表为前 {n} 位", listCut: "超过导出上限 {n} 行，导出只含前 {n} 位",
    table: "表格", line: "折线图", bar: "柱状图", grouped_bar: "分组柱状图", number: "数字", funnel: "漏斗", heatmap: "热力表",
    thinking: "正在理解问题…", connected: "已连接", reconnecting: "连接断开，正在重连…", cancel: "取消",
    unit: "单位", dims: "可拆分维度", synonyms: "同义词", lang: "English", canceled: "已取消",
    suggestions: "接着问", translator: "理解方式", rules: "规则", llm: "大模型", memory: "已确认的问法",
    uploadPanel: "上传数据", uploadHint: "把 CSV、Parquet、JSON lines 或 Excel 文件拖到这里，或", chooseFile: "选择文件", uploading: "正在导入和分析…",
    imported: "已导入", problems: "发现的问题", draftModel: "起草的模型", previewTitle: "它已经能回答", keepData: "使用这份数据", discardData: "放弃", kept: "已切换到这份数据，可以开始提问了",
    drivers: "变化的主要因素（占变化的比例）", reviewPanel: "错题集", fix: "保存为正确理解", dismiss: "其实没错", comment: "哪里不对？（可选）", send: "提交", noReviews: "没有待处理的错题",
    reviewCounts: (c) => `最近 ${c.asks} 次提问：未找到指标 ${c.no_metric}，需澄清 ${c.clarified}，拒答 ${c.refused}，标记不对 ${c.marked_wrong}，出错 ${c.errors}；回答来自 规则 ${c.translators.rules || 0} · 大模型 ${c.translators.llm || 0} · 记忆 ${c.translators.memory || 0}`,
    metricPick: "指标", dimsPick: "拆分", rangePick: "时间", asked: "提问", readAs: "理解为", userComment: "用户说明",
    defFormula: "计算", defRows: "只计入", defTime: "时间按", defUnit: "单位", defSynonyms: "也叫",
    right: "答对了（记住这个问法）", wrong: "答错了", thanks: "已记录，谢谢", rightShort: "答对了", wrongShort: "不对",
    units: { currency: "金额", percent: "比例", count: "数量", number: "数值" },
    pushPanel: "订阅与提醒", pause: "暂停", resume: "恢复", paused: "已暂停", sendNow: "立即发送", remove: "删除", evaluate: "立即检查", lastRun: "最近一次", none: "还没有订阅或提醒",
    recomputed: "按保存的查询重新计算", subscribe: "订阅", setAlert: "设置提醒", secret: "签名密钥（可选）",
    threshold: "阈值（变化填百分比）", save: "保存", saved: "已保存", loginTitle: "登录问数", userName: "用户名", password: "密码", login: "登录", logout: "退出登录",
    loginFailed: "用户名或密码不对", demo: "演示模式：尚未添加用户，任何能访问本机的人都能看到全部数据。用 wenshu user add 添加用户后即需登录。",
    scope: "可见范围",
  },
  en: {
    newChat: "New chat", history: "History", catalog: "Metric catalog", ask: "Ask",
    placeholder: "e.g. sales by channel last month", welcomeTitle: "Ask your data in one sentence",
    welcomeText: "Metrics with one definition each, charts drawn for you, and the SQL behind every number.",
    catalogTitle: "Metric catalog (unified definitions)", search: "Search metrics", showSQL: "Show SQL", hideSQL: "Hide SQL",
    csv: "Download CSV", exportCSV: "Export all (CSV)", exportXLSX: "Export all (Excel)", listTotal: "{n} members", listShown: "the table shows the first {n}", listCut: "longer than the export limit of {n} rows: an export holds the first {n}",
    table: "Table", line: "Line", bar: "Bars", grouped_bar: "Grouped bars", number: "Number", funnel: "Funnel", heatmap: "Heat map",
    thinking: "Reading the question…", connected: "Connected", reconnecting: "Disconnected, reconnecting…", cancel: "Cancel",
    unit: "Unit", dims: "Can be split by", synonyms: "Synonyms", lang: "中文", canceled: "Canceled",
    suggestions: "Follow up", translator: "Read by", rules: "rules", llm: "LLM", memory: "confirmed question",
    uploadPanel: "Upload data", uploadHint: "Drop a CSV, Parquet, JSON lines or Excel file here, or", chooseFile: "choose a file", uploading: "Importing and profiling…",
    imported: "Imported", problems: "Problems found", draftModel: "Drafted model", previewTitle: "It can already answer", keepData: "Use this data", discardData: "Discard", kept: "Switched to this data: ask away",
    drivers: "What drove the change (share of the change)", reviewPanel: "Review queue", fix: "Save as the right reading", dismiss: "It was right", comment: "What was wrong? (optional)", send: "Send", noReviews: "Nothing to review",
    reviewCounts: (c) => `Last ${c.asks} asks: no metric found ${c.no_metric}, clarified ${c.clarified}, refused ${c.refused}, marked wrong ${c.marked_wrong}, errors ${c.errors}; answered by rules ${c.translators.rules || 0} · LLM ${c.translators.llm || 0} · memory ${c.translators.memory || 0}`,
    metricPick: "Metric", dimsPick: "Split by", rangePick: "Time", asked: "Asked", readAs: "Read as", userComment: "Comment",
    defFormula: "Computed as", defRows: "Counts only", defTime: "Time by", defUnit: "Unit", defSynonyms: "Also called",
    right: "Right (remember this reading)", wrong: "Wrong", thanks: "Noted, thank you", rightShort: "Right", wrongShort: "Wrong",
    units: { currency: "currency", percent: "percent", count: "count", number: "number" },
    pushPanel: "Subscriptions & alerts", pause: "Pause", resume: "Resume", paused: "paused", sendNow: "Send now", remove: "Delete", evaluate: "Check now", lastRun: "Last run", none: "No subscriptions or alerts yet",
    recomputed: "recomputed from the saved query", subscribe: "Subscribe", setAlert: "Set alert", secret: "Signing secret (optional)",
    threshold: "Threshold (percent for changes)", save: "Save", saved: "Saved", loginTitle: "Sign in to Wenshu", userName: "User name", password: "Password", login: "Sign in", logout: "Sign out",
    loginFailed: "Wrong user name or password", demo: "Demo mode: no users yet, so anyone who reaches this machine sees every number. Add a user with wenshu user add to require sign-in.",
    scope: "Scope",
  },
};

// The UI language: ?lang= (remembered), else the last choice, else the browser's.
const urlLang = new URLSearchParams(location.search).get("lang");
if (urlLang === "zh" || urlLang === "en") localStorage.setItem("wenshu.lang", urlLang);
const state = {
  lang: localStorage.getItem("wenshu.lang") || (navigator.language.startsWith("zh") ? "zh" : "en"),
  conversationId: null,
  model: null,
  ws: null,
  pending: [],
  asks: {},
  seq: 0,
};

const $ = (sel, root = document) => root.querySelector(sel);
const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};
const t = (key) => I18N[state.lang][key] ?? key;
const label = (text, lang = state.lang) => (text ? text[lang] || text.zh || text.en : "");

function applyI18n() {
  document.documentElement.lang = state.lang;
  document.querySelectorAll("[data-i18n]").forEach((e) => { e.textContent = t(e.dataset.i18n); });
  document.querySelectorAll("[data-i18n-placeholder]").forEach((e) => { e.placeholder = t(e.dataset.i18nPlaceholder); });
  $("#toggle-lang").textContent = t("lang");
  renderExamples();
  renderMe();
}

// ---- who is asking ------------------------------------------------------
function renderMe() {
  const me = state.me;
  const who = $("#whoami");
  if (!who) return;
  who.innerHTML = "";
  $("#banner").classList.toggle("hidden", !(me && me.demo));
  if (me && me.demo) $("#banner").textContent = t("demo");
  $("#logout").classList.toggle("hidden", !me || me.demo);
  if (!me || me.demo) return;
  const name = el("b", "", me.name);
  who.append(name, document.createTextNode(" · " + (label(me.role_label) || me.role)));
  if (me.scope) who.append(el("br"), document.createTextNode(t("scope") + ": " + label(me.scope)));
}

function showLogin() {
  $("#login").classList.remove("hidden");
  $("#login-form").onsubmit = async (e) => {
    e.preventDefault();
    const res = await fetch("/api/v1/login", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: $("#login-name").value, password: $("#login-password").value }) });
    if (!res.ok) { $("#login-error").textContent = t("loginFailed"); return; }
    $("#login").classList.add("hidden");
    $("#login-password").value = "";
    start();
  };
}

// ---- formatting -------------------------------------------------------
// Money is in the model's currency (or a column's own: "currency:GBP"),
// numbers in the model's locale when it names one.
function fmt(v, unit, lang = state.lang) {
  if (v === null || v === undefined) return "—";
  if (typeof v !== "number") return String(v);
  const locale = state.locale || (lang === "zh" ? "zh-CN" : "en-US");
  let currency = state.currency || "CNY";
  if (unit && unit.startsWith("currency:")) { currency = unit.slice(9); unit = "currency"; }
  switch (unit) {
    case "currency": {
      const s = Math.abs(v).toLocaleString(locale, { style: "currency", currency, currencyDisplay: "narrowSymbol", minimumFractionDigits: 2, maximumFractionDigits: 2 });
      return v < 0 ? "-" + s : s;
    }
    case "percent": { const p = Math.round(v * 1000) / 10; return (p === 0 ? 0 : p).toLocaleString(locale, { maximumFractionDigits: 1, minimumFractionDigits: 1 }) + "%"; }
    case "count": return Math.round(v).toLocaleString(locale);
    default: return v.toLocaleString(locale, { maximumFractionDigits: 2 });
  }
}

// compactNumber shortens an axis number: 5,512万 / 1.2亿 in Chinese,
// 55.1M / 600K in English.
function compactNumber(v, lang = state.lang) {
  const a = Math.abs(v), sign = v < 0 ? "-" : "";
  const trim = (x) => String(Number(x.toFixed(2)));
  if (lang === "zh") {
    if (a >= 1e8) return sign + trim(a / 1e8) + "亿";
    if (a >= 1e4) return sign + trim(a / 1e4) + "万";
    return String(v);
  }
  if (a >= 1e9) return sign + trim(a / 1e9) + "B";
  if (a >= 1e6) return sign + trim(a / 1e6) + "M";
  if (a >= 1e3) return sign + trim(a / 1e3) + "K";
  return String(v);
}

function dimLabel(dimName, v, lang = state.lang) {
  const d = state.model && state.model.dimensions.find((x) => x.name === dimName);
  if (!d) return v === null ? "—" : String(v);
  if (v === null) return label(d.null_label, lang) || "—";
  const val = (d.values || []).find((x) => x.value === v);
  return val ? label(val.label, lang) || v : String(v);
}

// timeText shows a bucket by its grain: 2025-11, 2025-Q3, 2025, or the day.
function timeText(grain, v, lang = state.lang) {
  if (typeof v !== "string" || v.length < 10) return v === null ? "—" : String(v);
  const [y, m, d] = v.split("-");
  const mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][Number(m) - 1];
  const zh = lang === "zh";
  switch (grain) {
    case "month": return zh ? `${y}年${Number(m)}月` : `${mon} ${y}`;
    case "quarter": { const q = Math.floor((Number(m) - 1) / 3) + 1; return zh ? `${y}年Q${q}` : `Q${q} ${y}`; }
    case "year": return zh ? `${y}年` : y;
    case "week": return zh ? `${Number(m)}/${Number(d)}周` : `wk of ${mon} ${Number(d)}`;
    default: return zh ? `${Number(m)}月${Number(d)}日` : `${mon} ${Number(d)}`;
  }
}

function cellText(col, v, lang = state.lang) {
  if (col.role === "time") return timeText(col.name, v, lang);
  const unit = col.currency ? "currency:" + col.currency : col.unit;
  if (col.role === "dimension" && col.unit && v !== null) return fmt(v, unit, lang);
  if (col.role === "dimension") return dimLabel(col.name, v, lang);
  if (col.type === "number") return fmt(v, unit, lang);
  return v === null ? "—" : String(v);
}

// ---- websocket ----------------------------------------------------------
function connect() {
  const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/v1/ws");
  state.ws = ws;
  ws.onopen = () => {
    setStatus(t("connected"));
    state.pending.splice(0).forEach((m) => ws.send(m));
  };
  ws.onmessage = (e) => handleEvent(JSON.parse(e.data));
  ws.onclose = () => {
    setStatus(t("reconnecting"));
    Object.values(state.asks).forEach((a) => a.fail({ code: "disconnected", message: t("reconnecting") }));
    setTimeout(connect, 1000);
  };
}

function send(msg) {
  const data = JSON.stringify(msg);
  if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(data);
  else state.pending.push(data);
}

function setStatus(s) { $("#status").textContent = s; }

// ---- asking -------------------------------------------------------------
function ask(question) {
  question = question.trim();
  if (!question) return;
  $("#welcome")?.remove();
  const id = "a" + (++state.seq);
  addUserMessage(question);
  state.asks[id] = new AnswerView(id);
  state.asks[id].question = question;
  send({ type: "ask", id, question, conversation_id: state.conversationId || undefined });
}

function addUserMessage(text) {
  const m = el("div", "msg user");
  m.appendChild(el("div", "bubble", text));
  $("#messages").appendChild(m);
  scrollDown();
}

function scrollDown() { const m = $("#messages"); m.scrollTop = m.scrollHeight; }

function handleEvent(ev) {
  const view = state.asks[ev.id];
  if (!view) {
    if (ev.type === "error") setStatus(ev.data.message);
    return;
  }
  switch (ev.type) {
    case "accepted":
      state.conversationId = ev.data.conversation_id;
      break;
    case "query": view.query(ev.data); break;
    case "sql": view.sql(ev.data); break;
    case "columns": view.columns = ev.data; break;
    case "rows": view.rows.push(...ev.data); break;
    case "chart": view.chart(ev.data); break;
    case "answer_delta": view.delta(ev.data); break;
    case "clarify": view.clarify(ev.data); break;
    case "definition": view.definition(ev.data); break;
    case "insight": view.insight(ev.data); break;
    case "list": view.listInfo = ev.data; break;
    case "error": view.fail(ev.data); delete state.asks[ev.id]; break;
    case "done": view.done(ev.data); delete state.asks[ev.id]; loadConversations(); break;
  }
  scrollDown();
}

// AnswerView renders one answer as its events arrive.
class AnswerView {
  constructor(id) {
    this.id = id;
    this.rows = [];
    this.columns = [];
    this.root = el("div", "msg bot");
    this.card = el("div", "card");
    this.root.appendChild(this.card);
    this.statusLine = el("div", "notes", t("thinking"));
    const cancel = el("button", "", t("cancel"));
    cancel.className = "cancel";
    cancel.onclick = () => send({ type: "cancel", id });
    this.cancelBtn = cancel;
    this.card.append(this.statusLine, cancel);
    $("#messages").appendChild(this.root);
  }
  query(data) {
    // The answer speaks the question's language: labels, axes, rows.
    this.lang = data.lang || state.lang;
    this.q = data.query;
    this.statusLine.textContent = "";
    const chips = el("div", "chips");
    for (const c of data.reading.chips) chips.appendChild(el("span", "chip " + c.kind, c.text));
    chips.appendChild(el("span", "chip translator", t("translator") + ": " + t(data.translator)));
    this.card.insertBefore(chips, this.statusLine);
    if (data.notes && data.notes.length) this.statusLine.textContent = data.notes.join("；");
    this.answerEl = el("div", "answer");
    this.card.appendChild(this.answerEl);
  }
  sql(text) { this.sqlText = text; }
  chart(spec) {
    this.spec = spec;
    this.toolbar = el("div", "toolbar");
    this.chartEl = el("div", "chart");
    this.tableEl = el("div", "table-wrap");
    this.card.append(this.toolbar, this.chartEl, this.tableEl);
    const types = [spec.type, ...(spec.alternatives || [])].filter((x, i, a) => a.indexOf(x) === i);
    for (const type of types) {
      const b = el("button", "", t(type));
      b.dataset.type = type;
      b.onclick = () => this.draw(type);
      this.toolbar.appendChild(b);
    }
    const csv = el("button", "csv", t("csv"));
    csv.onclick = () => downloadCSV(this.columns, this.rows, this.lang);
    const sqlBtn = el("button", "sql-toggle", t("showSQL"));
    const pre = el("pre", "sql hidden", this.sqlText || "");
    sqlBtn.onclick = () => {
      pre.classList.toggle("hidden");
      sqlBtn.textContent = pre.classList.contains("hidden") ? t("showSQL") : t("hideSQL");
    };
    const subBtn = el("button", "subscribe", t("subscribe"));
    subBtn.onclick = () => this.pushForm("subscription");
    const alertBtn = el("button", "alert", t("setAlert"));
    alertBtn.onclick = () => this.pushForm("alert");
    if (this.listInfo) {
      // A list of members: the count first, then the first rows; the whole
      // list is exported by the server (the asker's rows, streamed).
      const info = this.listInfo, lang = this.lang || state.lang;
      const fmt = (k, n) => t(k).replaceAll("{n}", Number(n).toLocaleString(lang === "en" ? "en-US" : "zh-CN"));
      const head = el("div", "list-total", fmt("listTotal", info.total));
      const sub = [];
      if (info.shown < info.total) sub.push(fmt("listShown", info.shown));
      if (info.over_export) sub.push(fmt("listCut", info.max_export));
      if (sub.length) head.appendChild(el("span", "list-sub", " · " + sub.join(" · ")));
      this.card.insertBefore(head, this.toolbar);
      const links = [];
      for (const [format, key] of [["csv", "exportCSV"], ["xlsx", "exportXLSX"]]) {
        const a = el("a", "export " + format, t(key));
        a.href = "/api/v1/export?format=" + format + "&lang=" + lang + "&query=" + encodeURIComponent(JSON.stringify(this.q));
        a.setAttribute("download", "");
        links.push(a);
      }
      this.toolbar.append(...links, sqlBtn, subBtn);
    } else {
      this.toolbar.append(csv, sqlBtn, subBtn, alertBtn);
    }
    this.card.appendChild(pre);
    renderTable(this.tableEl, this.columns, this.rows, this.lang);
    this.draw(spec.type);
  }
  draw(type) {
    this.toolbar.querySelectorAll("button[data-type]").forEach((b) => b.classList.toggle("active", b.dataset.type === type));
    this.chartEl.dataset.type = type;
    if (this.echart) { this.echart.dispose(); this.echart = null; }
    this.chartEl.innerHTML = "";
    this.chartEl.classList.remove("hidden", "numberbox");
    if (type === "table") { this.chartEl.classList.add("hidden"); return; }
    if (type === "number") { this.chartEl.classList.add("numberbox"); renderNumber(this.chartEl, this.columns, this.rows, this.lang); return; }
    if (type === "heatmap") { this.chartEl.classList.add("heatbox"); renderHeatmap(this.chartEl, this.spec, this.columns, this.rows, this.lang); return; }
    this.echart = echarts.init(this.chartEl);
    this.echart.setOption(chartOption(type, this.spec, this.columns, this.rows, this.lang));
  }
  delta(text) { if (this.answerEl) this.answerEl.textContent += text; }
  // pushForm asks when and where to send this question (订阅), or which
  // condition to watch (设置提醒), and saves it.
  pushForm(kind, proposal) {
    this.card.querySelector(".push-form")?.remove();
    const f = el("form", "push-form");
    const schedule = el("select");
    for (const [v, zh, en] of [["0 9 * * *", "每天 9:00", "daily 9:00"], ["0 9 * * 1", "每周一 9:00", "Mondays 9:00"], ["0 9 1 * *", "每月1日 9:00", "1st of the month 9:00"], ["0 * * * *", "每小时", "hourly"]]) {
      const o = el("option", "", state.lang === "zh" ? zh : en); o.value = v; schedule.appendChild(o);
    }
    if (proposal && ![...schedule.options].some((o) => o.value === proposal.schedule)) {
      const o = el("option", "", proposal.text + " (" + proposal.schedule + ")"); o.value = proposal.schedule; schedule.appendChild(o);
    }
    if (proposal) schedule.value = proposal.schedule;
    const type = el("select");
    for (const v of ["feishu", "dingtalk", "wecom", "slack", "webhook"]) { const o = el("option", "", v); o.value = v; type.appendChild(o); }
    if (proposal && proposal.channel && proposal.channel !== "email") type.value = proposal.channel;
    const url = el("input"); url.placeholder = "Webhook URL"; url.required = true;
    const secret = el("input"); secret.placeholder = t("secret");
    const parts = [schedule, type, url, secret];
    let op, value;
    if (kind === "alert") {
      op = el("select");
      for (const [v, zh, en] of [["lt", "低于", "below"], ["gt", "高于", "above"], ["change_lt", "环比降幅超过", "falls by more than"], ["change_gt", "环比升幅超过", "rises by more than"]]) {
        const o = el("option", "", state.lang === "zh" ? zh : en); o.value = v; op.appendChild(o);
      }
      value = el("input"); value.placeholder = t("threshold"); value.required = true;
      parts.unshift(op, value);
    }
    const save = el("button", "", t("save")); save.type = "submit";
    const msgEl = el("span", "push-msg");
    f.append(...parts, save, msgEl);
    f.onsubmit = async (e) => {
      e.preventDefault();
      const body = { question: this.question, schedule: schedule.value, timezone: "Asia/Shanghai",
        channels: [{ type: type.value, url: url.value.trim(), secret: secret.value.trim() || undefined }] };
      if (kind === "alert") {
        let v = Number(value.value);
        if (op.value.startsWith("change")) v = (op.value === "change_lt" ? -1 : 1) * Math.abs(v) / 100;
        body.condition = { op: op.value, value: v };
      }
      const res = await fetch(kind === "alert" ? "/api/v1/alerts" : "/api/v1/subscriptions",
        { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      const data = await res.json().catch(() => ({}));
      msgEl.textContent = res.ok ? t("saved") : (data.error && data.error.message) || res.status;
      msgEl.className = "push-msg " + (res.ok ? "ok" : "error");
    };
    this.card.appendChild(f);
  }
  clarify(data) {
    this.statusLine.textContent = "";
    this.card.appendChild(el("div", "answer", data.message));
    const opts = el("div", "options");
    for (const o of data.options || []) {
      const b = el("button", "", o.label);
      b.onclick = () => ask(o.question);
      opts.appendChild(b);
    }
    this.card.appendChild(opts);
  }
  // insight draws what drove the change as a diverging bar: each driver's
  // part (the offsets the other way), labelled by dimension and member.
  insight(ins) {
    const items = [...(ins.drivers || []), ...(ins.offsets || [])];
    if (!items.length) return;
    const box = el("div", "insight");
    box.appendChild(el("div", "def-label", t("drivers")));
    const chart = el("div", "chart insight-chart");
    chart.style.height = (60 + 28 * items.length) + "px";
    box.appendChild(chart);
    this.card.appendChild(box);
    const dimLabel = (n) => label((state.model.dimensions.find((d) => d.name === n) || {}).label) || n;
    const unit = (state.model.metrics.find((m) => m.name === ins.metric) || {}).unit;
    const names = items.map((d) => dimLabel(d.dimension) + " · " + d.label).reverse();
    const vals = items.map((d) => ({ value: d.contribution, itemStyle: { color: d.contribution >= 0 ? "#2e7d32" : "#c62828" } })).reverse();
    const e = echarts.init(chart);
    e.setOption({
      animation: false, grid: { left: 160, right: 60, top: 10, bottom: 24 },
      tooltip: { trigger: "axis", valueFormatter: (v) => fmt(v, unit, this.lang) },
      xAxis: { type: "value", axisLabel: { formatter: (v) => (unit === "percent" ? (v * 100).toFixed(1) + "pp" : compactNumber(v, this.lang)) } },
      yAxis: { type: "category", data: names },
      series: [{ type: "bar", data: vals, label: { show: true, position: "right", formatter: (p) => items[items.length - 1 - p.dataIndex].share_of_change ? fmt(items[items.length - 1 - p.dataIndex].share_of_change, "percent", this.lang) : "" } }],
    });
  }
  // definition shows what metrics mean (口径) as a card of its own.
  definition(defs) {
    this.statusLine.textContent = "";
    for (const d of defs) {
      const box = el("div", "definition");
      box.appendChild(el("div", "def-label", d.label));
      box.appendChild(el("div", "answer", d.definition));
      const dl = el("dl", "");
      const row = (k, v) => { if (v) { dl.appendChild(el("dt", "", t(k))); dl.appendChild(el("dd", "", v)); } };
      row("defFormula", d.formula);
      row("defRows", d.rows);
      row("defTime", d.time);
      row("defUnit", t("units")[d.unit] || d.unit);
      row("defSynonyms", (d.synonyms || []).join(" · "));
      box.appendChild(dl);
      this.card.appendChild(box);
    }
  }
  fail(err) {
    this.cancelBtn.remove();
    this.statusLine.textContent = "";
    this.card.appendChild(el("div", "error", err.code === "canceled" ? t("canceled") : err.message));
  }
  done(data) {
    this.cancelBtn.remove();
    if (data.proposal) {
      // A subscription read from the words: confirm it with the form, filled in.
      this.question = data.proposal.question;
      this.pushForm("subscription", data.proposal);
    }
    if (data.truncated && this.tableEl) {
      // The row cap cut the table: say so under it, with the whole count.
      const cut = el("div", "notes truncated", (data.notes || []).slice(-1)[0] || "");
      this.tableEl.after(cut);
    }
    if (this.toolbar) {
      const fb = el("span", "feedback");
      for (const ok of [true, false]) {
        const b = el("button", ok ? "right" : "wrong", ok ? "✓ " + t("rightShort") : "✗ " + t("wrongShort"));
        b.title = ok ? t("right") : t("wrong");
        const send = async (comment) => {
          await fetch("/api/v1/feedback", { method: "POST", headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ conversation_id: data.conversation_id, turn: data.turn, correct: ok, comment: comment || "" }) });
          fb.textContent = t("thanks");
        };
        b.onclick = () => {
          if (ok) { send(); return; }
          // 不对: say what was wrong, for the admins' review queue.
          fb.innerHTML = "";
          const input = el("input", "comment");
          input.placeholder = t("comment");
          input.maxLength = 500;
          const go = el("button", "", t("send"));
          go.onclick = () => send(input.value);
          input.onkeydown = (e) => { if (e.key === "Enter") send(input.value); };
          fb.append(input, go);
          input.focus();
        };
        fb.appendChild(b);
      }
      this.toolbar.appendChild(fb);
    }
    if (data.suggestions && data.suggestions.length) {
      const opts = el("div", "options suggestions");
      for (const s of data.suggestions) {
        const b = el("button", "", s);
        b.onclick = () => ask(s);
        opts.appendChild(b);
      }
      this.card.appendChild(opts);
    }
  }
}

function renderTable(root, cols, rows, lang = state.lang) {
  const table = el("table", "result");
  const head = el("tr");
  for (const c of cols) head.appendChild(el("th", c.type === "number" ? "num" : "", c.label));
  const thead = el("thead"); thead.appendChild(head);
  const tbody = el("tbody");
  for (const r of rows) {
    const tr = el("tr");
    cols.forEach((c, i) => tr.appendChild(el("td", c.type === "number" ? "num" : "", cellText(c, r[i], lang))));
    tbody.appendChild(tr);
  }
  table.append(thead, tbody);
  root.appendChild(table);
}

function renderNumber(root, cols, rows, lang = state.lang) {
  const row = rows[0] || [];
  // The group a single row belongs to (南宁, 2025年11月), when there is one.
  const group = cols.map((c, i) => (c.role === "dimension" || c.role === "time" ? cellText(c, row[i], lang) : null)).filter((x) => x !== null).join(" / ");
  cols.forEach((c, i) => {
    if (c.role !== "metric") return;
    const d = el("div", "bignum", fmt(row[i], c.unit, lang));
    d.appendChild(el("small", "", (group ? group + " · " : "") + c.label));
    // Its comparison, when asked: the change and the previous value.
    const prev = cols.findIndex((x) => x.metric === c.name && x.role === "previous");
    const change = cols.findIndex((x) => x.metric === c.name && x.role === "change");
    const diff = cols.findIndex((x) => x.metric === c.name && x.role === "difference");
    if (prev >= 0 && change >= 0) {
      let delta = fmt(row[change], "percent", lang);
      if (c.unit === "percent" && diff >= 0) {
        const pts = Math.round(row[diff] * 1000) / 10;
        delta = (pts === 0 ? 0 : pts).toFixed(1) + (lang === "zh" ? " 个百分点" : " pp");
      }
      if (!delta.startsWith("-") && delta !== "0.0%") delta = "+" + delta;
      d.appendChild(el("small", "delta", `${delta} · ${cols[prev].label}: ${fmt(row[prev], c.unit, lang)}`));
    }
    root.appendChild(d);
  });
}

// renderHeatmap draws a rate split two ways as a pivot table whose cells
// are shaded by value: the cohort triangle (cohort month × months since).
function renderHeatmap(root, spec, cols, rows, lang = state.lang) {
  const idx = (name) => cols.findIndex((c) => c.name === name);
  const xi = idx(spec.x), si = idx(spec.series), yi = idx((spec.y || [])[0]);
  if (xi < 0 || si < 0 || yi < 0) return;
  const num = (v) => (isNaN(Number(v)) ? v : Number(v));
  const xs = [...new Set(rows.map((r) => r[xi]))].sort((a, b) => (num(a) > num(b) ? 1 : -1));
  const ss = [...new Set(rows.map((r) => r[si]))].sort((a, b) => (num(a) > num(b) ? 1 : -1));
  const vals = rows.map((r) => r[yi]).filter((v) => v !== null);
  const hi = Math.max(...vals, 1e-9);
  const table = el("table", "result heatmap");
  const head = el("tr");
  head.appendChild(el("th", "", cols[xi].label + " \\ " + cols[si].label));
  for (const s of ss) head.appendChild(el("th", "num", cellText(cols[si], s, lang)));
  table.appendChild(head);
  for (const x of xs) {
    const tr = el("tr");
    tr.appendChild(el("th", "", cellText(cols[xi], x, lang)));
    for (const s of ss) {
      const r = rows.find((r) => r[xi] === x && r[si] === s);
      const v = r ? r[yi] : null;
      const td = el("td", "num", v === null ? "" : fmt(v, cols[yi].unit, lang));
      if (v !== null) td.style.background = `rgba(38, 110, 200, ${(0.08 + 0.8 * v / hi).toFixed(2)})`;
      tr.appendChild(td);
    }
    table.appendChild(tr);
  }
  root.appendChild(table);
}

function chartOption(type, spec, cols, rows, lang = state.lang) {
  const idx = (name) => cols.findIndex((c) => c.name === name);
  if (type === "funnel") {
    // One row of steps: each step's count, the rate on the step before in the label.
    const ys = spec.y && spec.y.length ? spec.y : cols.filter((c) => c.role === "metric").map((c) => c.name);
    const vals = ys.map((n) => rows[0][idx(n)]);
    return {
      animation: false,
      tooltip: { trigger: "item", valueFormatter: (v) => fmt(v, "count", lang) },
      series: [{ type: "funnel", sort: "none", left: "10%", width: "80%", top: 10, bottom: 10,
        label: { formatter: (p) => p.name + " " + fmt(p.value, "count", lang) + (p.dataIndex > 0 && vals[p.dataIndex - 1] ? " (" + fmt(p.value / vals[p.dataIndex - 1], "percent", lang) + ")" : "") },
        data: ys.map((n, i) => ({ name: cols[idx(n)].label, value: vals[i] })) }],
    };
  }
  const colOf = (name) => cols[idx(name)];
  const xName = spec.x || (cols.find((c) => c.role === "dimension" || c.role === "time") || {}).name;
  const xi = idx(xName);
  const xLabel = (v) => (xi >= 0 ? cellText(cols[xi], v, lang) : "");
  const ys = spec.y && spec.y.length ? spec.y : cols.filter((c) => c.role === "metric").map((c) => c.name);
  const unit = (colOf(ys[0]) || {}).unit;
  const seriesType = type === "line" ? "line" : "bar";
  let categories = [];
  let series = [];
  if (spec.series) {
    const si = idx(spec.series);
    const yi = idx(ys[0]);
    categories = [...new Set(rows.map((r) => r[xi]))];
    const groups = [...new Set(rows.map((r) => r[si]))];
    series = groups.map((g) => ({
      name: cellText(cols[si], g, lang), type: seriesType, smooth: type === "line",
      data: categories.map((x) => { const r = rows.find((r) => r[xi] === x && r[si] === g); return r ? r[yi] : null; }),
    }));
  } else {
    categories = xi >= 0 ? rows.map((r) => r[xi]) : [""];
    series = ys.map((name) => ({
      name: colOf(name).label, type: seriesType, smooth: type === "line",
      data: xi >= 0 ? rows.map((r) => r[idx(name)]) : [rows[0][idx(name)]],
    }));
  }
  return {
    animation: false,
    tooltip: { trigger: "axis", valueFormatter: (v) => fmt(v, unit, lang) },
    legend: { top: 0 },
    grid: { left: 70, right: 20, top: 36, bottom: 40 },
    xAxis: { type: "category", data: categories.map(xLabel) },
    yAxis: { type: "value", axisLabel: { formatter: (v) => (unit === "percent" ? (v * 100).toFixed(0) + "%" : compactNumber(v, lang)) } },
    series,
  };
}

function downloadCSV(cols, rows, lang = state.lang) {
  const esc = (s) => { s = s === null || s === undefined ? "" : String(s); return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s; };
  const lines = [cols.map((c) => esc(c.label)).join(",")];
  for (const r of rows) lines.push(cols.map((c, i) => esc(c.role === "dimension" ? dimLabel(c.name, r[i], lang) : r[i])).join(","));
  const blob = new Blob(["\ufeff" + lines.join("\n")], { type: "text/csv;charset=utf-8" });
  const a = el("a");
  a.href = URL.createObjectURL(blob);
  a.download = "wenshu.csv";
  a.click();
  URL.revokeObjectURL(a.href);
}

// ---- conversations ------------------------------------------------------
// whenText shows when a conversation was last used: 14:05 today, else 11-28.
function whenText(iso) {
  const d = new Date(iso);
  if (isNaN(d)) return "";
  const pad = (n) => String(n).padStart(2, "0");
  return d.toDateString() === new Date().toDateString() ? `${pad(d.getHours())}:${pad(d.getMinutes())}` : `${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

async function loadConversations() {
  const res = await fetch("/api/v1/conversations?via=ws");
  if (!res.ok) return;
  const data = await res.json();
  const ul = $("#conversations");
  ul.innerHTML = "";
  // One entry per title: the latest conversation, with how many there are.
  const seen = new Map();
  for (const c of data.conversations) {
    if (seen.has(c.title)) { seen.get(c.title).n++; continue; }
    seen.set(c.title, { c, n: 1 });
  }
  for (const { c, n } of seen.values()) {
    const li = el("li", c.id === state.conversationId ? "active" : "", c.title);
    if (n > 1) li.appendChild(el("span", "count", "×" + n));
    li.appendChild(el("span", "when", whenText(c.updated)));
    li.onclick = () => openConversation(c.id);
    ul.appendChild(li);
  }
}

async function openConversation(id) {
  const res = await fetch("/api/v1/conversations/" + encodeURIComponent(id));
  if (!res.ok) return;
  const conv = await res.json();
  state.conversationId = id;
  $("#messages").innerHTML = "";
  // Each answer is drawn again from its saved query (re-run, and said so).
  for (const [i, turn] of (conv.turns || []).entries()) {
    addUserMessage(turn.question);
    const view = new AnswerView("h" + i);
    const lang = /[\u4e00-\u9fff]/.test(turn.question) ? "zh" : "en";
    let data = null;
    if (turn.query) {
      const r = await fetch("/api/v1/query?lang=" + lang, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(turn.query) });
      if (r.ok) data = await r.json();
    }
    if (!data) {
      view.cancelBtn.remove();
      view.statusLine.textContent = "";
      view.card.appendChild(el("div", "answer", turn.answer || ""));
      continue;
    }
    view.query({ reading: data.reading, translator: turn.translator || "rules", notes: [t("recomputed")], lang });
    view.sql(data.sql);
    view.columns = data.columns;
    view.rows = data.rows;
    view.chart(data.chart);
    view.delta(turn.answer || "");
    view.done({ conversation_id: id, turn: i, notes: data.notes || [], truncated: data.truncated });
  }
  loadConversations();
}

function newChat() {
  state.conversationId = null;
  $("#messages").innerHTML = "";
  const w = el("div", "welcome"); w.id = "welcome";
  w.append(el("h1", "", t("welcomeTitle")), el("p", "", t("welcomeText")));
  const ex = el("div", "options"); ex.id = "examples";
  w.appendChild(ex);
  $("#messages").appendChild(w);
  renderExamples();
  loadConversations();
}

function renderExamples() {
  const box = $("#examples");
  if (!box) return;
  box.innerHTML = "";
  const zh = ["上个月各渠道的销售额", "今年各会员等级的复购率", "销售额最高的5个城市", "今年每个月的销售额趋势", "上个月销售额同比增长了多少"];
  const en = ["sales by channel last month", "repurchase rate by tier this year", "top 5 cities by sales", "monthly sales trend this year", "conversion rate by channel last month"];
  for (const q of state.lang === "zh" ? zh : en) {
    const b = el("button", "", q);
    b.onclick = () => ask(q);
    box.appendChild(b);
  }
}

// ---- subscriptions and alerts ------------------------------------------
async function renderPushPanel() {
  const list = $("#push-list");
  list.innerHTML = "";
  const [subs, alerts] = await Promise.all([
    fetch("/api/v1/subscriptions").then((r) => r.json()).catch(() => ({})),
    fetch("/api/v1/alerts").then((r) => r.json()).catch(() => ({}))]);
  const items = [...(subs.subscriptions || []).map((x) => ({ kind: "subscriptions", x })), ...(alerts.alerts || []).map((x) => ({ kind: "alerts", x }))];
  if (!items.length) { list.appendChild(el("p", "meta", t("none"))); return; }
  for (const { kind, x } of items) {
    const row = el("div", "metric-entry push-item");
    row.dataset.id = x.id;
    const title = el("h3", "", x.question + " ");
    title.appendChild(el("code", "", (kind === "alerts" ? x.state + " · " : "") + x.schedule + " · " + x.channels.map((c) => (c.type === "chat" ? c.platform + " 群聊" : c.type)).join(",")));
    const status = el("div", "meta", "");
    fetch(`/api/v1/${kind}/${x.id}/runs`).then((r) => r.json()).then((d) => {
      const last = (d.runs || [])[0];
      status.textContent = last ? `${t("lastRun")}: ${whenText(last.started)} · ${last.state}` + (last.error ? " · " + last.error : "")
        + (last.deliveries || []).filter((d) => d.error).map((d) => " · " + d.type + ": " + d.error).join("") : "";
    }).catch(() => {});
    const run = el("button", "", kind === "alerts" ? t("evaluate") : t("sendNow"));
    run.onclick = async () => {
      await fetch(`/api/v1/${kind}/${x.id}/${kind === "alerts" ? "evaluate" : "run"}`, { method: "POST", headers: { "Content-Type": "application/json" } });
      renderPushPanel();
    };
    const pause = el("button", "pause", x.paused ? t("resume") : t("pause"));
    pause.onclick = async () => {
      await fetch(`/api/v1/${kind}/${x.id}`, { method: "PATCH", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ paused: !x.paused }) });
      renderPushPanel();
    };
    const del = el("button", "", t("remove"));
    del.onclick = async () => { await fetch(`/api/v1/${kind}/${x.id}`, { method: "DELETE" }); renderPushPanel(); };
    if (x.paused) title.appendChild(el("code", "", " · " + t("paused")));
    row.append(title, status, run, pause, del);
    list.appendChild(row);
  }
}

// ---- the review queue (错题集, admins) ------------------------------------
async function renderReviews() {
  const list = $("#review-list");
  list.innerHTML = "";
  const d = await fetch("/api/v1/feedback").then((r) => r.json()).catch(() => ({}));
  if (d.counts) $("#review-counts").textContent = t("reviewCounts")(d.counts);
  if (!(d.reviews || []).length) { list.appendChild(el("p", "meta", t("noReviews"))); return; }
  for (const r of d.reviews) list.appendChild(reviewItem(r));
}

// reviewItem is one answer marked wrong with a form to correct its query:
// pick the metric, splits and time, or edit the JSON; it is checked as it
// is typed and saved as a confirmed example.
function reviewItem(r) {
  const row = el("div", "metric-entry review-item");
  row.dataset.id = r.id;
  row.appendChild(el("h3", "", r.question));
  row.appendChild(el("div", "meta", `${t("readAs")}: ${r.reading || "—"} · ${r.translator || ""} · ${r.user} · ${whenText(r.at)}`));
  if (r.comment) row.appendChild(el("div", "meta", `${t("userComment")}: ${r.comment}`));
  const q = JSON.parse(JSON.stringify(r.query || { metrics: [] }));
  const metric = el("select", "pick-metric");
  for (const m of state.model.metrics) {
    const o = el("option", "", label(m.label));
    o.value = m.name;
    if ((q.metrics || [])[0] === m.name) o.selected = true;
    metric.appendChild(o);
  }
  const dims = el("select", "pick-dims");
  dims.multiple = true;
  for (const dm of state.model.dimensions) {
    const o = el("option", "", label(dm.label));
    o.value = dm.name;
    if ((q.dimensions || []).includes(dm.name)) o.selected = true;
    dims.appendChild(o);
  }
  const start = el("input", "pick-start");
  start.type = "date";
  const end = el("input", "pick-end");
  end.type = "date";
  if (q.time && q.time.range) { start.value = q.time.range.start; end.value = q.time.range.end; }
  const json = el("textarea", "query-json");
  json.rows = 6;
  json.value = JSON.stringify(q, null, 2);
  const verdict = el("div", "meta verdict", "");
  let timer;
  const check = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      let body;
      try { body = JSON.parse(json.value); } catch (e) { verdict.textContent = "JSON: " + e.message; verdict.className = "meta verdict error"; return; }
      const res = await fetch(`/api/v1/feedback/${r.id}/fix`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ query: body, dry: true }) });
      const d = await res.json().catch(() => ({}));
      verdict.textContent = res.ok ? "✓ " + (d.reading ? d.reading.text : "") : "✗ " + ((d.error && d.error.message) || res.status);
      verdict.className = "meta verdict " + (res.ok ? "ok" : "error");
    }, 250);
  };
  const fromForm = () => {
    let cur;
    try { cur = JSON.parse(json.value); } catch (e) { cur = {}; }
    cur.metrics = [metric.value];
    cur.dimensions = [...dims.selectedOptions].map((o) => o.value);
    if (!cur.dimensions.length) delete cur.dimensions;
    if (start.value && end.value) cur.time = Object.assign(cur.time || {}, { range: { start: start.value, end: end.value } });
    json.value = JSON.stringify(cur, null, 2);
    check();
  };
  for (const x of [metric, dims, start, end]) x.onchange = fromForm;
  json.oninput = check;
  const fix = el("button", "fix", t("fix"));
  fix.onclick = async () => {
    let body;
    try { body = JSON.parse(json.value); } catch (e) { verdict.textContent = "JSON: " + e.message; return; }
    const res = await fetch(`/api/v1/feedback/${r.id}/fix`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ query: body }) });
    const d = await res.json().catch(() => ({}));
    if (res.ok) renderReviews(); else { verdict.textContent = "✗ " + ((d.error && d.error.message) || res.status); verdict.className = "meta verdict error"; }
  };
  const dismiss = el("button", "", t("dismiss"));
  dismiss.onclick = async () => { await fetch(`/api/v1/feedback/${r.id}/dismiss`, { method: "POST", headers: { "Content-Type": "application/json" } }); renderReviews(); };
  const form = el("div", "review-form");
  form.append(el("label", "", t("metricPick")), metric, el("label", "", t("dimsPick")), dims, el("label", "", t("rangePick")), start, end);
  row.append(form, json, verdict, fix, dismiss);
  check();
  return row;
}

// ---- catalog ------------------------------------------------------------
function renderCatalog() {
  const list = $("#catalog-list");
  const filter = $("#catalog-filter").value.trim().toLowerCase();
  list.innerHTML = "";
  for (const m of state.model.metrics) {
    const hay = [m.name, m.label.zh, m.label.en, ...m.synonyms].join(" ").toLowerCase();
    if (filter && !hay.includes(filter)) continue;
    const d = el("div", "metric-entry");
    const h = el("h3", "", label(m.label) + " ");
    h.appendChild(el("code", "", m.name));
    d.append(h, el("p", "", label(m.definition)));
    const dims = m.dimensions.map((n) => label((state.model.dimensions.find((x) => x.name === n) || {}).label) || n).join("、");
    d.appendChild(el("div", "meta", `${t("unit")}: ${t("units")[m.unit] || m.unit} · ${t("dims")}: ${dims}`));
    if (m.synonyms.length) d.appendChild(el("div", "meta", `${t("synonyms")}: ${m.synonyms.join(", ")}`));
    list.appendChild(d);
  }
}

async function init() {
  applyI18n();
  // Below ~768 px the conversation list is a drawer.
  $("#menu-toggle").onclick = () => document.body.classList.toggle("drawer-open");
  $("#backdrop").onclick = () => document.body.classList.remove("drawer-open");
  $("#conversations").addEventListener("click", () => document.body.classList.remove("drawer-open"));
  $("#logout").onclick = async () => { await fetch("/api/v1/logout", { method: "POST" }); location.reload(); };
  start();
}

// start loads who is asking; without a valid sign-in it shows the form.
async function start() {
  const me = await fetch("/api/v1/me");
  if (me.status === 401) { showLogin(); return; }
  state.me = await me.json();
  renderMe();
  const res = await fetch("/api/v1/model");
  state.model = await res.json();
  state.currency = state.model.currency || "CNY";
  state.locale = state.model.locale || "";
  $("#ask-form").onsubmit = (e) => { e.preventDefault(); const q = $("#question"); ask(q.value); q.value = ""; };
  $("#new-chat").onclick = newChat;
  $("#toggle-lang").onclick = () => { state.lang = state.lang === "zh" ? "en" : "zh"; localStorage.setItem("wenshu.lang", state.lang); applyI18n(); };
  $("#open-catalog").onclick = () => { renderCatalog(); $("#catalog").classList.remove("hidden"); };
  $("#open-push").onclick = () => { renderPushPanel(); $("#push-panel").classList.remove("hidden"); };
  $("#close-push").onclick = () => $("#push-panel").classList.add("hidden");
  if (state.me && state.me.admin) $("#open-reviews").classList.remove("hidden");
  $("#open-reviews").onclick = () => { renderReviews(); $("#review-panel").classList.remove("hidden"); };
  $("#close-reviews").onclick = () => $("#review-panel").classList.add("hidden");
  if (state.me && state.me.admin) $("#open-upload").classList.remove("hidden");
  $("#open-upload").onclick = () => $("#upload-panel").classList.remove("hidden");
  $("#close-upload").onclick = () => $("#upload-panel").classList.add("hidden");
  setupUpload();
  $("#close-catalog").onclick = () => $("#catalog").classList.add("hidden");
  $("#catalog-filter").oninput = renderCatalog;
  connect();
  loadConversations();
  document.body.dataset.ready = "1";
  // A link may carry a question: /?q=上个月各渠道的销售额
  const q = new URLSearchParams(location.search).get("q");
  if (q) ask(q);
}

init();

// ---- upload (admin) ---------------------------------------------------------
// A dropped file is imported into a DuckDB file of its own and profiled; the
// page shows the import report, the drafted model and the first answers,
// and keeps or discards it.
function setupUpload() {
  const zone = $("#drop-zone"), input = $("#upload-file");
  zone.ondragover = (e) => { e.preventDefault(); zone.classList.add("over"); };
  zone.ondragleave = () => zone.classList.remove("over");
  zone.ondrop = (e) => { e.preventDefault(); zone.classList.remove("over"); if (e.dataTransfer.files[0]) uploadFile(e.dataTransfer.files[0]); };
  input.onchange = () => { if (input.files[0]) uploadFile(input.files[0]); };
}

async function uploadFile(file) {
  const out = $("#upload-result");
  out.innerHTML = "";
  out.appendChild(el("div", "meta", t("uploading")));
  const form = new FormData();
  form.append("file", file);
  const res = await fetch("/api/v1/uploads", { method: "POST", body: form });
  const body = await res.json();
  out.innerHTML = "";
  if (!res.ok) { out.appendChild(el("div", "login-error", (body.error && body.error.message) || res.status)); return; }
  const r = body.report;
  out.appendChild(el("h3", "", t("imported") + ": " + r.table + " · " + Number(r.rows).toLocaleString() + " rows"));
  const cols = el("table", "result upload-columns");
  for (const c of r.columns) {
    const tr = el("tr");
    tr.append(el("td", "", c.name), el("td", "", c.type), el("td", "num", c.nulls ? c.nulls.toLocaleString() + " empty" : ""));
    cols.appendChild(tr);
  }
  out.appendChild(cols);
  if (r.problems && r.problems.length) {
    out.appendChild(el("h3", "", t("problems")));
    const ul = el("ul", "upload-problems");
    for (const p of r.problems) ul.appendChild(el("li", "", p.kind + (p.column ? " · " + p.column : "") + " · " + p.count + (p.example ? " · " + p.example : "")));
    out.appendChild(ul);
  }
  out.appendChild(el("h3", "", t("previewTitle")));
  for (const p of body.preview || []) {
    const card = el("div", "upload-preview");
    card.append(el("div", "chip metric", p.question), el("div", "answer", p.answer));
    if (p.columns && p.rows && p.rows.length > 1) { const w = el("div", "table-wrap"); renderTable(w, p.columns, p.rows); card.appendChild(w); }
    out.appendChild(card);
  }
  const details = el("details", "");
  details.append(el("summary", "", t("draftModel")), el("pre", "sql", body.model));
  out.appendChild(details);
  const keep = el("button", "primary keep", t("keepData")), discard = el("button", "discard", t("discardData"));
  keep.onclick = async () => {
    const k = await fetch("/api/v1/uploads/" + body.id + "/keep", { method: "POST" });
    const kb = await k.json();
    if (!k.ok) { out.appendChild(el("div", "login-error", (kb.error && kb.error.message) || k.status)); return; }
    state.model = await (await fetch("/api/v1/model")).json();
    state.currency = state.model.currency || "CNY";
    state.locale = state.model.locale || "";
    out.appendChild(el("div", "meta kept", t("kept")));
    keep.disabled = discard.disabled = true;
  };
  discard.onclick = async () => { await fetch("/api/v1/uploads/" + body.id, { method: "DELETE" }); out.innerHTML = ""; };
  out.append(keep, discard);
}
