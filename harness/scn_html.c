/*
 * scn_html.c - a run as one self-contained HTML page: inline CSS and JS,
 * the run embedded as JSON in a <script type="application/json"> element,
 * nothing fetched.  Static HTML says what ran and how it ended (verdict,
 * failed expectations with the events they cite as links, the critical
 * pair, the replay token); the script draws the timeline from the data:
 * a virtual-time axis, a state band per container (started, being_killed,
 * unstarted, dead), one lane per green thread with call slices, wait bars
 * and event marks, guides at the cited events and the critical pair, and
 * the event table below.
 *
 * The page sets <body data-timeline="ok" data-lanes="N"> once the script
 * ran to its end, or data-timeline="error" (window.onerror), which is what
 * tests/html_browser.sh checks in headless Chromium.  No clock, no random:
 * equal runs give equal bytes.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "scn_json.h"
#include "scn_view.h"
#include "sim_alloc.h"

static const char *const html_css[] = {
    "body { font: 14px/1.4 system-ui, -apple-system, \"Segoe UI\", sans-serif; "
    "margin: 0; color: #1d2430; background: #fafbfc; }\n",
    "header, section, #controls, #legend, #status { margin: 0 16px; }\n",
    "header { padding: 12px 0 4px; }\n",
    "h1 { font-size: 18px; margin: 0 0 4px; }\n",
    ".meta, .mono, table, .lane-label, .axis, #selection { font-family: "
    "ui-monospace, \"SFMono-Regular\", Menlo, Consolas, monospace; font-size: "
    "12px; }\n",
    ".verdict { display: inline-block; padding: 1px 8px; border-radius: 3px; "
    "font-weight: 600; color: #fff; }\n",
    ".v-PASS { background: #2e7d32; } .v-FAIL { background: #c62828; } .v-HUNG "
    "{ background: #8e24aa; } .v-ERROR { background: #555; }\n",
    "#failures { border-left: 4px solid #c62828; background: #fdecea; padding: "
    "6px 10px; margin-top: 8px; }\n",
    "#failures .first { font-weight: 600; }\n",
    "#failures .detail { color: #555; padding-left: 16px; }\n",
    "#critical { border-left: 4px solid #ef6c00; background: #fff3e0; padding: "
    "6px 10px; margin-top: 8px; }\n",
    "a.cite { color: #b71c1c; font-weight: 600; }\n",
    "#controls { margin-top: 10px; display: flex; gap: 12px; align-items: "
    "center; flex-wrap: wrap; }\n",
    "#controls button { font: inherit; padding: 1px 8px; }\n",
    "#controls button.on { background: #1d2430; color: #fff; }\n",
    "#legend { margin-top: 6px; font-size: 12px; color: #555; }\n",
    "#legend span.sw { display: inline-block; width: 10px; height: 10px; "
    "margin: 0 3px 0 10px; vertical-align: middle; }\n",
    "#scroll { margin: 8px 16px; overflow-x: auto; border: 1px solid #d0d7de; "
    "background: #fff; }\n",
    "#tl { position: relative; }\n",
    ".row, .lane { display: flex; border-bottom: 1px solid #eef0f2; position: "
    "relative; }\n",
    ".lane-label { position: sticky; left: 0; z-index: 4; flex: none; width: "
    "220px; box-sizing: border-box; padding: 0 6px; background: #f6f8fa; "
    "border-right: 1px solid #d0d7de; white-space: nowrap; overflow: hidden; "
    "text-overflow: ellipsis; line-height: 26px; }\n",
    ".track { position: relative; flex: none; height: 26px; }\n",
    ".axis-row .track, .axis-row .lane-label { height: 46px; line-height: "
    "46px; }\n",
    ".state-lane .track, .state-lane .lane-label { height: 18px; line-height: "
    "18px; }\n",
    ".state-lane .lane-label { font-style: italic; }\n",
    ".tick { position: absolute; top: 0; height: 28px; border-left: 1px solid "
    "#c8ced6; }\n",
    ".tick.minor { height: 6px; border-color: #e1e4e8; }\n",
    ".tick span { position: absolute; top: 2px; left: 3px; line-height: 12px; "
    "white-space: nowrap; color: #57606a; }\n",
    ".tick.minor span { top: 12px; color: #8c959f; font-size: 10px; }\n",
    ".seg { position: absolute; top: 2px; height: 14px; overflow: hidden; "
    "white-space: nowrap; font-size: 10px; line-height: 14px; padding-left: "
    "2px; box-sizing: border-box; border-right: 1px solid #fff; }\n",
    ".st-started { background: #a5d6a7; } .st-being_killed { background: "
    "#ffb74d; } .st-unstarted { background: #cfd8dc; } .st-dead { background: "
    "#e57373; } .st-dead-err { background: #b71c1c; color: #fff; } .st-other { "
    "background: #b39ddb; }\n",
    ".slice { position: absolute; top: 3px; height: 14px; box-sizing: "
    "border-box; background: #4c78a8; color: #fff; font-size: 10px; "
    "line-height: 14px; overflow: hidden; white-space: nowrap; padding-left: "
    "2px; border-radius: 2px; min-width: 2px; cursor: pointer; }\n",
    ".slice.unfinished { background: repeating-linear-gradient(45deg, #4c78a8, "
    "#4c78a8 4px, #c62828 4px, #c62828 8px); }\n",
    ".slice.err { background: #7b3fa0; }\n",
    ".wait { position: absolute; top: 19px; height: 5px; background: #d0d7de; "
    "min-width: 2px; cursor: pointer; }\n",
    ".wait.open { background: repeating-linear-gradient(90deg, #d0d7de, "
    "#d0d7de 4px, #8e24aa 4px, #8e24aa 8px); }\n",
    ".ev { position: absolute; top: 4px; width: 3px; height: 12px; "
    "margin-left: -1px; z-index: 2; cursor: pointer; background: #57606a; }\n",
    ".ev.k-log { background: #00897b; } .ev.k-state { background: #6a1b9a; } "
    ".ev.k-send { background: #ef6c00; } .ev.k-kill { background: #c62828; "
    "width: 5px; margin-left: -2px; }\n",
    ".ev.k-exit { background: #1d2430; } .ev.k-spawn { background: #2e7d32; } "
    ".ev.k-wake { background: #90a4ae; height: 6px; top: 7px; } .ev.k-link { "
    "background: #b0bec5; height: 6px; top: 7px; }\n",
    ".ev.k-worker, .ev.k-managed { background: #0277bd; } .ev.k-mark { "
    "background: #f9a825; } .ev.k-step { background: #37474f; width: 5px; "
    "margin-left: -2px; } .ev.k-crash, .ev.k-hung { background: #d50000; "
    "width: 5px; margin-left: -2px; } .ev.k-host { background: #6d4c41; } "
    ".ev.k-ret { background: #4c78a8; }\n",
    ".ev.cited, .slice.cited { outline: 2px solid #d50000; outline-offset: "
    "1px; z-index: 3; }\n",
    ".ev.crit, .slice.crit { outline: 2px solid #ef6c00; outline-offset: 1px; "
    "z-index: 3; }\n",
    ".ev.sel, .slice.sel, .wait.sel { outline: 2px solid #0969da; "
    "outline-offset: 1px; z-index: 5; }\n",
    ".guides { position: absolute; top: 0; left: 220px; pointer-events: none; "
    "z-index: 3; }\n",
    ".guide { position: absolute; top: 0; border-left: 1px dashed #d50000; }\n",
    ".guide.crit { border-left: 2px dashed #ef6c00; }\n",
    ".guide span { position: absolute; top: 30px; left: 3px; background: "
    "#ef6c00; color: #fff; font: 10px/12px ui-monospace, monospace; padding: 0 "
    "3px; border-radius: 2px; white-space: nowrap; }\n",
    ".guide.cite span { background: #d50000; }\n",
    ".guide.first span { left: auto; right: 3px; }\n",
    "#selection { margin: 0 16px; min-height: 18px; color: #1d2430; }\n",
    "#events-box { margin: 8px 16px 16px; }\n",
    "table { border-collapse: collapse; width: 100%; background: #fff; }\n",
    "th, td { text-align: left; padding: 1px 8px; border-bottom: 1px solid "
    "#eef0f2; white-space: nowrap; }\n",
    "td.detail { white-space: pre-wrap; }\n",
    "tr.cited td { background: #fdecea; } tr.crit td { background: #fff3e0; } "
    "tr.sel td { background: #ddf4ff; }\n",
    "table.hide-sched tr.sched { display: none; }\n",
    "#status { color: #57606a; font-size: 12px; margin-bottom: 12px; }\n",
    "#status.error { color: #c62828; font-weight: 600; }\n",
    NULL,
};

static const char *const html_js[] = {
    "(function () {\n",
    "  'use strict';\n",
    "  var status = document.getElementById('status');\n",
    "  window.onerror = function (msg, src, line) {\n",
    "    document.body.setAttribute('data-timeline', 'error');\n",
    "    status.className = 'error';\n",
    "    status.textContent = 'timeline script error: ' + msg + ' (line ' + "
    "line + ')';\n",
    "  };\n",
    "  var D = JSON.parse(document.getElementById('csim-data').textContent);\n",
    "  var EV = D.events; /* [seq, vt, step, thread, kind, subject, detail] "
    "*/\n",
    "  var N = EV.length;\n",
    "  var LABEL_W = 220;\n",
    "  var WAIT = { block: 1, sleep: 1, yield: 1 };\n",
    "  var SCHED = { run: 1, yield: 1, block: 1, wake: 1, sleep: 1, link: 1 "
    "};\n",
    "  var idx = {}, cited = {}, crit = {};\n",
    "  var i, j;\n",
    "  for (i = 0; i < N; i++) idx[EV[i][0]] = i;\n",
    "  D.cited.forEach(function (s) { if (s in idx) cited[idx[s]] = 1; });\n",
    "  D.critical.forEach(function (s, k) { if (s !== null && s in idx) "
    "crit[idx[s]] = k + 1; });\n",
    "\n",
    "  function fmtTime(t) {\n",
    "    if (t === 0) return '0';\n",
    "    var u = [[1e9, 's'], [1e6, 'ms'], [1e3, 'us']];\n",
    "    for (var k = 0; k < u.length; k++)\n",
    "      if (t % u[k][0] === 0) return (t / u[k][0]) + u[k][1];\n",
    "    if (t >= 1e6) {\n",
    "      var f = String(t % 1e6);\n",
    "      while (f.length < 6) f = '0' + f;\n",
    "      return Math.floor(t / 1e6) + '.' + f.replace(/0+$/, '') + 'ms';\n",
    "    }\n",
    "    return t + 'ns';\n",
    "  }\n",
    "  function el(tag, cls, text) {\n",
    "    var e = document.createElement(tag);\n",
    "    if (cls) e.className = cls;\n",
    "    if (text !== undefined) e.textContent = text;\n",
    "    return e;\n",
    "  }\n",
    "  function evText(k) {\n",
    "    var e = EV[k];\n",
    "    return '#' + e[0] + '  ' + fmtTime(e[1]) + '  step ' + e[2] + '  ' + "
    "e[3] + ':' +\n",
    "      (names[e[3]] || '?') + '  ' + e[4] + ' ' + e[5] + (e[6] ? ' ' + "
    "e[6] : '');\n",
    "  }\n",
    "\n",
    "  /* Threads (lanes), in id order, and what each lane holds. */\n",
    "  var names = {}, lanes = {}, order = [];\n",
    "  function lane(tid) {\n",
    "    if (!lanes[tid]) {\n",
    "      lanes[tid] = { tid: tid, slices: [], waits: [], marks: [], stack: "
    "[], wait: null };\n",
    "      order.push(tid);\n",
    "    }\n",
    "    return lanes[tid];\n",
    "  }\n",
    "  D.threads.forEach(function (t) { names[t[0]] = t[1]; lane(t[0]); });\n",
    "  function closeWait(L, end, open) {\n",
    "    if (!L.wait) return;\n",
    "    L.wait.end = end; L.wait.open = open; L.waits.push(L.wait); L.wait = "
    "null;\n",
    "  }\n",
    "  for (i = 0; i < N; i++) {\n",
    "    var e = EV[i], L = lane(e[3]), k = e[4];\n",
    "    if (k === 'run') {\n",
    "      closeWait(L, i, false);\n",
    "    } else if (WAIT[k]) {\n",
    "      closeWait(L, i, false);\n",
    "      L.wait = { start: i, end: N, open: false };\n",
    "    } else if (k === 'call') {\n",
    "      closeWait(L, i, false);\n",
    "      L.stack.push({ start: i, end: N, ret: -1, unfinished: '' });\n",
    "    } else if (k === 'ret') {\n",
    "      for (j = L.stack.length - 1; j >= 0 && EV[L.stack[j].start][5] !== "
    "e[5]; j--);\n",
    "      if (j < 0) { L.marks.push(i); continue; }\n",
    "      while (L.stack.length > j + 1) {\n",
    "        var u = L.stack.pop(); u.end = i; u.unfinished = 'still open when "
    "an outer call returned'; L.slices.push(u);\n",
    "      }\n",
    "      var s = L.stack.pop(); s.end = i; s.ret = i; L.slices.push(s);\n",
    "    } else {\n",
    "      if (k === 'exit')\n",
    "        while (L.stack.length) {\n",
    "          var x = L.stack.pop(); x.end = i; x.unfinished = 'the thread "
    "exited (' + e[6] + ') first'; L.slices.push(x);\n",
    "        }\n",
    "      L.marks.push(i);\n",
    "    }\n",
    "  }\n",
    "  order.forEach(function (tid) {\n",
    "    var L = lanes[tid];\n",
    "    while (L.stack.length) {\n",
    "      var x = L.stack.pop(); x.end = N; x.unfinished = D.hung ? 'the run "
    "hung' : 'the run ended first'; L.slices.push(x);\n",
    "    }\n",
    "    closeWait(L, N, true);\n",
    "  });\n",
    "  order.sort(function (a, b) { return a - b; });\n",
    "\n",
    "  /* Container state segments, per service. */\n",
    "  var states = D.services.map(function (name) { return { name: name, "
    "segs: [] }; });\n",
    "  function svc(name) {\n",
    "    for (var k = 0; k < states.length; k++) if (states[k].name === name) "
    "return states[k];\n",
    "    var s = { name: name, segs: [] }; states.push(s); return s;\n",
    "  }\n",
    "  for (i = 0; i < N; i++) {\n",
    "    if (EV[i][4] !== 'state') continue;\n",
    "    var S = svc(EV[i][5]);\n",
    "    if (S.segs.length) S.segs[S.segs.length - 1].end = i;\n",
    "    S.segs.push({ start: i, end: N });\n",
    "  }\n",
    "\n",
    "  /* Scales: one column per event, or virtual time. */\n",
    "  var mode = 'events', zoom = 1;\n",
    "  var endT = Math.max(D.end, N ? EV[N - 1][1] : 0);\n",
    "  function width() { return mode === 'events' ? Math.max(600, (N + 2) * "
    "12 * zoom) : Math.max(600, 1200 * zoom); }\n",
    "  function X(k) {\n",
    "    if (mode === 'events') return 6 + k * 12 * zoom;\n",
    "    var t = k >= N ? endT : EV[k][1];\n",
    "    return 6 + (endT > 0 ? t / endT : 0) * (width() - 20);\n",
    "  }\n",
    "\n",
    "  var selected = -1;\n",
    "  function item(cls, k, left, w, text) {\n",
    "    var d = el('div', cls, text);\n",
    "    d.style.left = left + 'px';\n",
    "    if (w !== null) d.style.width = Math.max(2, w) + 'px';\n",
    "    d.setAttribute('data-i', k);\n",
    "    if (cited[k]) d.className += ' cited';\n",
    "    if (crit[k]) d.className += ' crit';\n",
    "    return d;\n",
    "  }\n",
    "  function row(cls, label, title) {\n",
    "    var r = el('div', 'row ' + cls);\n",
    "    var l = el('div', 'lane-label', label);\n",
    "    l.title = title || label;\n",
    "    r.appendChild(l);\n",
    "    var t = el('div', 'track');\n",
    "    t.style.width = width() + 'px';\n",
    "    r.appendChild(t);\n",
    "    return r;\n",
    "  }\n",
    "\n",
    "  function render() {\n",
    "    var tl = document.getElementById('tl');\n",
    "    tl.textContent = '';\n",
    "    tl.style.width = (LABEL_W + width()) + 'px';\n",
    "    /* the axis */\n",
    "    var ax = row('axis-row', mode === 'events' ? 'virtual time (by "
    "event)' : 'virtual time');\n",
    "    var at = ax.lastChild, lastLabel = -1e9, k;\n",
    "    if (mode === 'events') {\n",
    "      for (k = 0; k < N; k++) {\n",
    "        var x = X(k);\n",
    "        if (k === 0 || EV[k][1] !== EV[k - 1][1]) {\n",
    "          var tk = el('div', 'tick'); tk.style.left = x + 'px';\n",
    "          if (x - lastLabel > 70) { tk.appendChild(el('span', '', "
    "fmtTime(EV[k][1]))); lastLabel = x; }\n",
    "          at.appendChild(tk);\n",
    "        } else if (EV[k][0] % 10 === 0 && 12 * zoom >= 6) {\n",
    "          var mk = el('div', 'tick minor'); mk.style.left = x + 'px';\n",
    "          if (12 * zoom >= 3) mk.appendChild(el('span', '', '#' + "
    "EV[k][0]));\n",
    "          at.appendChild(mk);\n",
    "        }\n",
    "      }\n",
    "    } else {\n",
    "      var step = 1, target = endT / Math.max(1, width() / 120);\n",
    "      while (step < target) step *= (String(step)[0] === '2' ? 2.5 : "
    "2);\n",
    "      for (var t = 0; t <= endT && endT > 0; t += step) {\n",
    "        var tt = el('div', 'tick'); tt.style.left = (6 + t / endT * "
    "(width() - 20)) + 'px';\n",
    "        tt.appendChild(el('span', '', fmtTime(Math.round(t)))); "
    "at.appendChild(tt);\n",
    "      }\n",
    "    }\n",
    "    tl.appendChild(ax);\n",
    "    /* a state band per container */\n",
    "    states.forEach(function (S) {\n",
    "      var r = row('state-lane', S.name + ' state', 'container ' + S.name "
    "+ ': its state over time');\n",
    "      S.segs.forEach(function (g) {\n",
    "        var det = EV[g.start][6], word = det.split(':')[0];\n",
    "        var cls = { started: 1, being_killed: 1, unstarted: 1, dead: 1 "
    "}[word] ? 'st-' + word : 'st-other';\n",
    "        if (word === 'dead' && det !== 'dead') cls = 'st-dead-err';\n",
    "        var d = item('seg ' + cls, g.start, X(g.start), X(g.end) - "
    "X(g.start), det);\n",
    "        d.title = S.name + ': ' + det + ' (from ' + evText(g.start) + "
    "')';\n",
    "        r.lastChild.appendChild(d);\n",
    "      });\n",
    "      tl.appendChild(r);\n",
    "    });\n",
    "    /* a lane per green thread */\n",
    "    order.forEach(function (tid) {\n",
    "      var L = lanes[tid];\n",
    "      var label = tid + ':' + (names[tid] || '?');\n",
    "      var r = row('lane', label, 'thread ' + label);\n",
    "      r.className = 'lane';\n",
    "      r.setAttribute('data-tid', tid);\n",
    "      var tr = r.lastChild;\n",
    "      L.waits.forEach(function (w) {\n",
    "        var e = EV[w.start];\n",
    "        var d = item('wait' + (w.open ? ' open' : ''), w.start, "
    "X(w.start), X(w.end) - X(w.start));\n",
    "        d.title = (e[4] === 'block' ? 'blocked: ' + e[6] : e[4] + (e[6] ? "
    "' ' + e[6] : '')) +\n",
    "          (w.open ? ' (still waiting at the end)' : '') + '\\n' + "
    "evText(w.start);\n",
    "        tr.appendChild(d);\n",
    "      });\n",
    "      L.slices.forEach(function (s) {\n",
    "        var e = EV[s.start];\n",
    "        var res = s.ret >= 0 ? EV[s.ret][6] : '';\n",
    "        var cls = 'slice' + (s.unfinished ? ' unfinished' : '') + (res && "
    "res !== 'ok' ? ' err' : '');\n",
    "        var d = item(cls, s.start, X(s.start), X(s.end) - X(s.start), "
    "e[5]);\n",
    "        d.title = e[5] + ' ' + e[6] + ' -> ' + (s.unfinished ? "
    "'unfinished: ' + s.unfinished : res) +\n",
    "          '\\n' + evText(s.start) + (s.ret >= 0 ? '\\n' + evText(s.ret) : "
    "'');\n",
    "        if (s.ret >= 0 && cited[s.ret]) d.className += ' cited';\n",
    "        tr.appendChild(d);\n",
    "      });\n",
    "      L.marks.forEach(function (k) {\n",
    "        var d = item('ev k-' + EV[k][4], k, X(k), null);\n",
    "        d.title = evText(k);\n",
    "        tr.appendChild(d);\n",
    "      });\n",
    "      tl.appendChild(r);\n",
    "    });\n",
    "    /* guides at the cited events and the critical pair */\n",
    "    var g = el('div', 'guides');\n",
    "    g.style.height = tl.offsetHeight + 'px';\n",
    "    g.style.width = width() + 'px';\n",
    "    var marked = "
    "Object.keys(cited).concat(Object.keys(crit).filter(function (k) { return "
    "!cited[k]; }));\n",
    "    marked.map(Number).sort(function (a, b) { return a - b; "
    "}).forEach(function (k) {\n",
    "      var cls = 'guide' + (cited[k] ? ' cite' : '') + (crit[k] ? ' crit' "
    ": '') + (crit[k] === 1 ? ' first' : '');\n",
    "      var d = el('div', cls); d.style.left = X(k) + 'px'; d.style.height "
    "= tl.offsetHeight + 'px';\n",
    "      d.appendChild(el('span', '', '#' + EV[k][0] + (crit[k] ? (crit[k] "
    "=== 1 ? ' critical 1st' : ' critical 2nd') : '')));\n",
    "      g.appendChild(d);\n",
    "    });\n",
    "    tl.appendChild(g);\n",
    "    if (selected >= 0) select(selected, false);\n",
    "  }\n",
    "\n",
    "  /* The event table. */\n",
    "  var table = document.getElementById('events');\n",
    "  var head = el('tr');\n",
    "  ['seq', 'time', 'step', 'thread', 'kind', 'subject', "
    "'detail'].forEach(function (h) { head.appendChild(el('th', '', h)); });\n",
    "  table.appendChild(head);\n",
    "  for (i = 0; i < N; i++) {\n",
    "    var ev = EV[i], tr = el('tr');\n",
    "    tr.id = 'ev-' + ev[0];\n",
    "    tr.setAttribute('data-i', i);\n",
    "    if (SCHED[ev[4]]) tr.className = 'sched';\n",
    "    if (cited[i]) tr.className += ' cited';\n",
    "    if (crit[i]) tr.className += ' crit';\n",
    "    [String(ev[0]), fmtTime(ev[1]), String(ev[2]), ev[3] + ':' + "
    "(names[ev[3]] || '?'), ev[4], ev[5], ev[6]].forEach(function (c, n) {\n",
    "      tr.appendChild(el('td', n === 6 ? 'detail' : '', c));\n",
    "    });\n",
    "    table.appendChild(tr);\n",
    "  }\n",
    "\n",
    "  function select(k, scroll) {\n",
    "    selected = k;\n",
    "    Array.prototype.forEach.call(document.querySelectorAll('.sel'), "
    "function (n) {\n",
    "      n.className = n.className.replace(/ sel\\b/g, '');\n",
    "    });\n",
    "    Array.prototype.forEach.call(document.querySelectorAll('#tl "
    "[data-i=\"' + k + '\"], #events [data-i=\"' + k + '\"]'), function (n) "
    "{\n",
    "      n.className += ' sel';\n",
    "    });\n",
    "    document.getElementById('selection').textContent = 'selected: ' + "
    "evText(k);\n",
    "    if (scroll) {\n",
    "      var n = document.querySelector('#tl .lane [data-i=\"' + k + "
    "'\"]');\n",
    "      var sc = document.getElementById('scroll');\n",
    "      if (n) sc.scrollLeft = Math.max(0, X(k) - sc.clientWidth / 2 + "
    "LABEL_W);\n",
    "    }\n",
    "  }\n",
    "  document.getElementById('tl').addEventListener('click', function (ev) "
    "{\n",
    "    var n = ev.target.closest('[data-i]');\n",
    "    if (n) {\n",
    "      select(+n.getAttribute('data-i'), false);\n",
    "      var r = document.getElementById('ev-' + "
    "EV[+n.getAttribute('data-i')][0]);\n",
    "      if (r && r.scrollIntoView) r.scrollIntoView({ block: 'nearest' "
    "});\n",
    "    }\n",
    "  });\n",
    "  table.addEventListener('click', function (ev) {\n",
    "    var n = ev.target.closest('tr[data-i]');\n",
    "    if (n) select(+n.getAttribute('data-i'), true);\n",
    "  });\n",
    "  Array.prototype.forEach.call(document.querySelectorAll('a.cite'), "
    "function (a) {\n",
    "    a.addEventListener('click', function () {\n",
    "      var s = +a.getAttribute('data-seq');\n",
    "      if (s in idx) select(idx[s], true);\n",
    "    });\n",
    "  });\n",
    "\n",
    "  var bEvents = document.getElementById('scale-events'), bTime = "
    "document.getElementById('scale-time');\n",
    "  function setMode(m) {\n",
    "    mode = m;\n",
    "    bEvents.className = m === 'events' ? 'on' : '';\n",
    "    bTime.className = m === 'time' ? 'on' : '';\n",
    "    render();\n",
    "  }\n",
    "  bEvents.addEventListener('click', function () { setMode('events'); "
    "});\n",
    "  bTime.addEventListener('click', function () { setMode('time'); });\n",
    "  document.getElementById('zoom-in').addEventListener('click', function "
    "() { zoom = Math.min(zoom * 2, 64); render(); });\n",
    "  document.getElementById('zoom-out').addEventListener('click', function "
    "() { zoom = Math.max(zoom / 2, 1 / 16); render(); });\n",
    "  document.getElementById('show-sched').addEventListener('change', "
    "function (ev) {\n",
    "    table.className = ev.target.checked ? '' : 'hide-sched';\n",
    "  });\n",
    "  /* file://...html#time opens on the virtual-time scale */\n",
    "  setMode(location.hash === '#time' ? 'time' : 'events');\n",
    "  var first = "
    "Object.keys(crit).concat(Object.keys(cited)).map(Number).sort(function "
    "(a, b) { return a - b; })[0];\n",
    "  if (first !== undefined) {\n",
    "    var sc = document.getElementById('scroll');\n",
    "    sc.scrollLeft = Math.max(0, X(first) - sc.clientWidth / 2 + "
    "LABEL_W);\n",
    "  }\n",
    "\n",
    "  var nl = document.querySelectorAll('#tl .lane').length;\n",
    "  document.body.setAttribute('data-lanes', String(nl));\n",
    "  document.body.setAttribute('data-timeline', 'ok');\n",
    "  status.textContent = 'timeline ready: ' + nl + ' thread lanes, ' + "
    "states.length +\n",
    "    ' container state band' + (states.length === 1 ? '' : 's') + ', ' + N "
    "+ ' events';\n",
    "})();\n",
    NULL,
};

