/*
 * custom:gsm-gateway-inbox-card: the SMS conversations of the GSM Gateway
 * integration's inbox (SPEC §11), with replies through a chosen SIM.
 *
 * Plain JavaScript, no build step and nothing fetched from the network: Home
 * Assistant serves this file and loads it on every dashboard. It speaks the
 * integration's websocket API (websocket_api.py): conversations and pages of
 * messages, a subscription that says when an inbox changed, marking read and
 * sending (both for administrators). Its texts are the integration's
 * translations ("card" in strings.json), loaded through hass.loadBackendTranslation.
 * Colours are the theme's CSS variables, so light and dark themes both fit.
 */

const DOMAIN = "gsm_gateway";
const CARD_TYPE = "gsm-gateway-inbox-card";
const EDITOR_TYPE = "gsm-gateway-inbox-card-editor";
const PAGE = 30;
const DEFAULT_CONVERSATIONS = 5;

/* Before the translations arrive (and in the card picker, which has no hass
 * when it reads window.customCards), English from strings.json. */
const FALLBACK = {
  name: "GSM Gateway inbox",
  description: "SMS conversations of your gateways: read them and reply through a SIM.",
};

const escapeHtml = (value) =>
  String(value ?? "").replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c],
  );

function translator(hass, localize) {
  return (key, params) => {
    const text = (localize ?? hass?.localize)?.(`component.${DOMAIN}.card.${key}`, params);
    if (text) return text;
    if (FALLBACK[key]) return FALLBACK[key];
    return key;
  };
}

const STYLE = `
  :host { display: block; }
  ha-card { display: flex; flex-direction: column; overflow: hidden; height: 100%; }
  .header {
    display: flex; align-items: center; gap: 8px;
    padding: 12px 16px; border-bottom: 1px solid var(--divider-color);
    min-height: 32px;
  }
  .header .title {
    flex: 1; min-width: 0; font-size: 1.2em; font-weight: 500;
    color: var(--primary-text-color);
    overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
  }
  .header .unread-total {
    font-size: 0.85em; color: var(--secondary-text-color); white-space: nowrap;
  }
  button {
    font: inherit; cursor: pointer; border: none; border-radius: 18px;
    background: none; color: var(--primary-color); padding: 6px 12px;
  }
  button:hover { background: var(--secondary-background-color); }
  button:disabled { opacity: 0.5; cursor: default; }
  button.primary {
    background: var(--primary-color); color: var(--text-primary-color, #fff);
  }
  .body { flex: 1; overflow-y: auto; min-height: 120px; max-height: 480px; }
  .empty, .notice {
    padding: 24px 16px; color: var(--secondary-text-color); text-align: center;
  }
  .conversation {
    display: flex; align-items: center; gap: 12px; padding: 10px 16px;
    cursor: pointer; border-bottom: 1px solid var(--divider-color);
  }
  .conversation:last-child { border-bottom: none; }
  .conversation:hover { background: var(--secondary-background-color); }
  .avatar {
    flex: none; width: 40px; height: 40px; border-radius: 50%;
    display: flex; align-items: center; justify-content: center;
    background: var(--primary-color); color: var(--text-primary-color, #fff);
    font-weight: 500; --mdc-icon-size: 24px;
  }
  .conversation .main { flex: 1; min-width: 0; }
  .conversation .top { display: flex; gap: 8px; align-items: baseline; }
  .conversation .who {
    flex: 1; min-width: 0; font-weight: 500; color: var(--primary-text-color);
    overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
  }
  .conversation .when { font-size: 0.8em; color: var(--secondary-text-color); }
  .conversation .preview {
    color: var(--secondary-text-color); font-size: 0.9em;
    overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
  }
  .conversation.unread .who, .conversation.unread .preview {
    color: var(--primary-text-color); font-weight: 600;
  }
  .badge {
    flex: none; min-width: 20px; height: 20px; border-radius: 10px; padding: 0 6px;
    box-sizing: border-box; display: inline-flex; align-items: center;
    justify-content: center; font-size: 0.75em; font-weight: 600;
    background: var(--accent-color, var(--primary-color));
    color: var(--text-accent-color, var(--text-primary-color, #fff));
  }
  .thread { display: flex; flex-direction: column; gap: 6px; padding: 12px; }
  .message { display: flex; flex-direction: column; max-width: 80%; }
  .message.received { align-self: flex-start; align-items: flex-start; }
  .message.sent { align-self: flex-end; align-items: flex-end; }
  .bubble {
    padding: 8px 12px; border-radius: 16px; white-space: pre-wrap;
    overflow-wrap: anywhere; line-height: 1.35;
  }
  .received .bubble {
    background: var(--secondary-background-color); color: var(--primary-text-color);
    border-bottom-left-radius: 4px;
  }
  .sent .bubble {
    background: var(--primary-color); color: var(--text-primary-color, #fff);
    border-bottom-right-radius: 4px;
  }
  .meta { font-size: 0.75em; color: var(--secondary-text-color); margin: 2px 4px; }
  .status.failed, .status.undelivered { color: var(--error-color); }
  .status.delivered { color: var(--success-color, var(--primary-color)); }
  .older { align-self: center; }
  .composer {
    display: flex; flex-direction: column; gap: 8px; padding: 8px 12px 12px;
    border-top: 1px solid var(--divider-color);
  }
  .composer .row { display: flex; gap: 8px; align-items: flex-end; }
  input, select, textarea {
    font: inherit; color: var(--primary-text-color);
    background: var(--card-background-color, var(--ha-card-background));
    border: 1px solid var(--divider-color); border-radius: 8px; padding: 8px;
    box-sizing: border-box; min-width: 0;
  }
  textarea { flex: 1; resize: none; min-height: 40px; max-height: 120px; }
  input.number { flex: 1; }
  select { max-width: 100%; }
  .error { color: var(--error-color); font-size: 0.85em; }
  [hidden] { display: none !important; }
`;

