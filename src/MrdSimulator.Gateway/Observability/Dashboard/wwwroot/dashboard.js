// MRD Simulator dashboard: polls dashboard/snapshot.json once a second and draws it.
// Plain DOM and SVG, no libraries; data is only ever written with textContent.
'use strict';

(function () {
  const POLL_MS = 1000;
  const SVG = 'http://www.w3.org/2000/svg';
  const sectionHistory = new Map(); // "section/label" -> recent values, kept while the page is open

  const byId = (id) => document.getElementById(id);

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    return node;
  }

  function fmtInt(n) {
    return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–';
  }

  function fmtRate(n) {
    if (!Number.isFinite(n)) return '–';
    if (n >= 100) return Math.round(n).toLocaleString('en-US');
    return n.toFixed(n >= 10 ? 1 : 2);
  }

  function fmtMs(n) {
    if (n === null || n === undefined || !Number.isFinite(n)) return '–';
    if (n < 1) return n.toFixed(3) + ' ms';
    if (n < 100) return n.toFixed(1) + ' ms';
    return Math.round(n) + ' ms';
  }

  function fmtValue(v, unit) {
    const text = Number.isInteger(v) ? fmtInt(v) : (Math.abs(v) < 10 ? v.toFixed(3) : v.toFixed(1));
    return unit ? text + ' ' + unit : text;
  }

  function fmtUptime(s) {
    const d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60, sec = Math.floor(s % 60);
    if (d > 0) return d + 'd ' + h + 'h';
    if (h > 0) return h + 'h ' + m + 'm';
    return m + 'm ' + sec + 's';
  }

  function setNumber(id, value, text) {
    const node = byId(id);
    if (!node) return;
    node.textContent = text !== undefined ? text : fmtInt(value);
    node.dataset.value = value === null || value === undefined ? '' : String(value);
  }

  // Draws one or more series (arrays of numbers or null gaps) into an SVG with a viewBox.
  function drawSpark(target, series, options) {
    const opts = options || {};
    const box = target.viewBox.baseVal;
    const w = box && box.width ? box.width : 240, h = box && box.height ? box.height : 48;
    while (target.firstChild) target.removeChild(target.firstChild);
    let max = 0, len = 0;
    for (const s of series) {
      len = Math.max(len, s.values.length);
      for (const v of s.values) if (v !== null && v > max) max = v;
    }
    target.appendChild(svg('line', { x1: 0, y1: h - 0.5, x2: w, y2: h - 0.5, class: 'base' }));
    if (len < 2 || max <= 0) return;
    const top = max * 1.1;
    const x = (i) => (i / (len - 1)) * w;
    const y = (v) => h - (v / top) * (h - 4) - 1;
    series.forEach((s, index) => {
      let d = '', pen = false;
      s.values.forEach((v, i) => {
        if (v === null || v === undefined) { pen = false; return; }
        d += (pen ? 'L' : 'M') + x(i).toFixed(1) + ' ' + y(v).toFixed(1);
        pen = true;
      });
      if (!d) return;
      if (index === 0 && opts.area) {
        const first = s.values.findIndex((v) => v !== null && v !== undefined);
        const area = d + 'L' + x(s.values.length - 1).toFixed(1) + ' ' + h + 'L' + x(first).toFixed(1) + ' ' + h + 'Z';
        target.appendChild(svg('path', { d: area, class: 'area' }));
      }
      target.appendChild(svg('path', { d: d, class: 'line ' + (s.cls || '') }));
    });
    if (opts.maxLabel) {
      const label = svg('text', { x: w - 2, y: 9, 'text-anchor': 'end', class: 'max' });
      label.textContent = opts.maxLabel(max);
      target.appendChild(label);
    }
  }

  function renderHeader(snap) {
    const service = byId('service-pill');
    service.textContent = snap.service.status;
    service.className = 'pill ' + (snap.service.status === 'IN_SERVICE' ? 'ok' : 'bad');
    const ready = byId('ready-pill');
    ready.textContent = snap.service.ready ? 'ready' : 'not ready';
    ready.className = 'pill ' + (snap.service.ready ? 'ok' : 'bad');
    byId('uptime').textContent = fmtUptime(snap.uptimeSeconds);
    byId('updated').textContent = 'updated ' + new Date(snap.generatedAt).toLocaleTimeString();
  }

  function renderKpis(snap) {
    const history = snap.history || [];
    setNumber('kpi-rps', snap.http.requestsPerSecond, fmtRate(snap.http.requestsPerSecond));
    setNumber('kpi-requests-total', snap.http.requestsTotal);
    setNumber('kpi-nps', snap.notifications.publishedPerSecond, fmtRate(snap.notifications.publishedPerSecond));
    byId('kpi-delivered-ps').textContent = fmtRate(snap.notifications.deliveredPerSecond);
    const lat = snap.http.latencyMs;
    setNumber('kpi-p50', lat ? lat.p50 : null, fmtMs(lat ? lat.p50 : null));
    setNumber('kpi-p95', lat ? lat.p95 : null, fmtMs(lat ? lat.p95 : null));
    setNumber('kpi-p99', lat ? lat.p99 : null, fmtMs(lat ? lat.p99 : null));
    drawSpark(byId('spark-rps'), [{ values: history.map((s) => s.requestsPerSecond) }], { area: true, maxLabel: (m) => fmtRate(m) + '/s' });
    drawSpark(byId('spark-nps'), [
      { values: history.map((s) => s.publishedPerSecond) },
      { values: history.map((s) => s.deliveredPerSecond), cls: 'alt' },
    ], { area: true, maxLabel: (m) => fmtRate(m) + '/s' });
    drawSpark(byId('spark-latency'), ['p50', 'p95', 'p99'].map((p) => ({
      values: history.map((s) => (s.latency ? s.latency[p] : null)), cls: p,
    })), { maxLabel: (m) => fmtMs(m) });

    let signedIn = 0, ready = 0;
    for (const mrd of snap.agents.mrds) {
      signedIn += mrd.signedIn;
      ready += mrd.states.READY || 0;
    }
    setNumber('kpi-signed-in', signedIn);
    setNumber('kpi-ready', ready);
    setNumber('kpi-grains', snap.grains.active);
    setNumber('kpi-rejected', snap.grains.rejected);
  }

  function renderAgents(snap) {
    const agents = snap.agents;
    byId('agents-note').hidden = agents.available;
    // Columns: states some MRD has agents in, always READY and NOT_READY first and LOGOUT last.
    const shown = agents.states.filter((s) => s === 'READY' || s === 'NOT_READY' || s === 'LOGOUT'
      || agents.mrds.some((m) => (m.states[s] || 0) > 0));

    const legend = byId('legend');
    legend.replaceChildren(...shown.map((s) => {
      const item = el('span');
      item.appendChild(el('i', 's-' + s));
      item.appendChild(document.createTextNode(s));
      return item;
    }));

    const bars = byId('mrd-bars');
    bars.replaceChildren(...agents.mrds.map((mrd) => {
      const row = el('div', 'mrd-bar');
      const name = el('div', 'name', mrd.name + ' ');
      name.appendChild(el('small', null, '#' + mrd.id));
      row.appendChild(name);
      const bar = svg('svg', { viewBox: '0 0 1000 18', preserveAspectRatio: 'none', role: 'img', 'aria-label': mrd.name + ' agent states' });
      const total = Math.max(1, mrd.assigned);
      let x = 0;
      for (const s of shown) {
        const n = mrd.states[s] || 0;
        if (n <= 0) continue;
        const width = (n / total) * 1000;
        const rect = svg('rect', { x: x.toFixed(2), y: 0, width: width.toFixed(2), height: 18, class: 's-' + s });
        const tip = svg('title');
        tip.textContent = s + ': ' + n;
        rect.appendChild(tip);
        bar.appendChild(rect);
        x += width;
      }
      row.appendChild(bar);
      row.appendChild(el('div', 'count', fmtInt(mrd.signedIn) + ' / ' + fmtInt(mrd.assigned)));
      return row;
    }));

    const head = byId('agents-head');
    head.replaceChildren(el('th', null, 'MRD'), ...shown.map((s) => el('th', 'num', s)), el('th', 'num', 'Signed in'));
    const body = byId('agents-body');
    body.replaceChildren(...agents.mrds.map((mrd) => {
      const tr = el('tr');
      const name = el('td', null, mrd.name + ' (' + mrd.id + ')');
      tr.appendChild(name);
      for (const s of shown) {
        const n = mrd.states[s] || 0;
        const td = el('td', 'num' + (n === 0 ? ' zero' : ''), fmtInt(n));
        td.dataset.testid = 'agents-' + mrd.id + '-' + s;
        td.dataset.value = String(n);
        tr.appendChild(td);
      }
      const signed = el('td', 'num', fmtInt(mrd.signedIn));
      signed.dataset.testid = 'agents-' + mrd.id + '-signed-in';
      signed.dataset.value = String(mrd.signedIn);
      tr.appendChild(signed);
      return tr;
    }));
  }

  function renderRuntime(snap) {
    setNumber('n-published', snap.notifications.published);
    setNumber('n-delivered', snap.notifications.delivered);
    setNumber('n-dropped', snap.notifications.dropped);
    byId('n-dropped').classList.toggle('warn', snap.notifications.dropped > 0);
    setNumber('g-activations', snap.grains.activations);
    setNumber('g-deactivations', snap.grains.deactivations);
    setNumber('g-turn', snap.grains.callP99Ms, fmtMs(snap.grains.callP99Ms));

    byId('checks').replaceChildren(...snap.service.checks.map((c) => {
      const li = el('li');
      const left = el('span', null, c.name + ' ');
      if (c.description) left.appendChild(el('small', null, c.description));
      li.appendChild(left);
      li.appendChild(el('b', c.status === 'Unhealthy' ? 'bad' : 'ok', c.status));
      return li;
    }));

    byId('routes-body').replaceChildren(...snap.http.routes.map((r) => {
      const tr = el('tr');
      tr.appendChild(el('td', 'code', r.method));
      tr.appendChild(el('td', 'code', r.route));
      tr.appendChild(el('td', 'code st-' + String(r.status).charAt(0), r.status));
      tr.appendChild(el('td', 'num', fmtInt(r.count)));
      return tr;
    }));
  }

  // Sections other features contribute (XMPP, task queues, faults): shown only while they have data.
  function renderSections(snap) {
    const container = byId('sections');
    const present = new Set();
    for (const section of snap.sections) {
      present.add(section.id);
      let card = byId('section-' + section.id);
      if (!card) {
        card = el('section', 'card');
        card.id = 'section-' + section.id;
        card.dataset.testid = 'section-' + section.id;
        container.appendChild(card);
      }
      const stats = el('div', 'section-stats');
      section.stats.forEach((stat) => {
        const key = section.id + '/' + stat.label;
        const values = sectionHistory.get(key) || [];
        values.push(stat.value);
        if (values.length > 120) values.shift();
        sectionHistory.set(key, values);
        const box = el('div');
        const value = el('div', 'v', fmtValue(stat.value, stat.unit));
        value.dataset.value = String(stat.value);
        box.appendChild(value);
        box.appendChild(el('div', 'l', stat.label));
        const spark = svg('svg', { class: 'spark', viewBox: '0 0 130 26', preserveAspectRatio: 'none' });
        box.appendChild(spark);
        drawSpark(spark, [{ values: values }], { area: true });
        stats.appendChild(box);
      });
      // A table with many columns (a metric per column) gets the whole row rather than a scrollbar.
      card.classList.toggle('wide', !!section.table && section.table.columns.length > 6);
      const parts = [el('h2', null, section.title), stats];
      if (section.table) {
        const wrap = el('div', 'table-wrap');
        const table = el('table', 'grid');
        const head = el('tr');
        section.table.columns.forEach((c) => head.appendChild(el('th', null, c)));
        const thead = el('thead');
        thead.appendChild(head);
        const tbody = el('tbody');
        section.table.rows.forEach((row) => {
          const tr = el('tr');
          row.forEach((cell) => tr.appendChild(el('td', null, cell)));
          tbody.appendChild(tr);
        });
        table.appendChild(thead);
        table.appendChild(tbody);
        wrap.appendChild(table);
        parts.push(wrap);
      }
      card.replaceChildren(...parts);
    }
    for (const card of Array.from(container.children)) {
      if (!present.has(card.id.replace(/^section-/, ''))) card.remove();
    }
  }

  function render(snap) {
    renderHeader(snap);
    renderKpis(snap);
    renderAgents(snap);
    renderRuntime(snap);
    renderSections(snap);
    document.body.dataset.snapshot = snap.generatedAt;
  }

  function setConnected(ok) {
    byId('conn').className = 'dot ' + (ok ? 'on' : 'off');
    if (!ok) byId('updated').textContent = 'simulator unreachable, retrying…';
  }

  async function poll() {
    try {
      const response = await fetch('dashboard/snapshot.json', { cache: 'no-store', headers: { Accept: 'application/json' } });
      if (!response.ok) throw new Error('HTTP ' + response.status);
      render(await response.json());
      setConnected(true);
    } catch (e) {
      setConnected(false);
    } finally {
      window.setTimeout(poll, document.hidden ? POLL_MS * 5 : POLL_MS);
    }
  }

  poll();
})();