/* HTML text: escaped, invalid UTF-8 as U+FFFD. */
static void html_text(FILE *f, const char *s) {
    size_t len = s ? strlen(s) : 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        const char *rep = c == '&'    ? "&amp;"
                          : c == '<'  ? "&lt;"
                          : c == '>'  ? "&gt;"
                          : c == '"'  ? "&quot;"
                          : c == '\'' ? "&#39;"
                                      : NULL;
        if (rep) {
            fputs(rep, f);
            i++;
            continue;
        }
        size_t k = scn_utf8_len((const unsigned char *)s + i, len - i);
        if (k == 0 || (c < 0x20 && c != '\n' && c != '\t')) {
            fputs("\xef\xbf\xbd", f);
            i++;
            continue;
        }
        fwrite(s + i, 1, k, f);
        i += k;
    }
}

/* A failure text with each "#N" the checker cites made a link to the
 * event's row. */
static void html_cites(FILE *f, const scn_result_t *r, const char *s) {
    const char *p = s;
    while (p && *p) {
        const char *h = strchr(p, '#');
        if (!h) {
            html_text(f, p);
            return;
        }
        const char *q = h + 1;
        while (*q >= '0' && *q <= '9')
            q++;
        char num[32];
        size_t nd = (size_t)(q - h - 1);
        int ok = nd > 0 && nd < sizeof(num) && (*q == ' ' || *q == '\0');
        if (ok) {
            memcpy(num, h + 1, nd);
            num[nd] = '\0';
            ok = scn_view_find_seq(r, strtoull(num, NULL, 10)) < r->n_events;
        }
        char *pre = sim_alloc_strndup(p, (size_t)(h - p));
        html_text(f, pre ? pre : "");
        sim_free(pre);
        if (ok)
            fprintf(f,
                    "<a class=\"cite\" href=\"#ev-%s\" data-seq=\"%s\">#%s</a>",
                    num, num, num);
        else
            fputc('#', f);
        p = ok ? q : h + 1;
    }
}