class GsmGatewayInboxCard extends HTMLElement {
  static getConfigElement() {
    return document.createElement(EDITOR_TYPE);
  }

  static getStubConfig() {
    return { conversations: DEFAULT_CONVERSATIONS };
  }

  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this._view = "list";
    this._conversations = [];
    this._total = 0;
    this._unread = 0;
    this._thread = null;
    this._gateways = [];
    this._loaded = false;
    this._error = "";
    this._refreshing = null;
    this._again = false;
  }

  setConfig(config) {
    if (!config || typeof config !== "object") throw new Error("Invalid configuration");
    const conversations = Number(config.conversations ?? DEFAULT_CONVERSATIONS);
    if (!Number.isInteger(conversations) || conversations < 1) {
      throw new Error("conversations must be a whole number of at least 1");
    }
    const changed =
      !this._config ||
      this._config.config_entry_id !== config.config_entry_id ||
      this._config.device_id !== config.device_id;
    this._config = { ...config, conversations };
    if (changed && this._hass) {
      this._resubscribe();
      this._view = "list";
      this._thread = null;
      this._refresh();
    }
    this._render();
  }

  set hass(hass) {
    const first = !this._hass;
    const language = hass?.locale?.language ?? hass?.language;
    const languageChanged = language !== this._language;
    this._hass = hass;
    this._language = language;
    if (languageChanged && hass?.loadBackendTranslation) {
      hass.loadBackendTranslation("card", DOMAIN).then((localize) => {
        this._localize = localize;
        this._composerFor = null;
        this._render();
      });
    }
    if (first) {
      this._subscribe();
      this._refresh();
      this._loadGateways();
    }
    if (first || languageChanged) this._render();
  }

  get hass() {
    return this._hass;
  }

  connectedCallback() {
    if (this._hass && !this._unsubscribe) {
      this._subscribe();
      this._refresh();
    }
  }

  disconnectedCallback() {
    this._unsub();
  }

  getCardSize() {
    return 3 + Math.min(this._config?.conversations ?? DEFAULT_CONVERSATIONS, 8);
  }

  getGridOptions() {
    return { columns: 12, min_columns: 4, rows: "auto" };
  }

  /* Talking to Home Assistant. */

  _scope() {
    const scope = {};
    if (this._config?.device_id) scope.device_id = this._config.device_id;
    else if (this._config?.config_entry_id) {
      scope.config_entry_id = this._config.config_entry_id;
    }
    return scope;
  }

  _ws(type, fields = {}) {
    return this._hass.connection.sendMessagePromise({ type: `${DOMAIN}/inbox/${type}`, ...fields });
  }

  _subscribe() {
    if (!this._hass?.connection || this._subscribing) return;
    this._subscribing = this._hass.connection
      .subscribeMessage(() => this._refresh(), {
        type: `${DOMAIN}/inbox/subscribe`,
        ...this._scope(),
      })
      .then((unsubscribe) => {
        this._unsubscribe = unsubscribe;
      })
      .catch((err) => {
        this._error = err?.message ?? String(err);
        this._render();
      })
      .finally(() => {
        this._subscribing = null;
      });
  }

  _unsub() {
    if (this._unsubscribe) {
      this._unsubscribe().catch(() => {});
      this._unsubscribe = null;
    }
  }

  _resubscribe() {
    this._unsub();
    this._subscribe();
    this._loadGateways();
  }

  async _loadGateways() {
    try {
      const result = await this._ws("sims", this._scope());
      this._gateways = result.gateways;
    } catch (err) {
      this._gateways = [];
    }
    this._renderComposer();
  }

  /* One refresh at a time; changes during one are taken by one more. */
  _refresh() {
    if (!this._hass?.connection) return;
    if (this._refreshing) {
      this._again = true;
      return;
    }
    this._refreshing = this._load()
      .catch((err) => {
        this._error = err?.message ?? String(err);
      })
      .finally(() => {
        this._refreshing = null;
        this._render();
        if (this._again) {
          this._again = false;
          this._refresh();
        }
      });
  }

  async _load() {
    const list = await this._ws("conversations", {
      ...this._scope(),
      limit: this._config.conversations,
    });
    this._conversations = list.conversations;
    this._total = list.total;
    this._unread = list.unread;
    this._loaded = true;
    this._error = "";
    if (this._thread) {
      const shown = Math.max(PAGE, this._thread.messages.length);
      const page = await this._ws("messages", {
        ...this._scope(),
        number: this._thread.number,
        limit: shown,
      });
      this._thread.messages = page.messages;
      this._thread.more = page.more;
      if (page.messages.some((m) => m.direction === "received" && !m.read)) {
        await this._markRead(this._thread.number);
      }
    }
  }

  async _markRead(number) {
    if (!this._hass.user?.is_admin) return;
    try {
      await this._ws("mark_read", { ...this._scope(), number });
    } catch (err) {
      /* Read marks are a convenience: the conversation shows either way. */
    }
  }

  async _open(number) {
    this._view = "thread";
    this._thread = { number, messages: [], more: false, fresh: true };
    this._render();
    this._refresh();
  }

  async _older() {
    const thread = this._thread;
    const page = await this._ws("messages", {
      ...this._scope(),
      number: thread.number,
      offset: thread.messages.length,
      limit: PAGE,
    });
    thread.messages = thread.messages.concat(page.messages);
    thread.more = page.more;
    this._keepScroll = true;
    this._render();
  }

  async _send() {
    const root = this.shadowRoot;
    const text = root.querySelector("textarea")?.value ?? "";
    const number =
      this._view === "new"
        ? root.querySelector("input.number")?.value.trim()
        : this._thread?.number;
    if (!text.trim() || !number) return;
    const [entryId, deviceId] = (root.querySelector("select.sim")?.value ?? "|").split("|");
    const fields = { number, text };
    if (deviceId) fields.device_id = deviceId;
    else if (entryId) fields.config_entry_id = entryId;
    const button = root.querySelector("button.send");
    button.disabled = true;
    this._sendError = "";
    try {
      await this._ws("send", fields);
      root.querySelector("textarea").value = "";
      if (this._view === "new") {
        this._view = "thread";
        this._thread = { number, messages: [], more: false, fresh: true };
      }
      this._refresh();
    } catch (err) {
      this._sendError = this._t("error", { error: err?.message ?? String(err) });
    } finally {
      button.disabled = false;
      this._render();
    }
  }

  /* Showing it. */

  get _t() {
    return translator(this._hass, this._localize);
  }

  _time(iso) {
    if (!iso) return "";
    const date = new Date(iso);
    const locale = this._hass?.locale;
    const options = {};
    if (locale?.time_zone === "server" && this._hass?.config?.time_zone) {
      options.timeZone = this._hass.config.time_zone;
    }
    const sameDay = new Date().toDateString() === date.toDateString();
    const format = sameDay
      ? { hour: "2-digit", minute: "2-digit" }
      : { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" };
    try {
      return date.toLocaleString(locale?.language ?? this._hass?.language, {
        ...format,
        ...options,
      });
    } catch (err) {
      return date.toLocaleString();
    }
  }

  _simName(message) {
    const device = message.device_id && this._hass?.devices?.[message.device_id];
    if (device) return device.name_by_user || device.name || "";
    for (const gateway of this._gateways) {
      const sim = gateway.sims.find((s) => s.device_id === message.device_id);
      if (sim) return sim.name;
    }
    return message.port == null ? "" : `${this._t("sim")} ${message.port}`;
  }

  _skeleton() {
    if (this.shadowRoot.querySelector("ha-card")) return;
    this.shadowRoot.innerHTML = `
      <style>${STYLE}</style>
      <ha-card>
        <div class="header"></div>
        <div class="body"></div>
        <div class="composer" hidden></div>
      </ha-card>`;
    const root = this.shadowRoot;
    root.addEventListener("click", (event) => this._click(event));
    root.addEventListener("keydown", (event) => {
      if (event.target.matches("textarea") && event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        this._send();
      }
    });
  }

  _click(event) {
    const target = event.target.closest("[data-action]");
    if (!target) return;
    const action = target.dataset.action;
    if (action === "open") this._open(target.dataset.number);
    else if (action === "back") {
      this._view = "list";
      this._thread = null;
      this._sendError = "";
      this._render();
      this._refresh();
    } else if (action === "new") {
      this._view = "new";
      this._thread = null;
      this._sendError = "";
      this._render();
      this.shadowRoot.querySelector("input.number")?.focus();
    } else if (action === "older") this._older();
    else if (action === "send") this._send();
  }

  _render() {
    if (!this._config) return;
    this._skeleton();
    this._renderHeader();
    this._renderBody();
    this._renderComposer();
  }

  _renderHeader() {
    const t = this._t;
    const header = this.shadowRoot.querySelector(".header");
    const admin = Boolean(this._hass?.user?.is_admin);
    if (this._view === "list") {
      header.innerHTML = `
        <div class="title">${escapeHtml(this._config.title || t("title"))}</div>
        ${this._unread ? `<span class="unread-total">${escapeHtml(t("unread", { count: this._unread }))}</span>` : ""}
        ${admin && this._gateways.length ? `<button class="new" data-action="new">${escapeHtml(t("new_message"))}</button>` : ""}`;
      return;
    }
    const title =
      this._view === "new"
        ? t("new_message")
        : this._conversationName(this._thread.number);
    header.innerHTML = `
      <button class="back" data-action="back" aria-label="${escapeHtml(t("back"))}">‹ ${escapeHtml(t("back"))}</button>
      <div class="title">${escapeHtml(title)}</div>`;
  }

  _conversationName(number) {
    const conversation = this._conversations.find((c) => c.number === number);
    return conversation?.name || number;
  }

  _renderBody() {
    const t = this._t;
    const body = this.shadowRoot.querySelector(".body");
    if (this._error) {
      body.innerHTML = `<div class="notice error">${escapeHtml(this._error)}</div>`;
      return;
    }
    if (this._view === "new") {
      body.innerHTML = "";
      return;
    }
    if (this._view === "thread") {
      this._renderThread(body);
      return;
    }
    if (!this._loaded) {
      body.innerHTML = `<div class="empty">${escapeHtml(t("loading"))}</div>`;
      return;
    }
    if (!this._conversations.length) {
      body.innerHTML = `<div class="empty">${escapeHtml(t("empty"))}</div>`;
      return;
    }
    body.innerHTML = this._conversations
      .map((c) => {
        const who = c.name || c.number;
        /* A person's number gets a person; a sender by name its initial. */
        const avatar = /^[+\d\s()-]+$/.test(who)
          ? '<ha-icon icon="mdi:account"></ha-icon>'
          : escapeHtml(who[0].toUpperCase());
        return `
          <div class="conversation${c.unread ? " unread" : ""}" data-action="open"
               data-number="${escapeHtml(c.number)}" role="button" tabindex="0">
            <div class="avatar">${avatar}</div>
            <div class="main">
              <div class="top">
                <span class="who">${escapeHtml(who)}</span>
                <span class="when">${escapeHtml(this._time(c.last.timestamp))}</span>
              </div>
              <div class="preview">${c.last.direction === "sent" ? "↪ " : ""}${escapeHtml(c.last.text)}</div>
            </div>
            ${c.unread ? `<span class="badge">${c.unread}</span>` : ""}
          </div>`;
      })
      .join("");
  }

  _renderThread(body) {
    const t = this._t;
    const thread = this._thread;
    const nearBottom = body.scrollHeight - body.scrollTop - body.clientHeight < 40;
    const previousHeight = body.scrollHeight;
    const messages = [...thread.messages].reverse();
    body.innerHTML = `
      <div class="thread">
        ${thread.more ? `<button class="older" data-action="older">${escapeHtml(t("older"))}</button>` : ""}
        ${messages
          .map((m) => {
            const meta = [this._time(m.timestamp), this._simName(m)].filter(Boolean);
            const status =
              m.direction === "sent" && m.status
                ? ` · <span class="status ${escapeHtml(m.status)}">${escapeHtml(t(`status.${m.status}`))}</span>`
                : "";
            return `
              <div class="message ${escapeHtml(m.direction)}" data-status="${escapeHtml(m.status ?? "")}">
                <div class="bubble">${escapeHtml(m.text)}</div>
                <div class="meta">${escapeHtml(meta.join(" · "))}${status}</div>
              </div>`;
          })
          .join("")}
      </div>`;
    if (this._keepScroll) {
      body.scrollTop = body.scrollHeight - previousHeight;
      this._keepScroll = false;
    } else if (thread.fresh || nearBottom) {
      body.scrollTop = body.scrollHeight;
      if (thread.messages.length) thread.fresh = false;
    }
  }

  _simOptions() {
    const t = this._t;
    const several = this._gateways.length > 1;
    const options = [];
    for (const gateway of this._gateways) {
      const prefix = several ? `${gateway.title}: ` : "";
      if (!this._config.device_id) {
        options.push({ value: `${gateway.config_entry_id}|`, label: prefix + t("any_sim") });
      }
      for (const sim of gateway.sims) {
        if (!sim.device_id) continue;
        options.push({
          value: `${gateway.config_entry_id}|${sim.device_id}`,
          label: prefix + (this._hass?.devices?.[sim.device_id]?.name_by_user || sim.name),
        });
      }
    }
    return options;
  }

  _renderComposer() {
    const composer = this.shadowRoot?.querySelector(".composer");
    if (!composer || !this._config) return;
    const t = this._t;
    const admin = Boolean(this._hass?.user?.is_admin);
    const open = this._view === "new" || this._view === "thread";
    composer.hidden = !open;
    if (!open) {
      composer.innerHTML = "";
      this._composerFor = null;
      return;
    }
    if (!admin) {
      composer.innerHTML = `<div class="notice">${escapeHtml(t("read_only"))}</div>`;
      this._composerFor = null;
      return;
    }
    if (!this._gateways.length) {
      composer.innerHTML = `<div class="notice">${escapeHtml(t("no_gateway"))}</div>`;
      this._composerFor = null;
      return;
    }
    const key = [
      this._view,
      this._thread?.number ?? "",
      this._gateways.length,
      this._thread?.messages?.length ? "known" : "",
    ].join("|");
    const error = composer.querySelector(".error");
    if (this._composerFor === key) {
      /* Keep what is being typed; only the error line changes. */
      if (error) error.textContent = this._sendError || "";
      return;
    }
    this._composerFor = key;
    const options = this._simOptions();
    const last = this._thread?.messages?.[0];
    const preferred = last && `${last.config_entry_id}|${last.device_id ?? ""}`;
    const selected = options.some((o) => o.value === preferred) ? preferred : options[0]?.value;
    composer.innerHTML = `
      ${this._view === "new" ? `<input class="number" type="text" autocomplete="tel" placeholder="${escapeHtml(t("number"))}" aria-label="${escapeHtml(t("number"))}">` : ""}
      <select class="sim" aria-label="${escapeHtml(t("sim"))}" ${options.length < 2 ? "hidden" : ""}>
        ${options
          .map(
            (o) =>
              `<option value="${escapeHtml(o.value)}"${o.value === selected ? " selected" : ""}>${escapeHtml(o.label)}</option>`,
          )
          .join("")}
      </select>
      <div class="row">
        <textarea rows="1" placeholder="${escapeHtml(t("message"))}" aria-label="${escapeHtml(t("message"))}"></textarea>
        <button class="send primary" data-action="send">${escapeHtml(t("send"))}</button>
      </div>
      <div class="error">${escapeHtml(this._sendError || "")}</div>`;
  }
}

