// /blur: the blur dashboard. Pick a state and an as-of date; the ranking
// (blurRanking) is a table with the score and its terms drawn as bars;
// selecting an actor draws its evidence path left to right, one box per
// entity and one labelled arrow per hop, lists every hop's sources, and
// lists the other shortest paths of control and structural facts only.
// Deep link: /blur?state=prc&asOf=2021-07-20&actor=apt40. State for tests:
// window.WB.view.
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var h = WB.h;
  var view = WB.view = { ready: false, draws: 0, ranking: [], actor: null, error: null };
  var caps = null, cy = null, slider = null, selected = -1;
  var TERMS = [['score', 'score'], ['sigma', 'σ'], ['nu', 'ν'], ['kappa', 'κ'], ['orgBlur', 'org'], ['motiveBlur', 'motive']];

  function rankingQuery() {
    return 'query BlurRanking($state: ID, $asOf: Date) { blurRanking(state: $state, asOf: $asOf, first: 50) { ' +
      'actor { id name kind } state { id name } score sigma nu kappa orgBlur motiveBlur pathConfidence ' +
      'bottleneck { index level { name ordinal } } ' +
      'path { length hops { from { id name kind } to { id name kind } forward predicate statement ' + WB.stmtSel(caps) + ' } } ' +
      'activities { activity { id name } weight term } } }';
  }
  function vars() {
    var v = { state: $('state').value || undefined };
    if (slider.value()) { v.asOf = slider.value(); }
    return v;
  }

  function load() {
    WB.status('ranking…');
    view.ready = false;
    var v = vars();
    WB.setParams({ state: v.state, asOf: v.asOf });
    $('changesLink').href = '/changes?state=' + encodeURIComponent(v.state || '') + (v.asOf ? '&to=' + v.asOf : '');
    return WB.gql(rankingQuery(), v).then(function (d) {
      view.ranking = d.blurRanking || [];
      drawTable();
      WB.status(view.ranking.length + ' actors tied to ' + (($('state').selectedOptions[0] || {}).textContent || 'a state') + (v.asOf ? ' as of ' + v.asOf : ''));
      var want = view.actor || WB.params().get('actor');
      var i = view.ranking.findIndex(function (s) { return s.actor.id === want; });
      return select(i >= 0 ? i : 0, false);
    }).catch(function (err) { view.error = err.message; WB.status(err.message, true); view.ready = true; });
  }

  function bar(x, cls) {
    var pct = Math.max(0, Math.min(1, x || 0)) * 100;
    return h('div', { class: 'bar ' + (cls || ''), title: WB.fmtScore(x) },
      h('div', { class: 'track' }, h('div', { class: 'fill', style: 'width:' + pct.toFixed(1) + '%' })), h('span', null, WB.fmtScore(x)));
  }

  function drawTable() {
    var tb = WB.clear($('ranking').tBodies[0]);
    view.ranking.forEach(function (s, i) {
      var tr = h('tr', { tabindex: 0, 'data-actor': s.actor.id, role: 'button', 'aria-label': s.actor.name + ', score ' + WB.fmtScore(s.score),
        onclick: function () { select(i, true); },
        onkeydown: function (ev) {
          if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); select(i, true); }
          if (ev.key === 'ArrowDown' && tr.nextSibling) { ev.preventDefault(); tr.nextSibling.focus(); }
          if (ev.key === 'ArrowUp' && tr.previousSibling) { ev.preventDefault(); tr.previousSibling.focus(); }
        } },
        h('td', null, String(i + 1)),
        h('td', { class: 'actor' }, h('span', { class: 'dot', style: 'background:' + WB.color(s.actor.kind) }), s.actor.name, h('div', { class: 'muted' }, s.actor.kind)),
        TERMS.map(function (t) { return h('td', null, bar(s[t[0]], t[0])); }));
      tb.appendChild(tr);
    });
    if (!view.ranking.length) { tb.appendChild(h('tr', null, h('td', { colspan: 8, class: 'muted' }, 'No actor is tied to this state by a control path at this date.'))); }
  }

  function select(i, focus) {
    selected = i;
    [].forEach.call($('ranking').tBodies[0].rows, function (tr, j) { tr.classList.toggle('selected', j === i); tr.setAttribute('aria-pressed', j === i ? 'true' : 'false'); });
    var s = view.ranking[i];
    if (!s) { WB.clear($('hops')); WB.clear($('paths')); if (cy) { cy.elements().remove(); } view.ready = true; return Promise.resolve(); }
    view.actor = s.actor.id;
    WB.setParams({ actor: s.actor.id });
    if (focus && $('ranking').tBodies[0].rows[i]) { $('ranking').tBodies[0].rows[i].focus(); }
    $('evidenceTitle').textContent = 'Evidence: ' + (s.state ? s.state.name : '?') + ' → ' + s.actor.name + ' (score ' + WB.fmtScore(s.score) + ')';
    $('entityLink').href = '/entity?id=' + encodeURIComponent(s.actor.id);
    var st = s.state ? s.state.id : $('state').value;
    $('exploreLink').href = '/explore?from=' + encodeURIComponent(st) + '&to=' + encodeURIComponent(s.actor.id) + (slider.value() ? '&asOf=' + slider.value() : '');
    var pv = { actor: s.actor.id, state: st };
    if (slider.value()) { pv.asOf = slider.value(); }
    $('playLink').href = WB.playgroundURL('query Blur($actor: ID!, $state: ID, $asOf: Date) {\n  blur(actor: $actor, state: $state, asOf: $asOf) {\n    score sigma nu kappa orgBlur motiveBlur\n' +
      '    path { hops { from { id name } predicate to { id name } statement { confidence alleged healeyLevel { name } sources publishedOn assertedBy { id name } } } }\n' +
      '    bottleneck { index level { name } }\n    activities { activity { id name } weight term }\n  }\n}', pv);
    drawPath(s);
    drawHops(s);
    return otherPaths(s, st).then(function () { view.draws++; view.ready = true; });
  }

  function hopLabel(hop) {
    var st = hop.statement, l2 = [];
    if (st.healeyLevel) { l2.push(st.healeyLevel.name); }
    l2.push(st.confidence.toFixed(2));
    if (st.alleged) { l2.push('alleged'); }
    return hop.predicate + '\n' + l2.join(' · ');
  }

  // drawPath places the path's entities left to right (one box each) and
  // draws each hop as an arrow in the fact's direction, subject to object.
  function drawPath(s) {
    if (!cy) {
      cy = view.cy = cytoscape({
        container: $('cy'), userZoomingEnabled: true, boxSelectionEnabled: false,
        style: [
          { selector: 'node', style: { 'shape': 'round-rectangle', 'background-color': '#fff', 'border-width': 2, 'border-color': 'data(color)',
            'label': 'data(label)', 'text-valign': 'center', 'text-halign': 'center', 'font-size': 12, 'text-wrap': 'wrap', 'text-max-width': 120,
            'width': 'label', 'height': 'label', 'padding': 10 } },
          { selector: 'node.end', style: { 'border-width': 4 } },
          { selector: 'edge', style: { 'curve-style': 'straight', 'target-arrow-shape': 'triangle', 'width': 2, 'line-color': '#888', 'target-arrow-color': '#888',
            'label': 'data(label)', 'font-size': 11, 'text-wrap': 'wrap', 'text-background-color': '#fff', 'text-background-opacity': 1, 'text-background-padding': 2, 'text-margin-y': -16 } },
          { selector: 'edge.bottleneck', style: { 'line-color': '#c62828', 'target-arrow-color': '#c62828', 'width': 3 } },
          { selector: 'edge.alleged', style: { 'line-style': 'dashed' } }
        ]
      });
    }
    cy.elements().remove();
    var hops = (s.path && s.path.hops) || [];
    if (!hops.length) { return; }
    var ents = [hops[0].from].concat(hops.map(function (x) { return x.to; }));
    cy.batch(function () {
      ents.forEach(function (e, i) {
        cy.add({ group: 'nodes', data: { id: 'n' + i, eid: e.id, label: e.name + '\n' + e.kind, color: WB.color(e.kind) }, classes: i === 0 || i === ents.length - 1 ? 'end' : '' });
      });
      hops.forEach(function (hop, i) {
        var src = hop.forward ? 'n' + i : 'n' + (i + 1), dst = hop.forward ? 'n' + (i + 1) : 'n' + i;
        var cls = [];
        if (s.bottleneck && s.bottleneck.index === i) { cls.push('bottleneck'); }
        if (hop.statement.alleged) { cls.push('alleged'); }
        cy.add({ group: 'edges', data: { id: 'h' + i, source: src, target: dst, label: hopLabel(hop), fact: hop.statement.id }, classes: cls.join(' ') });
      });
    });
    // Left to right, spaced by the widest box and the widest hop label.
    var x = 0, prev = null;
    cy.nodes().forEach(function (n, i) {
      if (prev) {
        var e = cy.getElementById('h' + (i - 1));
        var lw = e.boundingBox({ includeNodes: false, includeEdges: false, includeLabels: true }).w;
        x += prev.outerWidth() / 2 + Math.max(lw + 40, 90) + n.outerWidth() / 2;
      }
      n.position({ x: x, y: 0 });
      prev = n;
    });
    cy.fit(undefined, 20);
    cy.nodes().ungrabify();
  }

  function drawHops(s) {
    var ol = WB.clear($('hops'));
    ((s.path && s.path.hops) || []).forEach(function (hop, i) {
      var st = hop.statement;
      ol.appendChild(h('li', { 'data-fact': st.id, class: s.bottleneck && s.bottleneck.index === i ? 'bottleneck' : '' },
        h('div', null, WB.sentence(st), s.bottleneck && s.bottleneck.index === i ? h('span', { class: 'tag' }, 'bottleneck') : null),
        WB.provenance(st)));
    });
    if (s.activities && s.activities.length) {
      ol.appendChild(h('li', { class: 'activities' }, h('div', null, 'κ rests on: '),
        s.activities.map(function (a) { return h('div', null, WB.entityLink(a.activity), ' (weight ' + a.weight.toFixed(2) + ', term ' + a.term.toFixed(3) + ')'); })));
    }
  }

  function otherPaths(s, st) {
    var v = { from: st, to: s.actor.id };
    if (slider.value()) { v.asOf = slider.value(); }
    var q = 'query ControlPaths($from: ID!, $to: ID!, $asOf: Date) { paths(from: $from, to: $to, asOf: $asOf, kinds: [control, structural], maxHops: 6, first: 10) { ' +
      'length confidence factIds hops { from { id name } to { id name } predicate forward statement { id confidence alleged healeyLevel { name } } } } }';
    var ol = WB.clear($('paths'));
    return WB.gql(q, v).then(function (d) {
      (d.paths || []).forEach(function (p, i) {
        var li = h('li', null);
        p.hops.forEach(function (hop, j) {
          if (j === 0) { li.appendChild(WB.entityLink(hop.from)); }
          // The arrow points as the fact does, subject to object.
          li.appendChild(h('span', { class: 'hop' }, hop.forward ? ' —' + hop.predicate + '→ ' : ' ←' + hop.predicate + '— '));
          li.appendChild(WB.entityLink(hop.to));
        });
        li.appendChild(h('div', { class: 'muted factids' }, 'path ' + (i + 1) + ', confidence ' + p.confidence.toFixed(3) + ', facts: ' + p.factIds.join(', ')));
        ol.appendChild(li);
      });
      if (!ol.firstChild) { ol.appendChild(h('li', { class: 'muted' }, 'none within 6 hops')); }
    }).catch(function (err) { ol.appendChild(h('li', { class: 'error' }, err.message)); });
  }

  // replay steps the slider through the days on which a control or
  // structural fact began or ended (Query.changes over the whole record),
  // re-ranking at each; a second press pauses it.
  var playing = null;
  function stopReplay() {
    clearTimeout(playing); playing = null;
    $('play').setAttribute('aria-pressed', 'false'); $('play').textContent = '▶ Replay';
  }
  function replay() {
    if (playing) { stopReplay(); return; }
    playing = -1;
    $('play').setAttribute('aria-pressed', 'true'); $('play').textContent = '❚❚ Pause';
    var v = { from: '2000-01-01', to: WB.dayString(Date.now()), state: $('state').value || undefined };
    WB.gql('query ReplayDates($from: Date!, $to: Date!, $state: ID) { changes(from: $from, to: $to, state: $state, kinds: [control, structural], first: 1000) { ' +
      'began { date } ended { date } } }', v).then(function (d) {
      var days = {};
      d.changes.began.concat(d.changes.ended).forEach(function (c) { days[c.date.slice(0, 10)] = true; });
      var steps = Object.keys(days).sort(), i = 0;
      (function step() {
        if (playing === null) { return; }
        if (i >= steps.length) { stopReplay(); slider.set('', true); return; }
        slider.set(steps[i++], false);
        load().then(function () { if (playing !== null) { playing = setTimeout(step, 900); } });
      })();
    }).catch(function (err) { stopReplay(); WB.status(err.message, true); });
  }

  function start() {
    WB.registerLayouts();
    var p = WB.params();
    slider = WB.slider($('asOfRange'), $('asOfLabel'), $('asOf'), function () { load(); });
    slider.set(p.get('asOf') || '', false);
    $('now').onclick = function () { slider.set('', true); };
    $('play').onclick = replay;
    $('png').onclick = function () { if (cy) { WB.exportPNG(cy, 'blur-path-' + view.actor); } };
    $('svg').onclick = function () { if (cy) { WB.exportSVG(cy, 'blur-path-' + view.actor); } };
    $('state').onchange = function () { view.actor = null; WB.setParams({ actor: '' }); load(); };
    view.actor = p.get('actor');
    Promise.all([WB.caps(), WB.states()]).then(function (r) {
      caps = r[0];
      var want = p.get('state') || 'prc';
      r[1].forEach(function (s) { $('state').appendChild(h('option', { value: s.id, selected: s.id === want }, s.name)); });
      return load();
    }).catch(function (err) { view.error = err.message; WB.status(err.message, true); view.ready = true; });
  }
  view.load = load; view.select = select;
  start();
})();