static const char *verdict_word(const scn_verdict_t *v) {
    if (!v)
        return "RUN";
    return v->kind == SCN_PASS   ? "PASS"
           : v->kind == SCN_FAIL ? "FAIL"
           : v->kind == SCN_HUNG ? "HUNG"
                                 : "ERROR";
}

static void put_lines(FILE *f, const char *const *lines) {
    for (size_t i = 0; lines[i]; i++)
        fputs(lines[i], f);
}

static void put_failures(FILE *f, const scn_view_t *v) {
    const scn_verdict_t *vd = v->v;
    const scn_result_t *r = v->r;
    fputs("<section id=\"failures\">\n", f);
    if (vd->kind == SCN_HUNG) {
        fputs("<div class=\"first mono\">HUNG: ", f);
        html_cites(f, r, vd->why);
        fputs("</div>\n", f);
    }
    for (size_t i = 0; i < vd->n_failures; i++) {
        const scn_failure_t *fl = &vd->failures[i];
        int first = vd->kind == SCN_FAIL ? fl->x == vd->failed : 0;
        fprintf(f, "<div class=\"%smono\">%s", first ? "first " : "",
                first                  ? ""
                : vd->kind == SCN_FAIL ? "also failed: "
                                       : "failed: ");
        html_text(f, v->path);
        fprintf(f, ":%d: ", fl->x->pos.line);
        html_text(f, fl->x->text);
        fputs(" \xe2\x80\x94 ", f);
        html_cites(f, r, fl->why);
        fputs("</div>\n", f);
        if (first)
            for (size_t d = 0; d < vd->n_details; d++) {
                fputs("<div class=\"detail mono\">", f);
                html_cites(f, r, vd->details[d]);
                fputs("</div>\n", f);
            }
    }
    if (vd->kind == SCN_HUNG)
        for (size_t d = 0; d < vd->n_details; d++) {
            fputs("<div class=\"detail mono\">", f);
            html_cites(f, r, vd->details[d]);
            fputs("</div>\n", f);
        }
    fputs("</section>\n", f);
}

