// /explore: the graph explorer. A neighbourhood (one hop by default) is
// laid out by fcose, a force layout with overlap removal; paths (one
// target, or several: "to" takes a comma-separated list) are laid out in
// layers left to right by dagre. Parallel facts between two entities with
// the same predicate are merged into one edge with a count. Filters by
// class, kind of relationship, confidence and source grade; a details panel
// gives each fact's provenance in words; "open in the playground" carries
// the query drawn. Deep links: /explore?id=mss&hops=1&asOf=2021-07-20,
// /explore?from=mss&to=hafnium (&all=1: every kind of fact).
// State for tests: window.WB.view (also window.blurline).
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var h = WB.h;
  var view = WB.view = window.blurline = { cy: null, ready: false, draws: 0, error: null, mode: null, hidden: 0 };
  Object.defineProperty(view, 'loading', { get: function () { return WB.loading; } });
  var caps = null, cy = null, slider = null, last = null, playing = null, searchTimer = null;

  // --- the picture ---------------------------------------------------------
  function initCy() {
    WB.registerLayouts();
    cy = view.cy = cytoscape({
      container: $('cy'), boxSelectionEnabled: false, wheelSensitivity: 0.3,
      style: [
        { selector: 'node', style: {
          'background-color': 'data(color)', 'label': 'data(label)', 'color': '#111', 'font-size': 10,
          'text-valign': 'bottom', 'text-margin-y': 3, 'width': 20, 'height': 20, 'text-wrap': 'wrap', 'text-max-width': 110,
          'text-background-color': '#fff', 'text-background-opacity': 0.85, 'text-background-padding': 1 } },
        { selector: 'node.focus', style: { 'border-width': 3, 'border-color': '#000', 'width': 28, 'height': 28, 'font-weight': 'bold' } },
        { selector: 'node:selected', style: { 'border-width': 4, 'border-color': '#ffb300' } },
        { selector: 'edge', style: {
          'curve-style': 'bezier', 'target-arrow-shape': 'triangle', 'width': 'mapData(confidence, 0, 1, 1, 4)',
          'line-color': '#9e9e9e', 'target-arrow-color': '#9e9e9e', 'label': 'data(label)', 'font-size': 9,
          'color': '#333', 'text-background-color': '#fff', 'text-background-opacity': 0.9, 'text-background-padding': 1 } },
        { selector: 'edge.control', style: { 'line-color': '#c62828', 'target-arrow-color': '#c62828' } },
        { selector: 'edge.structural', style: { 'line-color': '#5d4037', 'target-arrow-color': '#5d4037' } },
        { selector: 'edge.attribution', style: { 'line-color': '#6a1b9a', 'target-arrow-color': '#6a1b9a', 'line-style': 'dotted' } },
        { selector: 'edge.alleged', style: { 'line-style': 'dashed' } },
        { selector: 'edge.nolabel', style: { 'label': '' } },
        { selector: 'edge.nolabel:selected, edge.nolabel.hover', style: { 'label': 'data(label)', 'z-index': 10 } },
        { selector: 'edge:selected', style: { 'line-color': '#ffb300', 'target-arrow-color': '#ffb300' } },
        { selector: '.filtered', style: { 'display': 'none' } }
      ]
    });
    cy.on('tap', 'node', function (ev) { showNode(ev.target); });
    cy.on('dbltap', 'node', function (ev) { expand(ev.target.id()); });
    cy.on('tap', 'edge', function (ev) { showEdge(ev.target); });
    cy.on('mouseover', 'edge', function (ev) { ev.target.addClass('hover'); });
    cy.on('mouseout', 'edge', function (ev) { ev.target.removeClass('hover'); });
  }

  function addNode(n) {
    if (!n || !n.id) { return; }
    var g = WB.group(n.kind);
    var data = { id: n.id, name: n.name || n.id, kind: n.kind || '', label: n.name || n.id, color: g.color, group: g.key, node: n };
    var el = cy.getElementById(n.id);
    if (el.length) { el.data(Object.assign({}, el.data('node') || {}, data, { node: Object.assign({}, el.data('node') || {}, n) })); } else { cy.add({ group: 'nodes', data: data }); }
  }

  // addFact merges a fact into the edge of its subject, predicate and
  // object: parallel facts become one edge with a count.
  function addFact(s) {
    if (!s.objectId) { return; }
    addNode(s.subject || { id: s.subjectId });
    addNode(s.object || { id: s.objectId });
    var id = 'e:' + s.subjectId + '|' + s.predicate + '|' + s.objectId;
    var el = cy.getElementById(id);
    var facts = el.length ? el.data('facts').filter(function (f) { return f.id !== s.id; }) : [];
    facts.push(s);
    var data = { id: id, source: s.subjectId, target: s.objectId, predicate: s.predicate, kind: s.predicateKind, facts: facts };
    if (el.length) { el.data(data); } else { el = cy.add({ group: 'edges', data: data }); }
    el.addClass(s.predicateKind);
  }

  // --- filters ---------------------------------------------------------------
  function gradeOf(s) {
    var recs = caps && caps.sourceField ? s[caps.sourceField] : null;
    var best = null;
    (recs || []).forEach(function (r) {
      var g = String(r.reliability || r.grade || r.admiraltyGrade || '').toUpperCase().charAt(0);
      if (g >= 'A' && g <= 'F' && (!best || g < best)) { best = g; }
    });
    return best;
  }
  function filters() {
    var on = function (box) { var m = {}; [].forEach.call(box.querySelectorAll('input'), function (c) { m[c.value] = c.checked; }); return m; };
    return { classes: on($('classFilter')), kinds: on($('kindFilter')), minConf: +$('minConf').value, grade: $('grade').value };
  }
  function applyFilters() {
    var f = filters();
    cy.batch(function () {
      cy.edges().forEach(function (e) {
        var facts = e.data('facts').filter(function (s) {
          if (!f.kinds[s.predicateKind] || s.confidence < f.minConf) { return false; }
          if (f.grade) { var g = gradeOf(s); if (!g || g > f.grade) { return false; } }
          return true;
        });
        e.data('shown', facts);
        var conf = facts.reduce(function (m, s) { return Math.max(m, s.confidence); }, 0);
        e.data('confidence', conf);
        e.data('label', e.data('predicate') + (facts.length > 1 ? ' ×' + facts.length : '') + ' (' + conf.toFixed(2) + ')');
        e.toggleClass('alleged', facts.length > 0 && facts.every(function (s) { return s.alleged; }));
        e.toggleClass('filtered', facts.length === 0 || !f.classes[e.source().data('group')] || !f.classes[e.target().data('group')]);
      });
      cy.nodes().forEach(function (n) {
        var keep = f.classes[n.data('group')] && (n.hasClass('focus') || n.connectedEdges().some(function (e) { return !e.hasClass('filtered'); }));
        n.toggleClass('filtered', !keep);
      });
    });
    listInView();
  }

  // --- layout ------------------------------------------------------------------
  function layout(mode, fresh) {
    var t0 = performance.now();
    var eles = cy.elements().not('.filtered');
    if (mode === 'paths') {
      layered(eles);
    } else if (eles.nodes().length > 1) {
      WB.seeded(WB.hash(eles.nodes().map(function (n) { return n.id(); }).sort().join(' ')), function () { eles.layout({ name: 'fcose', quality: 'proof', randomize: fresh, animate: false, nodeDimensionsIncludeLabels: true,
        nodeRepulsion: function () { return 16000; }, idealEdgeLength: function () { return 130; }, edgeElasticity: function () { return 0.3; },
        nodeSeparation: 90, gravity: 0.2, numIter: 3000, packComponents: true, tile: true, padding: 20 }).run(); });
    }
    var t1 = performance.now();
    view.hidden = WB.declutter(cy);
    view.layoutMs = Math.round(t1 - t0); view.declutterMs = Math.round(performance.now() - t1);
    cy.fit(cy.elements().not('.filtered'), 24);
    view.draws++;
    view.ready = true;
  }

  // layered lays a set of paths out left to right: dagre ranks the
  // entities by their distance from the start along the paths (a headless
  // copy whose edges run in walking order, each node as big as its box
  // with its label), and the picture takes its positions.
  function layered(eles) {
    var hy = cytoscape({ headless: true, styleEnabled: true });
    var dims = {};
    eles.nodes().forEach(function (n) {
      var bb = n.boundingBox({ includeLabels: true });
      dims[n.id()] = { w: bb.w + 10, h: bb.h + 6 };
      hy.add({ group: 'nodes', data: { id: n.id() } });
    });
    var seen = {};
    (last.walks || []).forEach(function (walk) {
      walk.forEach(function (step) {
        var k = step[0] + '>' + step[1];
        if (seen[k] || !dims[step[0]] || !dims[step[1]]) { return; }
        seen[k] = true;
        hy.add({ group: 'edges', data: { id: 'w' + Object.keys(seen).length, source: step[0], target: step[1] } });
      });
    });
    hy.nodes().forEach(function (n) { n.style({ width: dims[n.id()].w, height: dims[n.id()].h, shape: 'rectangle' }); });
    var maxLabel = 0;
    eles.edges().forEach(function (e) { maxLabel = Math.max(maxLabel, e.boundingBox({ includeNodes: false, includeEdges: false, includeLabels: true }).w); });
    hy.layout({ name: 'dagre', rankDir: 'LR', nodeSep: 40, rankSep: Math.max(120, maxLabel + 60), edgeSep: 20, animate: false }).run();
    hy.nodes().forEach(function (n) { cy.getElementById(n.id()).position(n.position()); });
    hy.destroy();
  }

  // --- the queries ---------------------------------------------------------------
  function nbQuery() {
    return 'query Neighbourhood($id: ID!, $hops: Int, $asOf: Date) {\n  neighbourhood(id: $id, hops: $hops, asOf: $asOf, first: 400) {\n    truncated\n' +
      '    nodes { id name kind aliases description externalIds }\n    edges ' + WB.stmtSel(caps) + '\n  }\n}';
  }
  function pathQuery(many) {
    var sel = '{ length confidence factIds nodes { id name kind } hops { from { id } to { id } forward statement ' + WB.stmtSel(caps) + ' } }';
    return many ?
      'query PathsFrom($from: ID!, $to: [ID!]!, $asOf: Date, $kinds: [PredicateKind!]) {\n  pathsFrom(from: $from, to: $to, asOf: $asOf, kinds: $kinds, maxHops: 6, first: 3) {\n    to { id name }\n    paths ' + sel + '\n  }\n}' :
      'query Paths($from: ID!, $to: ID!, $asOf: Date, $kinds: [PredicateKind!]) {\n  paths(from: $from, to: $to, asOf: $asOf, kinds: $kinds, maxHops: 6, first: 10) ' + sel + '\n}';
  }
  function asOf() { return slider.value() || undefined; }

  function draw(id, hops, fresh, prune) {
    if (!id) { WB.status('type an entity id or pick a search result', true); return Promise.resolve(); }
    view.ready = false;
    WB.status('loading ' + id + '…');
    var v = { id: id, hops: hops };
    if (asOf()) { v.asOf = asOf(); }
    var q = nbQuery();
    return WB.gql(q, v).then(function (d) {
      var g = d.neighbourhood;
      var keep = !fresh && view.mode === 'nb';
      var before = {};
      if (!fresh) { cy.nodes().forEach(function (n) { before[n.id()] = true; }); }
      cy.batch(function () {
        if (fresh || view.mode !== 'nb') { cy.elements().remove(); }
        g.nodes.forEach(addNode);
        g.edges.forEach(addFact);
        if (fresh) { cy.nodes().removeClass('focus'); }
        cy.getElementById(id).addClass('focus');
        if (prune) {
          var ids = {}, fids = {};
          g.nodes.forEach(function (n) { ids[n.id] = true; });
          g.edges.forEach(function (s) { fids[s.id] = true; });
          cy.edges().forEach(function (e) {
            var facts = e.data('facts').filter(function (s) { return fids[s.id]; });
            if (!facts.length) { e.remove(); } else { e.data('facts', facts); }
          });
          cy.nodes().forEach(function (n) { if (!ids[n.id()]) { n.remove(); } });
        }
      });
      // New nodes start next to a neighbour already placed (the layout
      // then moves as little as it must).
      if (keep) {
        cy.nodes().forEach(function (n) {
          if (before[n.id()]) { return; }
          var nb = n.neighborhood('node').filter(function (m) { return before[m.id()]; })[0];
          if (nb) { n.position({ x: nb.position('x') + 40 * (Math.random() - 0.5), y: nb.position('y') + 40 * (Math.random() - 0.5) }); }
        });
      }
      view.mode = 'nb';
      last = { q: q, v: v };
      applyFilters();
      layout('nb', !keep);
      $('playLink').href = WB.playgroundURL(q, v);
      WB.setParams({ id: id, hops: hops, asOf: v.asOf, from: '', to: '', all: '' });
      WB.status(cy.nodes().not('.filtered').length + ' entities, ' + cy.edges().not('.filtered').length + ' edges (' + countFacts() + ' facts)' +
        (g.truncated ? ', cut short' : '') + (view.hidden ? '; ' + view.hidden + ' edge labels hidden to stay readable (hover or select to read)' : ''));
    }).catch(function (err) { view.error = err.message; WB.status(err.message, true); view.ready = true; });
  }
  function countFacts() { return cy.edges().not('.filtered').reduce(function (n, e) { return n + (e.data('shown') || []).length; }, 0); }

  // redraw replays the current view at the slider's date: what no longer
  // holds goes, what began comes in next to its neighbours, and the rest
  // keeps its place.
  function redraw() {
    if (view.mode === 'paths') { return drawPath($('from').value.trim(), $('to').value.trim()); }
    var id = (last && last.v.id) || 'mss';
    return draw(id, +$('hops').value, false, true);
  }

  function expand(id) { return draw(id, 1, false); }

  function drawPath(from, to) {
    if (!from || !to) { WB.status('give both ends of the path', true); return Promise.resolve(); }
    var targets = to.split(/[\s,]+/).filter(Boolean);
    var many = targets.length > 1;
    var v = { from: from, to: many ? targets : targets[0] };
    if (asOf()) { v.asOf = asOf(); }
    if ($('controlOnly').checked) { v.kinds = ['control', 'structural']; }
    view.ready = false;
    WB.status('finding paths ' + from + ' → ' + targets.join(', ') + '…');
    var q = pathQuery(many);
    return WB.gql(q, v).then(function (d) {
      var sets = many ? d.pathsFrom.map(function (x) { return x.paths; }) : [d.paths];
      var ps = [].concat.apply([], sets);
      cy.elements().remove();
      var walks = [];
      cy.batch(function () {
        ps.forEach(function (p) {
          p.nodes.forEach(addNode);
          walks.push(p.hops.map(function (hop) { addFact(hop.statement); return [hop.from.id, hop.to.id]; }));
        });
        cy.getElementById(from).addClass('focus');
        targets.forEach(function (t) { cy.getElementById(t).addClass('focus'); });
      });
      view.mode = 'paths';
      last = { q: q, v: v, walks: walks };
      applyFilters();
      layout('paths', true);
      $('playLink').href = WB.playgroundURL(q, v);
      WB.setParams({ from: from, to: targets.join(','), all: $('controlOnly').checked ? '' : '1', asOf: v.asOf, id: '', hops: '' });
      var none = many ? d.pathsFrom.filter(function (x) { return !x.paths.length; }).map(function (x) { return x.to.name; }) : (ps.length ? [] : [targets[0]]);
      WB.status(ps.length + ' path(s) through ' + cy.nodes().length + ' entities' + (none.length ? '; none within 6 hops to ' + none.join(', ') : '') +
        ($('controlOnly').checked ? ' (control and structural facts only)' : ''));
    }).catch(function (err) { view.error = err.message; WB.status(err.message, true); view.ready = true; });
  }

  // --- details -------------------------------------------------------------------
  function showNode(n) {
    cy.elements().unselect(); n.select();
    var d = n.data('node') || {}, box = WB.clear($('details'));
    box.appendChild(h('h4', null, h('span', { class: 'dot', style: 'background:' + n.data('color') }), d.name || n.id()));
    box.appendChild(h('div', { class: 'muted' }, (d.kind || '') + ' · ' + n.id()));
    if (d.aliases && d.aliases.length) { box.appendChild(h('div', null, 'Also known as ' + d.aliases.join(', '))); }
    if (d.description) { box.appendChild(h('p', null, d.description)); }
    if (d.externalIds && d.externalIds.length) { box.appendChild(h('div', { class: 'muted' }, d.externalIds.join(' · '))); }
    box.appendChild(h('div', { class: 'toolbar' },
      h('a', { href: '/entity?id=' + encodeURIComponent(n.id()) }, 'Entity page'),
      h('button', { type: 'button', onclick: function () { expand(n.id()); } }, 'Expand'),
      h('button', { type: 'button', onclick: function () { $('q').value = n.id(); draw(n.id(), +$('hops').value, true); } }, 'Centre here')));
    var edges = n.connectedEdges().not('.filtered');
    box.appendChild(h('div', null, edges.length + ' edges in view:'));
    box.appendChild(h('ul', null, edges.map(function (e) {
      return h('li', null, h('button', { type: 'button', class: 'linklike', onclick: function () { showEdge(e); } },
        e.source().data('name') + ' ' + WB.phrase(e.data('predicate')) + ' ' + e.target().data('name') + ((e.data('shown') || []).length > 1 ? ' (×' + e.data('shown').length + ')' : '')));
    })));
    WB.setParams({ sel: n.id() });
  }

  function showEdge(e) {
    cy.elements().unselect(); e.select();
    var facts = e.data('shown') || e.data('facts'), box = WB.clear($('details'));
    box.appendChild(h('h4', null, e.source().data('name') + ' ' + WB.phrase(e.data('predicate')) + ' ' + e.target().data('name')));
    box.appendChild(h('div', { class: 'muted' }, facts.length === 1 ? 'one fact' : facts.length + ' facts say so'));
    facts.forEach(function (s) {
      box.appendChild(h('div', { class: 'fact', 'data-fact': s.id }, WB.sentence(s), WB.provenance(s), h('div', { class: 'muted factids' }, s.id)));
    });
  }

  function listInView() {
    var ul = WB.clear($('inview'));
    cy.nodes().not('.filtered').sort(function (a, b) { return a.data('name').localeCompare(b.data('name')); }).forEach(function (n) {
      ul.appendChild(h('li', null, h('span', { class: 'dot', style: 'background:' + n.data('color') }),
        h('button', { type: 'button', 'data-id': n.id(), onclick: function () { showNode(n); cy.animate({ center: { eles: n } }, { duration: 200 }); },
          onkeydown: function (ev) { if (ev.key === '+') { expand(n.id()); } } }, n.data('name'))));
    });
  }

  // --- search and replay -----------------------------------------------------------
  function search(text) {
    if (text.length < 2) { return; }
    WB.gql('query Search($s: String) { entities(search: $s, first: 15) { edges { node { id name kind } } } }', { s: text }).then(function (d) {
      var ul = WB.clear($('results')), dl = WB.clear($('ids'));
      d.entities.edges.forEach(function (x) {
        var n = x.node;
        ul.appendChild(h('li', null, h('button', { type: 'button', onclick: function () { $('q').value = n.id; draw(n.id, +$('hops').value, true); } }, n.name + ' · ' + n.kind)));
        dl.appendChild(h('option', { value: n.id, label: n.name }));
      });
    }).catch(function (err) { WB.status(err.message, true); });
  }

  // replay steps the slider through the dates on which the facts of the
  // current picture (as known now) began or ended.
  function replay() {
    if (playing) { clearTimeout(playing); playing = null; $('play').setAttribute('aria-pressed', 'false'); $('play').textContent = '▶ Replay'; return; }
    var v = Object.assign({}, last.v); delete v.asOf;
    WB.gql(last.q, v).then(function (d) {
      var facts = [];
      if (d.neighbourhood) { facts = d.neighbourhood.edges; } else {
        (d.paths || [].concat.apply([], (d.pathsFrom || []).map(function (x) { return x.paths; }))).forEach(function (p) { p.hops.forEach(function (hp) { facts.push(hp.statement); }); });
      }
      var dates = {};
      facts.forEach(function (s) { [s.validFrom, s.publishedOn, s.validUntil].forEach(function (x) { if (x) { dates[x.slice(0, 10)] = true; } }); });
      var steps = Object.keys(dates).sort();
      $('play').setAttribute('aria-pressed', 'true'); $('play').textContent = '❚❚ Pause';
      var i = 0;
      (function step() {
        if (i >= steps.length) { playing = null; $('play').setAttribute('aria-pressed', 'false'); $('play').textContent = '▶ Replay'; slider.set('', true); return; }
        slider.set(steps[i++], false);
        redraw().then(function () { playing = setTimeout(step, 700); });
      })();
    });
  }

  function start() {
    initCy();
    var p = WB.params();
    WB.groups.forEach(function (g) {
      $('classFilter').appendChild(h('label', null, h('input', { type: 'checkbox', value: g.key, checked: true, onchange: refilter }), h('span', { class: 'sw', style: 'background:' + g.color }), g.name));
    });
    var wantKinds = (p.get('kinds') || '').split(',').filter(Boolean);
    WB.kinds.forEach(function (k) {
      $('kindFilter').appendChild(h('label', null, h('input', { type: 'checkbox', value: k, checked: !wantKinds.length || wantKinds.indexOf(k) >= 0, onchange: refilter }), ' ' + k));
    });
    if (p.get('minConf')) { $('minConf').value = p.get('minConf'); }
    $('minConfLabel').textContent = (+$('minConf').value).toFixed(2);
    $('minConf').addEventListener('input', function () { $('minConfLabel').textContent = (+$('minConf').value).toFixed(2); refilter(); });
    $('grade').addEventListener('change', refilter);
    slider = WB.slider($('asOfRange'), $('asOfLabel'), $('asOf'), function () { redraw(); });
    slider.set(p.get('asOf') || '', false);
    if (p.get('hops')) { $('hops').value = p.get('hops'); }
    if (p.get('all')) { $('controlOnly').checked = false; }
    $('form').addEventListener('submit', function (ev) { ev.preventDefault(); draw($('q').value.trim(), +$('hops').value, true); });
    $('drawPath').onclick = function () { drawPath($('from').value.trim(), $('to').value.trim()); };
    $('play').onclick = replay;
    $('png').onclick = function () { WB.exportPNG(cy, 'blurline-graph'); };
    $('svg').onclick = function () { WB.exportSVG(cy, 'blurline-graph'); };
    $('q').addEventListener('input', function () { clearTimeout(searchTimer); var t = $('q').value.trim(); searchTimer = setTimeout(function () { search(t); }, 250); });
    WB.caps().then(function (c) {
      caps = c;
      if (c.sourceField) {
        ['A', 'B', 'C', 'D', 'E'].forEach(function (g) { $('grade').appendChild(h('option', { value: g }, g + ' or better')); });
        if (p.get('grade')) { $('grade').value = p.get('grade'); }
      } else {
        $('grade').disabled = true;
        $('gradeNote').textContent = 'no graded source records in this API yet';
      }
      var done;
      if (p.get('from') && p.get('to')) {
        $('from').value = p.get('from'); $('to').value = p.get('to');
        done = drawPath(p.get('from'), p.get('to'));
      } else {
        var id = p.get('id') || 'mss';
        $('q').value = id;
        done = draw(id, +$('hops').value, true);
      }
      return done.then(function () {
        var sel = p.get('sel') && cy.getElementById(p.get('sel'));
        if (sel && sel.length) { showNode(sel); }
      });
    });
  }
  function refilter() {
    applyFilters();
    layout(view.mode, false);
    WB.setParams({ kinds: [].filter.call($('kindFilter').querySelectorAll('input'), function (c) { return c.checked; }).map(function (c) { return c.value; }).join(',') === WB.kinds.join(',') ? '' :
      [].filter.call($('kindFilter').querySelectorAll('input'), function (c) { return c.checked; }).map(function (c) { return c.value; }).join(','),
    minConf: +$('minConf').value > 0 ? $('minConf').value : '', grade: $('grade').value });
  }
  view.draw = draw; view.drawPath = drawPath; view.expand = expand; view.redraw = redraw; view.refilter = refilter; view.showNode = showNode; view.showEdge = showEdge;
  start();
})();
