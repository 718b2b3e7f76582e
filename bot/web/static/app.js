/* The programme Mini App: no framework, no build step.
   Reads /programme.json (public, cached with an ETag); inside Telegram it signs every /api/
   call with Telegram's initData ("Authorization: tma <initData>") and shows and changes the
   participant's agenda, the one the bot's reminders use. Outside Telegram it is read-only. */
"use strict";
(function () {
  const tg = window.Telegram && window.Telegram.WebApp;
  const initData = (tg && tg.initData) || "";
  const state = {
    doc: null, strings: {}, lang: "en", zone: null, agenda: new Map(), signedIn: false,
    view: "programme", day: null, q: "", filters: { track: "", type: "", room: "", language: "" },
    offset: 0, byId: new Map(), opener: null, shown: null,
  };
  const $ = (id) => document.getElementById(id);
  const WIDE = window.matchMedia("(min-width: 760px)");
  const SLOT = 300; // seconds per grid row

  // -- text --------------------------------------------------------------------------------
  function t(key, params) {
    let text = state.strings[key] || key;
    if (params) {
      for (const name of Object.keys(params)) text = text.split("{" + name + "}").join(params[name]);
    }
    return text;
  }
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children || []) if (child) node.append(child);
    return node;
  }
  // Mirrors bot.schedule.query.fold: casefold, drop accents, punctuation to spaces.
  function fold(text) {
    let s = String(text).normalize("NFKC").toLowerCase().replace(/ß/g, "ss").replace(/ς/g, "σ");
    s = s.normalize("NFKD").replace(/\p{M}/gu, "");
    return s.replace(/[^\p{L}\p{N}_:]+|_/gu, " ").split(" ").filter(Boolean).join(" ");
  }
  window.forumFold = fold;

  // -- time --------------------------------------------------------------------------------
  const formats = new Map();
  function fmt(zone, options) {
    const key = zone + JSON.stringify(options) + state.lang;
    if (!formats.has(key)) {
      formats.set(key, new Intl.DateTimeFormat(state.lang, Object.assign({ timeZone: zone }, options)));
    }
    return formats.get(key);
  }
  const HM = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
  function hm(ts, zone) { return fmt(zone, HM).format(new Date(ts * 1000)); }
  function dayLabel(iso, long) {
    const [y, m, d] = iso.split("-").map(Number);
    const opts = long ? { weekday: "long", day: "numeric", month: "long" } : { weekday: "short", day: "numeric", month: "short" };
    return fmt("UTC", opts).format(new Date(Date.UTC(y, m - 1, d, 12)));
  }
  function offsetAt(ts, zone) {
    const parts = fmt(zone, { year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", hourCycle: "h23" })
      .formatToParts(new Date(ts * 1000));
    const get = (type) => Number(parts.find((p) => p.type === type).value);
    return Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute")) / 1000 - Math.floor(ts / 60) * 60;
  }
  function city(zone) { return zone.split("/").pop().replace(/_/g, " "); }
  function eventTime(s) {
    const ev = state.doc.event;
    return t("event_time", { time: hm(s.start, ev.zone) + "–" + hm(s.end, ev.zone), place: ev.place });
  }
  function ownTime(s) {
    const zone = state.zone;
    if (!zone || zone === state.doc.event.zone || offsetAt(s.start, zone) === offsetAt(s.start, state.doc.event.zone)) return "";
    return t("own_time", { time: hm(s.start, zone) + "–" + hm(s.end, zone), zone: city(zone) });
  }
  function now() { return Math.floor((Date.now() + state.offset) / 1000); }
  function eventDay(ts) {
    const p = fmt(state.doc.event.zone, { year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(new Date(ts * 1000));
    const get = (type) => p.find((x) => x.type === type).value;
    return get("year") + "-" + get("month") + "-" + get("day");
  }

  // -- data --------------------------------------------------------------------------------
  async function getJSON(url, options) {
    const response = await fetch(url, options);
    const header = response.headers.get("X-Forum-Now");
    if (header) state.offset = Number(header) - Date.now();
    let body = null;
    try { body = await response.json(); } catch (e) { body = null; }
    return { status: response.status, body: body };
  }
  function auth(method) {
    return { method: method || "GET", headers: { Authorization: "tma " + initData }, cache: "no-store" };
  }
  async function loadStrings(lang) {
    const answer = await getJSON("/i18n/" + lang + ".json");
    if (answer.status === 200 && answer.body) {
      state.strings = answer.body.strings;
      state.lang = answer.body.language;
      document.documentElement.lang = state.lang;
      formats.clear();
    }
  }
  function guessLanguage() {
    const user = tg && tg.initDataUnsafe && tg.initDataUnsafe.user;
    const wanted = [(user && user.language_code) || "", navigator.language || "", "en"];
    for (const code of wanted) {
      const base = code.toLowerCase().split("-")[0];
      if (["en", "de", "es", "fr", "pt"].includes(base)) return base;
    }
    return "en";
  }
  function setAgenda(items) {
    state.agenda = new Map(items.map((item) => [item.id, item]));
  }

  // -- theme -------------------------------------------------------------------------------
  function applyTheme() {
    if (!tg) return;
    const root = document.documentElement;
    root.dataset.theme = tg.colorScheme === "dark" ? "dark" : "light";
    const p = tg.themeParams || {};
    const map = { bg_color: "--bg", text_color: "--text", hint_color: "--hint", link_color: "--link",
      button_color: "--accent", button_text_color: "--accent-text", secondary_bg_color: "--card" };
    for (const [name, variable] of Object.entries(map)) {
      if (p[name]) root.style.setProperty(variable, p[name]);
    }
  }

  // -- rendering ---------------------------------------------------------------------------
  function translateStatic() {
    for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
    for (const node of document.querySelectorAll("[data-t-label]")) node.setAttribute("aria-label", t(node.dataset.tLabel));
    for (const node of document.querySelectorAll("[data-t-placeholder]")) node.placeholder = t(node.dataset.tPlaceholder);
    document.title = state.doc && state.doc.event.name ? state.doc.event.name + " · " + t("title") : t("title");
  }
  function notice(text) {
    const node = $("notice");
    node.textContent = text || "";
    node.hidden = !text;
  }
  function title(s) { return (s.titles && s.titles[state.lang]) || s.title; }
  function abstract(s) { return (s.abstracts && s.abstracts[state.lang]) || s.abstract || ""; }

  function fillSelect(id, key, values, anyKey) {
    const select = $(id);
    select.replaceChildren(el("option", { value: "", text: t(anyKey) }),
      ...values.map((v) => el("option", { value: v, text: v, selected: state.filters[key] === v })));
    select.closest("label").hidden = values.length < 2;
  }
  function renderControls() {
    const doc = state.doc;
    const days = $("days");
    days.replaceChildren(...doc.days.map((day) => el("button", {
      type: "button", "aria-pressed": String(day === state.day && !state.q), text: dayLabel(day, false),
      "aria-label": dayLabel(day, true), onclick: () => { state.day = day; state.q = ""; $("q").value = ""; render(); },
    })));
    fillSelect("f-track", "track", doc.tracks, "any_track");
    fillSelect("f-type", "type", doc.types, "any_type");
    fillSelect("f-room", "room", doc.rooms, "any_room");
    fillSelect("f-language", "language", doc.languages, "any_language");
    const ev = doc.event;
    $("event-name").textContent = ev.name || t("title");
    $("zone-note").textContent = state.zone && state.zone !== ev.zone
      ? t("zones_note", { place: ev.place, zone: city(state.zone) }) : t("zone_note", { place: ev.place });
    $("view-agenda").hidden = !state.signedIn;
    $("view-programme").setAttribute("aria-pressed", String(state.view === "programme"));
    $("view-agenda").setAttribute("aria-pressed", String(state.view === "agenda"));
    $("controls").hidden = state.view !== "programme";
  }
  function matches(s, words) {
    const f = state.filters;
    if (f.track && s.track !== f.track) return false;
    if (f.type && s.type !== f.type) return false;
    if (f.room && s.room !== f.room) return false;
    if (f.language && s.language !== f.language) return false;
    return words.every((w) => s.k.includes(w));
  }
  function card(s, extra) {
    const starred = state.agenda.has(s.id);
    const when = [eventTime(s), ownTime(s)].filter(Boolean).join(" · ");
    const info = state.agenda.get(s.id);
    const children = [el("button", {
      type: "button", class: "open", "aria-haspopup": "dialog", "data-session": s.id,
      onclick: (e) => openDetails(s, e.currentTarget),
    }, [
      el("span", { class: "title", text: title(s) }),
      el("span", { class: "meta", text: when }),
      el("span", { class: "meta", text: [s.room, s.track, s.type].filter(Boolean).join(" · ") }),
      extra && info && info.conflict ? el("span", { class: "conflict", text: "⚠ " + t("conflict") }) : null,
    ])];
    if (state.signedIn) {
      children.push(el("button", {
        type: "button", class: "star", "aria-pressed": String(starred),
        "aria-label": (starred ? t("unstar") : t("star")) + ": " + title(s),
        text: starred ? "★" : "☆", onclick: () => toggle(s),
      }));
    }
    const running = s.start <= now() && now() < s.end;
    return el("article", { class: "card" + (running ? " running" : ""), "data-id": s.id }, children);
  }
  function nowLine() {
    return el("p", { class: "now", role: "note", text: t("now") + " " + hm(now(), state.doc.event.zone) });
  }
  function list(sessions, withDays) {
    const out = [];
    let lastDay = null;
    let lastStart = null;
    let slot = null;
    let nowShown = !(sessions.length && eventDay(now()) === sessions[0].day) || withDays;
    for (const s of sessions) {
      if (withDays && s.day !== lastDay) {
        out.push(el("h2", { text: dayLabel(s.day, true) }));
        lastDay = s.day;
        lastStart = null;
      }
      if (!nowShown && s.end > now()) {
        out.push(nowLine());
        nowShown = true;
      }
      if (s.start !== lastStart) {
        const own = ownTime({ start: s.start, end: s.start });
        slot = el("section", { class: "slot" }, [el("h3", {
          text: hm(s.start, state.doc.event.zone) + " " + state.doc.event.place + (own ? " · " + own.replace(/–.*? /, " ") : ""),
        })]);
        out.push(slot);
        lastStart = s.start;
      }
      slot.append(card(s, withDays));
    }
    if (!nowShown) out.push(nowLine());
    return out;
  }
  function grid(sessions) {
    const rooms = state.doc.rooms.filter((room) => sessions.some((s) => s.room === room));
    const first = Math.min(...sessions.map((s) => s.start));
    const last = Math.max(...sessions.map((s) => s.end));
    const row = (ts) => 2 + Math.round((ts - first) / SLOT);
    const node = el("div", { class: "grid", role: "presentation" });
    node.style.gridTemplateColumns = "4.5rem repeat(" + rooms.length + ", minmax(11rem, 1fr))";
    rooms.forEach((room, i) => {
      const head = el("h3", { class: "room", text: room });
      head.style.gridColumn = String(i + 2);
      head.style.gridRow = "1";
      node.append(head);
    });
    const starts = [...new Set(sessions.map((s) => s.start))];
    for (const start of starts) {
      const label = el("p", { class: "time", text: hm(start, state.doc.event.zone) });
      label.style.gridColumn = "1";
      label.style.gridRow = row(start) + " / span 1";
      node.append(label);
    }
    for (const s of sessions) {
      const item = card(s, false);
      item.style.gridColumn = String(rooms.indexOf(s.room) + 2);
      item.style.gridRow = row(s.start) + " / " + Math.max(row(s.end), row(s.start) + 1);
      node.append(item);
    }
    const at = now();
    if (at >= first && at <= last) {
      const line = nowLine();
      line.style.gridColumn = "1 / -1";
      line.style.gridRow = row(at) + " / span 1";
      node.append(line);
    }
    return node;
  }
  function renderProgramme() {
    const words = fold(state.q).split(" ").filter(Boolean);
    const searching = words.length > 0;
    const pool = state.doc.sessions.filter((s) => (searching || s.day === state.day) && matches(s, words));
    $("count").textContent = t("count", { count: pool.length });
    if (!state.doc.sessions.length) return [el("p", { class: "hint", text: t("no_programme") })];
    if (!pool.length) return [el("p", { class: "hint", text: t("no_match") })];
    if (WIDE.matches && !searching) return [grid(pool)];
    return list(pool, searching);
  }
  function renderAgenda() {
    const sessions = [...state.agenda.keys()].map((id) => state.byId.get(id)).filter(Boolean);
    $("count").textContent = t("count", { count: sessions.length });
    if (!sessions.length) return [el("p", { class: "hint", text: t("agenda_empty") })];
    return list(sessions, true);
  }
  function render() {
    if (!state.doc) return;
    translateStatic();
    renderControls();
    $("main").replaceChildren(...(state.view === "agenda" ? renderAgenda() : renderProgramme()));
  }

  // -- details and stars -------------------------------------------------------------------
  function openDetails(s, opener) {
    state.opener = opener || null;
    state.shown = s;
    $("d-title").textContent = title(s);
    $("d-when").textContent = dayLabel(s.day, true) + " · " + eventTime(s);
    const own = ownTime(s);
    $("d-own").textContent = own;
    $("d-own").hidden = !own;
    $("d-room").textContent = t("room") + ": " + s.room;
    $("d-speakers").textContent = s.speakers ? t("speakers") + ": " + s.speakers.join(", ") : "";
    $("d-speakers").hidden = !s.speakers;
    $("d-tags").textContent = [s.track, s.type, s.language].filter(Boolean).join(" · ");
    $("d-abstract").textContent = abstract(s);
    const link = $("d-link");
    link.hidden = !s.url;
    if (s.url) link.href = s.url;
    $("d-number").textContent = t("session_no", { id: s.id });
    updateStar();
    const dialog = $("details");
    dialog.setAttribute("aria-label", t("details", { title: title(s) }));
    if (!dialog.open) dialog.showModal();
  }
  function updateStar() {
    const s = state.shown;
    const star = $("d-star");
    star.hidden = !state.signedIn || !s;
    if (!s) return;
    const starred = state.agenda.has(s.id);
    star.setAttribute("aria-pressed", String(starred));
    star.textContent = starred ? "★ " + t("unstar") : "☆ " + t("star");
    star.title = starred ? t("starred") : "";
  }
  function closeDetails() {
    $("details").close();
  }
  async function toggle(s) {
    const starred = state.agenda.has(s.id);
    let answer;
    try {
      answer = await getJSON("/api/agenda/" + encodeURIComponent(s.id), auth(starred ? "DELETE" : "PUT"));
    } catch (e) {
      notice(t("save_failed"));
      return;
    }
    if (answer.status === 200 && answer.body) {
      setAgenda(answer.body.agenda);
      notice(starred ? "" : t("starred"));
      if (tg && tg.HapticFeedback) tg.HapticFeedback.selectionChanged();
    } else {
      notice((answer.body && answer.body.error) || t("save_failed"));
    }
    const focused = document.activeElement && document.activeElement.closest("[data-id]");
    render();
    updateStar();
    if (focused) {
      const again = document.querySelector('[data-id="' + CSS.escape(focused.dataset.id) + '"] .star');
      if (again) again.focus();
    }
  }

  // -- start -------------------------------------------------------------------------------
  function wire() {
    $("q").addEventListener("input", (e) => { state.q = e.target.value; render(); });
    for (const key of ["track", "type", "room", "language"]) {
      $("f-" + key).addEventListener("change", (e) => { state.filters[key] = e.target.value; render(); });
    }
    $("view-programme").addEventListener("click", () => { state.view = "programme"; render(); });
    $("view-agenda").addEventListener("click", () => { state.view = "agenda"; render(); });
    $("d-close").addEventListener("click", closeDetails);
    $("d-star").addEventListener("click", () => { if (state.shown) toggle(state.shown); });
    $("details").addEventListener("close", () => {
      state.shown = null;
      if (state.opener && document.contains(state.opener)) state.opener.focus();
    });
    WIDE.addEventListener("change", render);
    if (tg) tg.onEvent("themeChanged", applyTheme);
    setInterval(render, 60000);
  }
  async function start() {
    applyTheme();
    if (tg) { tg.ready(); tg.expand(); }
    wire();
    const programme = getJSON("/programme.json");
    const me = initData ? getJSON("/api/me", auth()) : Promise.resolve(null);
    let strings = loadStrings(guessLanguage());
    const [doc, profile] = await Promise.all([programme, me]);
    await strings;
    state.doc = doc.body;
    state.byId = new Map(state.doc.sessions.map((s) => [s.id, s]));
    if (profile && profile.status === 200 && profile.body) {
      state.signedIn = true;
      state.zone = profile.body.zone;
      setAgenda(profile.body.agenda);
      if (profile.body.language !== state.lang) await loadStrings(profile.body.language);
    } else if (profile && profile.status === 403) {
      notice((profile.body && profile.body.error) || t("start_bot"));
    } else {
      notice(t("read_only"));
    }
    const params = new URLSearchParams(location.search);
    const today = eventDay(now());
    const wanted = params.get("day");
    const session = state.byId.get(params.get("session") || "");
    state.day = session ? session.day : state.doc.days.includes(wanted) ? wanted : state.doc.days.includes(today) ? today : state.doc.days[0] || null;
    render();
    if (session) openDetails(session, null);
  }
  start().catch((error) => {
    notice(t("save_failed"));
    console.error(error);
  });
})();