static void put_data(FILE *f, const scn_view_t *v) {
    const scn_result_t *r = v->r;
    fputs("<script id=\"csim-data\" type=\"application/json\">{\"path\":", f);
    scn_view_json_str(f, v->path, 1);
    fputs(",\"variant\":", f);
    scn_view_json_str(f, r->variant[0] ? r->variant : "current", 1);
    fputs(",\"verdict\":", f);
    scn_view_json_str(f, verdict_word(v->v), 1);
    fprintf(f, ",\"hung\":%s,\"end\":%" PRId64 ",\"steps\":%" PRIu64,
            r->hung ? "true" : "false", (int64_t)r->end_time, r->end_steps);
    /* threads: the hub, every named id, every id that recorded an event */
    size_t n_tid = r->n_thread_names ? r->n_thread_names : 1;
    for (size_t i = 0; i < r->n_events; i++)
        if (r->events[i].thread >= n_tid)
            n_tid = (size_t)r->events[i].thread + 1;
    unsigned char *present = sim_calloc(n_tid, 1);
    if (present) {
        present[0] = 1;
        for (size_t i = 1; i < r->n_thread_names; i++)
            present[i] = r->thread_names[i] != NULL;
        for (size_t i = 0; i < r->n_events; i++)
            present[r->events[i].thread] = 1;
    }
    fputs(",\n\"threads\":[", f);
    for (size_t t = 0, k = 0; present && t < n_tid; t++) {
        if (!present[t])
            continue;
        fprintf(f, "%s[%zu,", k++ ? "," : "", t);
        scn_view_json_str(f, scn_view_thread_name(r, (unsigned)t), 1);
        fputc(']', f);
    }
    sim_free(present);
    fputs("],\n\"services\":[", f);
    size_t ns = 0;
    if (v->m)
        for (const scn_service_t *s = v->m->services; s; s = s->next) {
            if (ns++)
                fputc(',', f);
            scn_view_json_str(f, s->name, 1);
        }
    fputs("],\n\"cited\":[", f);
    size_t *cited = sim_calloc(r->n_events ? r->n_events : 1, sizeof(*cited));
    size_t nc = 0;
    if (cited && v->v && v->v->kind != SCN_PASS) {
        for (size_t i = 0; i < v->v->n_failures; i++) {
            size_t got = scn_view_cited(r, v->v->failures[i].why, cited + nc,
                                        r->n_events - nc);
            nc += got;
        }
    }
    /* ascending, once each */
    for (size_t i = 1; i < nc; i++)
        for (size_t j = i; j > 0 && cited[j - 1] > cited[j]; j--) {
            size_t t = cited[j];
            cited[j] = cited[j - 1];
            cited[j - 1] = t;
        }
    for (size_t i = 0, k = 0; i < nc; i++) {
        if (i && cited[i] == cited[i - 1])
            continue;
        fprintf(f, "%s%" PRIu64, k++ ? "," : "", r->events[cited[i]].seq);
    }
    sim_free(cited);
    fputs("],\n\"critical\":[", f);
    if (v->critical && v->critical[0])
        for (int c = 0; c < 2; c++) {
            if (c)
                fputc(',', f);
            if (v->critical_at[c] < r->n_events)
                fprintf(f, "%" PRIu64, r->events[v->critical_at[c]].seq);
            else
                fputs("null", f);
        }
    fputs("],\n\"events\":[", f);
    for (size_t i = 0; i < r->n_events; i++) {
        const scn_event_t *e = &r->events[i];
        fprintf(f, "%s[%" PRIu64 ",%" PRId64 ",%" PRIu64 ",%u,",
                i ? ",\n" : "\n", e->seq, (int64_t)e->time, e->step, e->thread);
        scn_view_json_str(f, e->kind, 1);
        fputc(',', f);
        scn_view_json_str(f, e->subject, 1);
        fputc(',', f);
        scn_view_json_str(f, e->detail, 1);
        fputc(']', f);
    }
    fputs("]}</script>\n", f);
}

