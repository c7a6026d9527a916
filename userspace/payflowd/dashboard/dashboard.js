// payflowd's dashboard: polls GET /api/state (docs/DASHBOARD.md) once a
// second and draws it. No framework, no network but this listener.
'use strict';
(function () {
  const POLL_MS = 1000, HISTORY_S = 300;
  const $ = (id) => document.getElementById(id);
  let token = sessionStorage.getItem('payflowd-token') || '';
  let skew = 0;            // server time - local time, seconds
  let last = null;         // the latest state
  const series = new Map(); // reservation id -> [[time_unix, bps], ...]

  // A token given as #token=... is kept for the tab and taken off the address bar.
  const m = location.hash.match(/token=([^&]+)/);
  if (m) {
    token = decodeURIComponent(m[1]);
    sessionStorage.setItem('payflowd-token', token);
    window.history.replaceState(null, '', location.pathname);
  }

  function rate(bps) {
    const u = [['Gbit/s', 1e9], ['Mbit/s', 1e6], ['kbit/s', 1e3]];
    for (const [n, f] of u) if (bps >= f) return +(bps / f).toPrecision(4) + ' ' + n;
    return Math.round(bps) + ' bit/s';
  }
  function bytes(b) {
    const u = [['GB', 1e9], ['MB', 1e6], ['kB', 1e3]];
    for (const [n, f] of u) if (b >= f) return (b / f).toFixed(2) + ' ' + n;
    return b + ' B';
  }
  function utc(t) { return new Date(t * 1000).toISOString().substring(11, 19); }
  function left(s) {
    s = Math.max(0, Math.floor(s));
    const h = Math.floor(s / 3600), mn = Math.floor(s / 60) % 60, sec = s % 60;
    return (h ? h + ':' + String(mn).padStart(2, '0') : mn) + ':' + String(sec).padStart(2, '0');
  }
  function color(id) { return 'hsl(' + ((id * 137) % 360) + ',70%,45%)'; }
  function cell(tr, text, cls) {
    const td = tr.insertCell();
    td.textContent = text == null ? '' : text;
    if (cls) td.className = cls;
    return td;
  }
  window.pfFormat = { rate, bytes, utc, left };

  function drawLinks(links) {
    const box = $('links');
    box.replaceChildren();
    for (const l of links) {
      const cap = l.capacity_bps || 1, resv = l.reservable_bps;
      const row = document.createElement('div');
      row.className = 'link';
      row.dataset.port = l.port;
      const name = document.createElement('div');
      name.className = 'name';
      name.textContent = l.port;
      const sub = document.createElement('small');
      sub.textContent = l.kind === 'link'
        ? (l.bridge || '?') + ' → ' + l.to_bridge + ' (trunk)'
        : (l.bridge ? l.bridge + ' → ' : '') + (l.hosts || []).join(', ');
      name.append(sub);
      const bar = document.createElement('div');
      bar.className = 'bar' + (l.free_bps === 0 ? ' full' : '');
      const used = document.createElement('div');
      used.className = 'used';
      used.style.width = Math.min(100, 100 * l.reserved_bps / cap) + '%';
      const floor = document.createElement('div');
      floor.className = 'floor';
      floor.style.width = Math.max(0, 100 * (cap - resv) / cap) + '%';
      floor.title = 'kept for best effort';
      bar.append(floor, used);
      const fig = document.createElement('div');
      fig.className = 'figures';
      fig.textContent = 'reserved ' + rate(l.reserved_bps) + ' · free ' + rate(l.free_bps) +
        ' · capacity ' + rate(l.capacity_bps);
      row.append(name, bar, fig);
      box.append(row);
    }
  }

  function drawReservations(rows) {
    const body = $('resv').tBodies[0];
    const active = rows.filter((r) => r.state === 'active');
    body.replaceChildren();
    for (const r of active) {
      const tr = body.insertRow();
      tr.dataset.id = r.id;
      tr.dataset.end = r.end_unix;
      tr.dataset.rateBps = r.rate_bps;
      cell(tr, r.reservation_id || '#' + r.id, 'id');
      cell(tr, r.pair, 'pair');
      cell(tr, r.level + (r.level_name ? ' ' + r.level_name : ''), 'level');
      cell(tr, rate(r.rate_bps), 'rate num');
      cell(tr, utc(r.end_unix), 'end');
      cell(tr, left(r.seconds_left), 'left num');
      cell(tr, bytes(r.bytes), 'bytes num');
      cell(tr, rate(r.rate_now_bps), 'live num').style.color = color(r.id);
    }
    $('resv-empty').hidden = active.length > 0;
    $('resv-count').textContent = active.length + ' active';
  }

  // Time left counts down between polls from the end the daemon gave.
  function tick() {
    const now = Date.now() / 1000 + skew;
    $('clock').textContent = utc(now) + ' UTC';
    for (const tr of $('resv').tBodies[0].rows)
      tr.querySelector('.left').textContent = left(tr.dataset.end - now);
  }

  function record(state) {
    const t = state.time_unix, seen = new Set();
    for (const r of state.reservations) {
      if (r.state !== 'active') continue;
      seen.add(r.id);
      if (!series.has(r.id)) series.set(r.id, { pair: r.pair, pts: [] });
      series.get(r.id).pts.push([t, r.rate_now_bps]);
    }
    for (const [id, h] of series) {
      if (!seen.has(id) && h.pts.length && h.pts[h.pts.length - 1][1] !== 0)
        h.pts.push([t, 0]); // ended: drops to zero, then ages out
      h.pts = h.pts.filter((p) => p[0] >= t - HISTORY_S);
      if (!h.pts.length) series.delete(id);
    }
  }

  function drawChart(now) {
    const c = $('chart'), g = c.getContext('2d'), W = c.width, H = c.height, L = 70, B = 20;
    let max = 1e6; // at least 1 Mbit/s tall
    for (const h of series.values()) for (const p of h.pts) max = Math.max(max, p[1]);
    const step = Math.pow(10, Math.floor(Math.log10(max * 1.1)));
    max = Math.ceil(max * 1.1 / step) * step; // a round top: the ticks read well
    g.clearRect(0, 0, W, H);
    g.font = '11px sans-serif';
    g.fillStyle = '#6b7280';
    g.strokeStyle = '#e5e7eb';
    for (let i = 0; i <= 4; i++) {
      const y = (H - B) * (1 - i / 4);
      g.beginPath(); g.moveTo(L, y); g.lineTo(W, y); g.stroke();
      g.fillText(rate(max * i / 4), 2, Math.max(10, y));
    }
    for (let m = 0; m <= HISTORY_S / 60; m++) {
      const x = L + (W - L) * (1 - m * 60 / HISTORY_S);
      g.fillText(m ? '-' + m + ' min' : 'now', Math.min(x, W - 24), H - 5);
    }
    const legend = $('legend');
    legend.replaceChildren();
    for (const [id, h] of series) {
      g.strokeStyle = color(id);
      g.lineWidth = 2;
      g.beginPath();
      h.pts.forEach((p, i) => {
        const x = L + (W - L) * (1 - (now - p[0]) / HISTORY_S), y = (H - B) * (1 - p[1] / max);
        i ? g.lineTo(x, y) : g.moveTo(x, y);
      });
      g.stroke();
      const s = document.createElement('span');
      const sw = document.createElement('i');
      sw.style.background = color(id);
      s.append(sw, h.pair);
      legend.append(s);
    }
  }

  function wei(w, rev) {
    if (rev.decimals == null) return Number(w).toLocaleString('en') + ' wei';
    return (w / Math.pow(10, rev.decimals)).toPrecision(6) + ' ' + (rev.currency || '');
  }

  function drawRevenue(rev, c) {
    const body = $('revenue').tBodies[0];
    body.replaceChildren();
    for (const l of rev.levels) {
      const tr = body.insertRow();
      cell(tr, l.level); cell(tr, l.name); cell(tr, rate(l.rate_bps), 'num');
      cell(tr, l.price_per_s_wei + ' wei', 'num'); cell(tr, wei(l.revenue_wei, rev), 'num');
    }
    const tr = body.insertRow();
    tr.className = 'total';
    cell(tr, 'total'); cell(tr, ''); cell(tr, ''); cell(tr, '');
    cell(tr, wei(rev.total_wei, rev), 'num');
    const o = c.orders || {};
    $('counters').textContent = 'grants ' + c.grants + ' · extends ' + c.extends +
      ' · expiries ' + c.expiries + ' · revokes ' + c.revokes + ' · orders ' +
      Object.entries(o).map(([k, v]) => k + ' ' + v).join(', ');
  }

  function drawEvents(events) {
    const body = $('events').tBodies[0];
    body.replaceChildren();
    for (const e of events) {
      const tr = body.insertRow();
      cell(tr, utc(e.time_unix)); cell(tr, e.source);
      const o = cell(tr, '');
      const b = document.createElement('span');
      b.className = 'outcome ' + e.outcome;
      b.textContent = e.outcome;
      o.append(b);
      cell(tr, e.pair); cell(tr, e.level); cell(tr, e.amount_wei ? e.amount_wei + ' wei' : '', 'num');
      cell(tr, e.tx ? e.tx.substring(0, 10) + '…' : ''); cell(tr, e.reservation_id);
      cell(tr, e.reason, 'reason');
    }
  }

  function status(text, cls) {
    const s = $('status');
    s.textContent = text;
    s.className = 'status ' + cls;
  }

  async function poll() {
    try {
      const h = token ? { Authorization: 'Bearer ' + token } : {};
      const r = await fetch('/api/state', { headers: h, cache: 'no-store' });
      if (r.status === 401) {
        $('login').hidden = false;
        status('token needed', 'err');
        return;
      }
      if (!r.ok) throw new Error('HTTP ' + r.status);
      const state = await r.json();
      $('login').hidden = true;
      skew = state.time_unix - Date.now() / 1000;
      last = state;
      record(state);
      drawLinks(state.links);
      drawReservations(state.reservations);
      drawChart(state.time_unix);
      drawRevenue(state.revenue, state.counters);
      drawEvents(state.events);
      status('live', 'ok');
    } catch (e) {
      status('no answer: ' + e.message, 'err');
    } finally {
      setTimeout(poll, POLL_MS);
    }
  }

  $('login').addEventListener('submit', (ev) => {
    ev.preventDefault();
    token = $('token').value;
    sessionStorage.setItem('payflowd-token', token);
    $('token').value = '';
  });
  setInterval(tick, 250);
  window.pfLast = () => last;
  poll();
})();