class GsmGatewayInboxCardEditor extends HTMLElement {
  setConfig(config) {
    this._config = { ...config };
    this._update();
  }

  set hass(hass) {
    const first = !this._hass;
    this._hass = hass;
    if (first && hass?.loadBackendTranslation) {
      hass.loadBackendTranslation("card", DOMAIN).then((localize) => {
        this._localize = localize;
        this._update(true);
      });
    }
    this._update();
  }

  _update(relabel = false) {
    if (!this._hass || !this._config) return;
    if (!this._form) {
      this._form = document.createElement("ha-form");
      this._form.addEventListener("value-changed", (event) => {
        const value = { ...event.detail.value };
        for (const key of Object.keys(value)) {
          if (value[key] === "" || value[key] === undefined || value[key] === null) {
            delete value[key];
          }
        }
        this._config = { type: this._config.type, ...value };
        this.dispatchEvent(
          new CustomEvent("config-changed", {
            detail: { config: this._config },
            bubbles: true,
            composed: true,
          }),
        );
      });
      this.appendChild(this._form);
    }
    const t = translator(this._hass, this._localize);
    this._form.hass = this._hass;
    this._form.data = { conversations: DEFAULT_CONVERSATIONS, ...this._config };
    this._form.schema = [
      { name: "title", selector: { text: {} } },
      { name: "config_entry_id", selector: { config_entry: { integration: DOMAIN } } },
      { name: "device_id", selector: { device: { integration: DOMAIN } } },
      {
        name: "conversations",
        selector: { number: { min: 1, max: 50, mode: "box" } },
      },
    ];
    if (relabel || !this._form.computeLabel) {
      this._form.computeLabel = (schema) => t(`editor.${schema.name}`);
    }
  }
}

if (!customElements.get(CARD_TYPE)) {
  customElements.define(CARD_TYPE, GsmGatewayInboxCard);
  customElements.define(EDITOR_TYPE, GsmGatewayInboxCardEditor);
  window.customCards = window.customCards || [];
  window.customCards.push({
    type: CARD_TYPE,
    name: FALLBACK.name,
    description: FALLBACK.description,
    preview: true,
    documentationURL: "https://github.com/gsm-gateway/gsm_gateway#the-inbox-card",
  });
}