int scn_html_write(FILE *f, const scn_view_t *v) {
    const scn_result_t *r = v->r;
    char t[32];
    scn_format_time(r->end_time, t, sizeof(t));
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta "
          "charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, "
          "initial-scale=1\">\n"
          "<title>csim timeline: ",
          f);
    html_text(f, v->path);
    fputs("</title>\n<style>\n", f);
    put_lines(f, html_css);
    fputs("</style>\n</head>\n<body data-timeline=\"loading\">\n<header>\n<h1>",
          f);
    html_text(f, v->m && v->m->title ? v->m->title : v->path);
    fprintf(
        f, "</h1>\n<div class=\"meta\"><span class=\"verdict v-%s\">%s</span> ",
        verdict_word(v->v), verdict_word(v->v));
    html_text(f, v->path);
    if (v->m) {
        char label[1024];
        scn_variant_label(v->m, r->variant[0] ? r->variant : NULL, label,
                          sizeof(label));
        if (label[0]) {
            fputs(" [", f);
            html_text(f, label);
            fputc(']', f);
        }
    }
    fprintf(f,
            " &middot; %zu events &middot; ended at %s (step %" PRIu64
            ")%s</div>\n",
            r->n_events, t, r->end_steps, r->hung ? " &middot; hung" : "");
    if (v->token) {
        fputs("<div class=\"meta\">csim replay ", f);
        html_text(f, v->token);
        fputs("</div>\n", f);
    }
    fputs("</header>\n", f);
    if (v->v && v->v->kind != SCN_PASS)
        put_failures(f, v);
    if (v->critical && v->critical[0]) {
        fputs("<section id=\"critical\" class=\"mono\">critical pair: ", f);
        html_text(f, v->critical);
        for (int c = 0; c < 2; c++)
            if (v->critical_at[c] < r->n_events) {
                char num[32];
                snprintf(num, sizeof(num), "%" PRIu64,
                         r->events[v->critical_at[c]].seq);
                fprintf(f,
                        " &middot; %s <a class=\"cite\" href=\"#ev-%s\" "
                        "data-seq=\"%s\">#%s</a>",
                        c ? "second" : "first", num, num, num);
            }
        fputs("</section>\n", f);
    }
    fputs(
        "<div id=\"controls\">scale: <button id=\"scale-events\" class=\"on\">"
        "one column per event</button><button id=\"scale-time\">virtual time"
        "</button> zoom: <button id=\"zoom-out\">&minus;</button><button "
        "id=\"zoom-in\">+</button> <label><input type=\"checkbox\" "
        "id=\"show-sched\" checked> scheduler events in the "
        "table</label></div>\n"
        "<div id=\"legend\">"
        "<span class=\"sw\" style=\"background:#4c78a8\"></span>call&rarr;ret"
        "<span class=\"sw\" style=\"background:#d0d7de\"></span>blocked / "
        "sleeping"
        "<span class=\"sw\" style=\"background:#00897b\"></span>log"
        "<span class=\"sw\" style=\"background:#6a1b9a\"></span>state"
        "<span class=\"sw\" style=\"background:#ef6c00\"></span>send"
        "<span class=\"sw\" style=\"background:#c62828\"></span>kill"
        "<span class=\"sw\" style=\"background:#1d2430\"></span>exit"
        "<span class=\"sw\" style=\"background:#2e7d32\"></span>spawn"
        "<span class=\"sw\" style=\"background:#0277bd\"></span>worker / "
        "managed"
        "<span class=\"sw\" style=\"border:2px solid #d50000\"></span>cited by "
        "the failure"
        "<span class=\"sw\" style=\"border:2px solid #ef6c00\"></span>critical "
        "pair"
        "</div>\n<div id=\"scroll\"><div id=\"tl\"></div></div>\n"
        "<div id=\"selection\" class=\"mono\"></div>\n"
        "<details id=\"events-box\" open><summary>events</summary>"
        "<table id=\"events\"></table></details>\n"
        "<p id=\"status\">the timeline is drawn by the script of this page "
        "(JavaScript is off, or it failed)</p>\n",
        f);
    put_data(f, v);
    fputs("<script>\n", f);
    put_lines(f, html_js);
    fputs("</script>\n</body>\n</html>\n", f);
    return 0;
}
