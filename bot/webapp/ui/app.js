// The staff Mini App of mentorbot: a small script over the server-rendered
// shell in index.html. It authenticates every request with Telegram's
// initData (never stored, never in a URL), takes every text from the
// labels of /app/api/me, and builds the tables with DOM APIs only (no
// innerHTML), as the page's CSP and the data's origin require.
'use strict';

(function () {
  const api = '/app/api/';
  const tg = window.Telegram && window.Telegram.WebApp ? window.Telegram.WebApp : null;
  const fragment = new URLSearchParams(location.hash.slice(1));

  // initData is Telegram's when its script loaded and knows it, else the
  // tgWebAppData of the URL fragment (decoded once by URLSearchParams),
  // as Telegram's own script would read it.
  const initData = (tg && tg.initData) || fragment.get('tgWebAppData') || '';

  // Used only when /me could not be read: then there are no labels.
  const fallback = {
    'webapp.error.network': 'The server could not be reached. Please try again.',
    'webapp.error.generic': 'Something went wrong ({status}).',
  };

  const state = {
    me: null,
    labels: {},
    filters: { project: '', state: '', degree: '', level: '', q: '', sort: 'newest' },
    page: 1,
    pages: 1,
    listSeq: 0,
    detail: null, // the open application's detail
    opener: null, // the ref whose button opened it, to return focus to
    pending: null, // the action waiting for its text
    loaded: {}, // panels loaded since the last change
  };

  const $ = (id) => document.getElementById(id);

  // L returns label id with {name} placeholders filled from vars.
  function L(id, vars) {
    let s = state.labels[id];
    if (s === undefined) s = fallback[id] !== undefined ? fallback[id] : id;
    if (vars) {
      s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] !== undefined ? String(vars[k]) : m));
    }
    return s;
  }

  class APIError extends Error {
    constructor(status, message, id) {
      super(message);
      this.status = status;
      this.id = id || '';
    }
  }

  async function request(method, path, body) {
    const init = { method, cache: 'no-store', headers: { Authorization: 'tma ' + initData, Accept: 'application/json' } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      throw new APIError(0, L('webapp.error.network'));
    }
    return res;
  }

  async function errorOf(res) {
    let data = null;
    try {
      data = await res.json();
    } catch (e) {
      data = null;
    }
    const msg = data && typeof data.error === 'string' && data.error ? data.error : L('webapp.error.generic', { status: res.status });
    return new APIError(res.status, msg, data && data.id);
  }

  // getJSON and postJSON return the decoded body of a 2xx answer and
  // throw an APIError with the server's text otherwise.
  async function call(method, path, body) {
    const res = await request(method, path, body);
    if (!res.ok) throw await errorOf(res);
    return res.json();
  }
  const getJSON = (path) => call('GET', path);
  const postJSON = (path, body) => call('POST', path, body || {});

  // status tells the user, through the live region, of a result or an
  // error; text '' clears it.
  function status(text, isError) {
    const el = $('status');
    el.textContent = text;
    el.classList.toggle('error', !!isError);
  }

  function fail(err) {
    status(err && err.message ? err.message : L('webapp.error.generic', { status: 0 }), true);
  }

  function el(tag, attrs, ...children) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') n.className = v;
      else if (k === 'text') n.textContent = v;
      else if (k.startsWith('data-') || k.startsWith('aria-') || k === 'dir' || k === 'scope' || k === 'type' || k === 'id' || k === 'value') n.setAttribute(k, v === true ? '' : v);
      else n[k] = v;
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      n.append(c);
    }
    return n;
  }

  // td is a cell of text; auto marks text people wrote (names, notes),
  // isolated in a <bdi> so an Arabic name in an English table, or the
  // reverse, neither reorders nor realigns the cell.
  function td(text, cls, auto) {
    const s = text === undefined || text === null ? '' : String(text);
    return el('td', { class: cls || null }, auto ? el('bdi', { text: s }) : s);
  }

  function yesNo(b) {
    return b ? L('webapp.yes') : L('webapp.no');
  }

  // Theme: Telegram's script sets the --tg-theme-* variables itself;
  // without it the fragment's tgWebAppThemeParams are applied the same
  // way. app.css falls back to light colours for any that are missing.
  function applyTheme(params) {
    if (!params) return;
    const root = document.documentElement.style;
    for (const [k, v] of Object.entries(params)) {
      if (typeof v === 'string' && /^#[0-9a-fA-F]{3,8}$/.test(v)) {
        root.setProperty('--tg-theme-' + k.replace(/_/g, '-'), v);
      }
    }
  }

  function initTheme() {
    if (tg) {
      if (tg.colorScheme) document.documentElement.dataset.scheme = tg.colorScheme;
      tg.onEvent && tg.onEvent('themeChanged', () => {
        document.documentElement.dataset.scheme = tg.colorScheme || '';
      });
      return;
    }
    const raw = fragment.get('tgWebAppThemeParams');
    if (!raw) return;
    try {
      const params = JSON.parse(raw);
      applyTheme(params);
      if (params.bg_color) document.documentElement.dataset.scheme = isDark(params.bg_color) ? 'dark' : 'light';
    } catch (e) {
      // A theme that does not parse leaves the default colours.
    }
  }

  function isDark(hex) {
    let h = hex.replace('#', '');
    if (h.length === 3) h = h.split('').map((c) => c + c).join('');
    const n = parseInt(h.slice(0, 6), 16);
    const r = (n >> 16) & 255, g = (n >> 8) & 255, b = n & 255;
    return 0.299 * r + 0.587 * g + 0.114 * b < 128;
  }

  // ---- start ----

  async function start() {
    initTheme();
    if (tg) {
      tg.ready && tg.ready();
      tg.expand && tg.expand();
    }
    let me;
    try {
      me = await getJSON(api + 'me');
    } catch (err) {
      $('loading').hidden = true;
      document.body.dataset.state = 'denied';
      fail(err);
      return;
    }
    state.me = me;
    state.labels = me.labels || {};
    document.documentElement.lang = me.lang || 'en';
    document.documentElement.dir = me.dir === 'rtl' ? 'rtl' : 'ltr';
    document.title = L('webapp.title');
    for (const n of document.querySelectorAll('[data-l]')) n.textContent = L(n.dataset.l);
    $('who').textContent = me.edition
      ? L('webapp.who_edition', { name: me.user ? me.user.name : '', edition: me.edition })
      : L('webapp.who', { name: me.user ? me.user.name : '' });

    fillFilters(me);
    fillUniversities(me);
    wire();

    for (const t of document.querySelectorAll('[role=tab]')) {
      t.hidden = t.hasAttribute('data-staff') && !me.staff;
    }
    $('tabs').hidden = false;
    $('main').hidden = false;
    $('loading').hidden = true;
    document.body.dataset.state = 'ready';
    selectTab(me.staff ? 'tab-apps' : 'tab-tickets', false);
  }

  function options(select, items, anyLabel) {
    select.replaceChildren();
    if (anyLabel !== null) select.append(el('option', { value: '', text: anyLabel }));
    for (const it of items) select.append(el('option', { value: it.id, text: it.label }));
  }

  function fillFilters(me) {
    const any = L('webapp.filter.any');
    options($('f-project'), (me.projects || []).map((p) => ({ id: p.id, label: p.title || p.id })), any);
    options($('f-state'), (me.states || []).map((s) => ({ id: s.id, label: s.label || s.id })), any);
    options($('f-degree'), (me.degrees || []).map((d) => ({ id: d.id, label: d.label || d.id })), any);
    options($('f-level'), (me.levels || []).map((l) => ({ id: l, label: l })), any);
  }

  function fillUniversities(me) {
    const unis = me.universities || [];
    const sel = $('f-university');
    options(sel, unis.map((u) => ({ id: u.id, label: u.name || u.id })), null);
    if (me.committee) sel.value = me.committee;
    sel.disabled = unis.length < 2;
  }

  // ---- tabs (WAI-ARIA tabs pattern: arrows, Home, End) ----

  function visibleTabs() {
    return Array.from(document.querySelectorAll('[role=tab]')).filter((t) => !t.hidden);
  }

  function selectTab(id, focus) {
    for (const t of document.querySelectorAll('[role=tab]')) {
      const on = t.id === id;
      t.setAttribute('aria-selected', on ? 'true' : 'false');
      t.tabIndex = on ? 0 : -1;
      $(t.getAttribute('aria-controls')).hidden = !on;
      if (on && focus) t.focus();
    }
    status('');
    loadPanel(id);
  }

  function onTabKey(e) {
    const tabs = visibleTabs();
    const i = tabs.indexOf(e.target);
    if (i < 0) return;
    const rtl = document.documentElement.dir === 'rtl';
    let j = -1;
    switch (e.key) {
      case 'ArrowRight': j = rtl ? i - 1 : i + 1; break;
      case 'ArrowLeft': j = rtl ? i + 1 : i - 1; break;
      case 'Home': j = 0; break;
      case 'End': j = tabs.length - 1; break;
      default: return;
    }
    e.preventDefault();
    j = (j + tabs.length) % tabs.length;
    selectTab(tabs[j].id, true);
  }

  function loadPanel(id) {
    switch (id) {
      case 'tab-apps': if (!state.loaded.apps) loadApps(); break;
      case 'tab-publish': loadPublish(); break;
      case 'tab-ment': loadMentorships(); break;
      case 'tab-numbers': loadNumbers(); break;
      case 'tab-tickets': loadTickets(); break;
    }
  }

  // ---- applications ----

  function readFilters() {
    state.filters = {
      project: $('f-project').value,
      state: $('f-state').value,
      degree: $('f-degree').value,
      level: $('f-level').value,
      q: $('f-q').value.trim(),
      sort: $('f-sort').value || 'newest',
    };
  }

  async function loadApps() {
    const seq = ++state.listSeq;
    const table = $('apps');
    table.setAttribute('aria-busy', 'true');
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(state.filters)) if (v) qs.set(k, v);
    qs.set('page', String(state.page));
    let data;
    try {
      data = await getJSON(api + 'applications?' + qs.toString());
    } catch (err) {
      if (seq !== state.listSeq) return;
      table.setAttribute('aria-busy', 'false');
      fail(err);
      return;
    }
    if (seq !== state.listSeq) return; // an older answer, overtaken
    state.loaded.apps = true;
    state.page = data.page || 1;
    state.pages = data.pages || 1;
    renderApps(data);
    table.setAttribute('aria-busy', 'false');
  }

  function renderApps(data) {
    const items = data.items || [];
    const body = $('apps').tBodies[0];
    body.replaceChildren(...items.map(appRow));
    $('apps-caption').textContent = L('webapp.apps.count', { total: data.total || 0 });
    $('apps-empty').hidden = items.length > 0;
    $('apps').closest('.table-wrap').hidden = items.length === 0;
    $('pager').hidden = state.pages <= 1;
    $('page-info').textContent = L('webapp.page', { page: state.page, pages: state.pages });
    $('page-prev').disabled = state.page <= 1;
    $('page-next').disabled = state.page >= state.pages;
    const sort = state.filters.sort;
    $('th-submitted').setAttribute('aria-sort', sort === 'newest' ? 'descending' : sort === 'oldest' ? 'ascending' : 'none');
    $('th-name').setAttribute('aria-sort', sort === 'name' ? 'ascending' : 'none');
    markOpen();
  }

  function appRow(a) {
    const open = el('button', { type: 'button', class: 'linklike', 'data-open': a.ref, text: a.ref });
    return el('tr', { 'data-ref': a.ref, 'data-project': a.project, 'data-state': a.state },
      el('th', { scope: 'row' }, open),
      td(a.name, null, true),
      td(a.project_title || a.project, 'col-wide', true),
      td(a.state_label || a.state),
      td(a.degree_label || a.degree, 'col-wide'),
      td(a.level),
      td(a.submitted, 'col-wide'));
  }

  // markOpen highlights the row of the open application, if shown.
  function markOpen() {
    const ref = state.detail ? state.detail.ref : '';
    for (const tr of $('apps').tBodies[0].rows) {
      if (tr.dataset.ref === ref) tr.setAttribute('aria-current', 'true');
      else tr.removeAttribute('aria-current');
    }
  }

  function updateRow(a) {
    const row = Array.from($('apps').tBodies[0].rows).find((tr) => tr.dataset.ref === a.ref);
    if (row) row.replaceWith(appRow(a));
    markOpen();
  }

  async function openApp(ref) {
    status('');
    let d;
    try {
      // Opening puts a submitted application under review, as in the
      // chat; the answer is the application as it is then.
      d = await postJSON(api + 'applications/' + encodeURIComponent(ref) + '/open', {});
    } catch (err) {
      fail(err);
      return;
    }
    state.opener = ref;
    showDetail(d);
    updateRow(d);
    $('split').classList.add('with-detail');
    $('app-detail').hidden = false;
    if (tg && tg.BackButton) tg.BackButton.show();
    focusDetail();
  }

  // focusDetail moves the keyboard to the detail's heading, and the
  // view to the detail when it is not in sight (at phone width it takes
  // the list's place).
  function focusDetail() {
    $('detail-title').focus({ preventScroll: true });
    const top = $('app-detail').getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight / 2) $('app-detail').scrollIntoView({ block: 'start' });
  }

  function closeDetail() {
    state.detail = null;
    $('app-detail').hidden = true;
    $('split').classList.remove('with-detail');
    if (tg && tg.BackButton) tg.BackButton.hide();
    markOpen();
    const btn = state.opener && document.querySelector('#apps button[data-open="' + CSS.escape(state.opener) + '"]');
    if (btn) btn.focus();
  }

  function showDetail(d) {
    state.detail = d;
    state.pending = null;
    $('detail-title').textContent = L('webapp.detail.title', { ref: d.ref });
    $('detail-msg').textContent = '';
    $('decide-form').hidden = true;

    const fields = [
      ['webapp.col.name', d.name, true],
      ['webapp.col.project', d.project_title || d.project, true],
      ['webapp.col.state', d.state_label || d.state],
      ['webapp.col.degree', d.degree_label || d.degree],
      ['webapp.col.year', d.year],
      ['webapp.col.language', d.language],
      ['webapp.col.level', d.level],
      ['webapp.col.submitted', d.submitted],
      ['webapp.field.user_id', d.user_id],
      ['webapp.field.mentor', d.mentor, true],
      ['webapp.field.note', d.note, true],
      ['webapp.field.reason', d.reason, true],
      ['webapp.field.published', yesNo(d.published)],
    ];
    const dl = $('detail-fields');
    dl.replaceChildren();
    for (const [id, value, auto] of fields) {
      if (value === undefined || value === null || value === '') continue;
      dl.append(el('div', { class: 'pair' },
        el('dt', { text: L(id) }),
        el('dd', { class: id === 'webapp.field.note' || id === 'webapp.field.reason' ? 'prose' : null },
          auto ? el('bdi', { text: String(value) }) : String(value))));
    }

    const docs = d.documents || [];
    $('detail-docs').replaceChildren(...docs.map((doc) => {
      const about = el('span', { class: 'hint' }, ' (');
      if (doc.name) about.append(el('bdi', { text: doc.name }), doc.size ? ', ' : '');
      about.append(size(doc.size), ')');
      return el('li', null,
        el('button', { type: 'button', class: 'linklike', 'data-url': doc.url, 'data-name': doc.name || doc.kind },
          el('span', { text: doc.label || doc.kind }), about));
    }));
    $('detail-docs-none').hidden = docs.length > 0;
    const zip = $('detail-zip');
    zip.hidden = docs.length === 0 || !d.zip_url;
    zip.dataset.url = d.zip_url || '';
    zip.dataset.name = d.ref + '.zip';

    const actions = d.actions || [];
    $('detail-actions').replaceChildren(...actions.map((a) => el('button', {
      type: 'button',
      class: a.action === 'acc' || a.action === 'match' ? 'primary' : a.action === 'rej' ? 'danger' : null,
      'data-action': a.action,
      'data-text': a.text || 'none',
      text: a.label || L('review.action.' + a.action),
    })));
    $('detail-actions-none').hidden = actions.length > 0;
    markOpen();
  }

  function size(n) {
    if (!n) return '';
    if (n < 1024 * 1024) return L('webapp.size.kb', { n: Math.max(1, Math.round(n / 1024)) });
    return L('webapp.size.mb', { n: (n / (1024 * 1024)).toFixed(1) });
  }

  function onAction(btn) {
    const action = btn.dataset.action;
    const text = btn.dataset.text;
    if (text === 'required' || text === 'optional') {
      state.pending = { action, required: text === 'required' };
      const id = action === 'int' ? 'webapp.text.note' : action === 'rej' ? 'webapp.text.reason' : 'webapp.text.other';
      $('decide-label').textContent = L(id);
      $('decide-ok').textContent = btn.textContent;
      const area = $('decide-text');
      area.value = '';
      area.required = state.pending.required;
      area.setAttribute('aria-required', state.pending.required ? 'true' : 'false');
      $('decide-form').hidden = false;
      $('detail-msg').textContent = '';
      area.focus();
      return;
    }
    decide(action, '');
  }

  async function decide(action, text) {
    const d = state.detail;
    if (!d) return;
    const buttons = document.querySelectorAll('#detail-actions button, #decide-form button');
    for (const b of buttons) b.disabled = true;
    $('app-detail').setAttribute('aria-busy', 'true');
    let res;
    try {
      res = await postJSON(api + 'applications/' + encodeURIComponent(d.ref) + '/' + encodeURIComponent(action), { text });
    } catch (err) {
      for (const b of buttons) b.disabled = false;
      $('app-detail').setAttribute('aria-busy', 'false');
      // A decision that does not fit the state now (409), or a text
      // the server refused (400): the reason is shown where the
      // buttons are.
      $('detail-msg').textContent = err.message;
      return;
    }
    $('app-detail').setAttribute('aria-busy', 'false');
    showDetail(res);
    updateRow(res);
    status(L('webapp.done', { ref: res.ref, state: res.state_label || res.state }));
    focusDetail();
  }

  async function download(btn) {
    const url = btn.dataset.url;
    if (!url) return;
    btn.disabled = true;
    try {
      const res = await request('GET', url);
      if (!res.ok) throw await errorOf(res);
      const blob = await res.blob();
      const name = filename(res.headers.get('Content-Disposition')) || btn.dataset.name || 'download';
      const href = URL.createObjectURL(blob);
      const a = el('a', { href, download: name, class: 'visually-hidden' });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(href), 60000);
      status(L('webapp.docs.saved', { name }));
    } catch (err) {
      fail(err);
    } finally {
      btn.disabled = false;
    }
  }

  function filename(cd) {
    if (!cd) return '';
    let m = /filename\*=UTF-8''([^;]+)/i.exec(cd);
    if (m) {
      try {
        return decodeURIComponent(m[1]);
      } catch (e) {
        // fall through to the plain name
      }
    }
    m = /filename="?([^";]+)"?/i.exec(cd);
    return m ? m[1] : '';
  }

  // ---- publish ----

  async function loadPublish() {
    $('publish-confirm').hidden = true;
    $('publish-start').setAttribute('aria-expanded', 'false');
    const start = $('publish-start');
    start.disabled = true;
    let f;
    try {
      f = await getJSON(api + 'publish');
    } catch (err) {
      fail(err);
      return;
    }
    $('publish-figures').replaceChildren(
      el('li', { text: L('webapp.publish.matched', { n: f.matched || 0 }) }),
      el('li', { text: L('webapp.publish.rejected', { n: f.rejected || 0 }) }),
      el('li', { text: L('webapp.publish.unmatched', { n: f.unmatched || 0 }) }));
    const nothing = !(f.matched || f.rejected);
    $('publish-nothing').hidden = !nothing;
    start.disabled = nothing;
  }

  async function publish() {
    const yes = $('publish-yes');
    yes.disabled = true;
    try {
      const r = await postJSON(api + 'publish');
      $('publish-confirm').hidden = true;
      status(r.text || L('webapp.publish.done', { n: r.published || 0 }));
      state.loaded.apps = false;
      await loadPublish();
      $('publish-start').focus();
    } catch (err) {
      fail(err);
    } finally {
      yes.disabled = false;
    }
  }

  // ---- mentorships ----

  async function loadMentorships() {
    const table = $('ment');
    table.setAttribute('aria-busy', 'true');
    let data;
    try {
      data = await getJSON(api + 'mentorships');
    } catch (err) {
      table.setAttribute('aria-busy', 'false');
      fail(err);
      return;
    }
    const items = data.items || [];
    table.tBodies[0].replaceChildren(...items.map((m) => el('tr', { 'data-id': m.id },
      el('th', { scope: 'row' }, el('bdi', { text: m.mentee || '' })),
      td(m.mentor, null, true),
      td(m.project_title, 'col-wide', true),
      td(yesNo(m.agreed)),
      td(L('webapp.of', { n: m.held || 0, total: m.meetings || 0 }), 'num'),
      td(m.diaries || 0, 'num'),
      td(L('webapp.questionnaire', {
        mentee: yesNo(m.questionnaire && m.questionnaire.mentee),
        mentor: yesNo(m.questionnaire && m.questionnaire.mentor),
      })),
      td(m.ects_label || m.ects),
      td(yesNo(m.ended)))));
    $('ment-caption').textContent = L('webapp.ment.count', { total: items.length });
    $('ment-empty').hidden = items.length > 0;
    table.closest('.table-wrap').hidden = items.length === 0;
    table.setAttribute('aria-busy', 'false');
  }

  // ---- numbers ----

  async function loadNumbers() {
    let data;
    try {
      data = await getJSON(api + 'numbers');
    } catch (err) {
      fail(err);
      return;
    }
    const row = (r) => ({ label: r.label || r.title || r.id || r.state || r.project || '', count: r.count || 0 });
    const byState = (data.by_state || []).map(row);
    const byProject = (data.by_project || []).map(row);
    chart($('by-state-chart'), byState);
    chart($('by-project-chart'), byProject);
    countTable($('by-state'), byState);
    countTable($('by-project'), byProject);
  }

  function countTable(table, rows) {
    table.tBodies[0].replaceChildren(...rows.map((r) => el('tr', null,
      el('th', { scope: 'row' }, el('bdi', { text: r.label })),
      td(r.count, 'num'))));
  }

  // chart draws one horizontal bar per row: the label, an SVG bar
  // scaled to the largest count, and the count. It is decoration
  // (aria-hidden); the table below it holds the same numbers.
  function chart(box, rows) {
    const ns = 'http://www.w3.org/2000/svg';
    const max = Math.max(1, ...rows.map((r) => r.count));
    box.replaceChildren(...rows.map((r) => {
      const svg = document.createElementNS(ns, 'svg');
      svg.setAttribute('viewBox', '0 0 100 10');
      svg.setAttribute('preserveAspectRatio', 'none');
      svg.setAttribute('focusable', 'false');
      const rect = document.createElementNS(ns, 'rect');
      rect.setAttribute('x', '0');
      rect.setAttribute('y', '0');
      rect.setAttribute('height', '10');
      rect.setAttribute('width', String(r.count ? Math.max(1, (100 * r.count) / max) : 0));
      svg.append(rect);
      return el('div', { class: 'bar' },
        el('span', { class: 'bar-label' }, el('bdi', { text: r.label })),
        svg,
        el('span', { class: 'bar-count', text: String(r.count) }));
    }));
  }

  // ---- tickets ----

  async function loadTickets() {
    const uni = $('f-university').value;
    const table = $('tickets');
    if (!uni) {
      table.tBodies[0].replaceChildren();
      table.closest('.table-wrap').hidden = true;
      $('tickets-empty').hidden = false;
      table.setAttribute('aria-busy', 'false');
      return;
    }
    table.setAttribute('aria-busy', 'true');
    let data;
    try {
      data = await getJSON(api + 'tickets?university=' + encodeURIComponent(uni));
    } catch (err) {
      table.setAttribute('aria-busy', 'false');
      fail(err);
      return;
    }
    if ($('f-university').value !== uni) return; // overtaken by another pick
    const items = data.items || [];
    table.tBodies[0].replaceChildren(...items.map((t) => el('tr', { 'data-id': t.id },
      el('th', { scope: 'row', text: '#' + t.id }),
      td(t.topic_label || t.topic, null, true),
      td(t.first_name, null, true),
      td(t.state_label || t.state),
      td(t.created, 'col-wide'),
      td(t.claimed_by || '—', null, true),
      td(t.answered || '—', 'col-wide'),
      td(t.closed || '—', 'col-wide'))));
    const name = $('f-university').selectedOptions[0] ? $('f-university').selectedOptions[0].textContent : uni;
    $('tickets-caption').textContent = L('webapp.tickets.count', { university: name, total: items.length });
    $('tickets-empty').hidden = items.length > 0;
    table.closest('.table-wrap').hidden = items.length === 0;
    table.setAttribute('aria-busy', 'false');
  }

  // ---- wiring ----

  function wire() {
    const tabs = $('tabs');
    tabs.addEventListener('click', (e) => {
      const t = e.target.closest('[role=tab]');
      if (t) selectTab(t.id, true);
    });
    tabs.addEventListener('keydown', onTabKey);

    const form = $('filters');
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      readFilters();
      state.page = 1;
      loadApps();
    });
    form.addEventListener('change', (e) => {
      if (e.target.tagName !== 'SELECT') return;
      readFilters();
      state.page = 1;
      loadApps();
    });
    form.addEventListener('reset', () => {
      // After the browser has reset the controls.
      setTimeout(() => {
        readFilters();
        state.page = 1;
        loadApps();
      }, 0);
    });
    $('page-prev').addEventListener('click', () => {
      if (state.page > 1) {
        state.page--;
        loadApps();
      }
    });
    $('page-next').addEventListener('click', () => {
      if (state.page < state.pages) {
        state.page++;
        loadApps();
      }
    });
    $('apps').addEventListener('click', (e) => {
      const b = e.target.closest('button[data-open]');
      if (b) {
        openApp(b.dataset.open);
        return;
      }
      // A click anywhere on a row opens it too; the keyboard uses the
      // reference's button.
      const tr = e.target.closest('tbody tr[data-ref]');
      if (tr && !window.getSelection().toString()) openApp(tr.dataset.ref);
    });

    $('detail-close').addEventListener('click', closeDetail);
    $('app-detail').addEventListener('keydown', (e) => {
      if (e.key !== 'Escape') return;
      if (!$('decide-form').hidden) $('decide-cancel').click();
      else closeDetail();
    });
    if (tg && tg.BackButton && tg.BackButton.onClick) tg.BackButton.onClick(closeDetail);
    $('detail-actions').addEventListener('click', (e) => {
      const b = e.target.closest('button[data-action]');
      if (b && !b.disabled) onAction(b);
    });
    $('decide-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const p = state.pending;
      if (!p) return;
      const text = $('decide-text').value.trim();
      if (p.required && !text) {
        $('detail-msg').textContent = L('webapp.text.required');
        $('decide-text').focus();
        return;
      }
      decide(p.action, text);
    });
    $('decide-cancel').addEventListener('click', () => {
      state.pending = null;
      $('decide-form').hidden = true;
      $('detail-msg').textContent = '';
      const first = document.querySelector('#detail-actions button');
      if (first) first.focus();
    });
    for (const id of ['detail-docs', 'detail-zip']) {
      $(id).addEventListener('click', (e) => {
        const b = e.target.closest('button[data-url]');
        if (b && !b.disabled) download(b);
      });
    }

    $('publish-start').addEventListener('click', () => {
      $('publish-confirm').hidden = false;
      $('publish-start').setAttribute('aria-expanded', 'true');
      $('publish-question').focus();
    });
    $('publish-question').tabIndex = -1;
    $('publish-no').addEventListener('click', () => {
      $('publish-confirm').hidden = true;
      $('publish-start').setAttribute('aria-expanded', 'false');
      $('publish-start').focus();
    });
    $('publish-yes').addEventListener('click', publish);

    $('f-university').addEventListener('change', loadTickets);
    $('tickets-form').addEventListener('submit', (e) => e.preventDefault());
  }

  start();
})();
