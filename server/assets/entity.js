// /entity?id=apt40: one entity: its name, aliases, kind, description and
// external ids; its relationships grouped by predicate, each with its
// provenance in words; the attributions it made and received; its facts on
// a timeline. An as-of slider shows it as it stood at a date. State for
// tests: window.WB.view.
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var h = WB.h;
  var view = WB.view = { ready: false, draws: 0, entity: null, error: null };
  var caps = null, slider = null, searchTimer = null;

  function query() {
    var S = WB.stmtSel(caps);
    var A = '{ id date attributedBy { id name } subject { id name kind } attributedTo { id name kind } confidence kind quote statement ' + S + ' }';
    return 'query Entity($id: ID!, $asOf: Date) {\n' +
      '  entity(id: $id) { id iri name aliases kind description sources externalIds nonStateCharacter\n' +
      '    relationships(first: 300, asOf: $asOf) { totalCount edges { node { direction other { id name kind } statement ' + S + ' } } }\n' +
      '    blur(asOf: $asOf) { score state { id name } } }\n' +
      '  made: attributions(attributedBy: [$id], asOf: $asOf) ' + A + '\n' +
      '  received: attributions(attributedTo: [$id], includeOrgans: true, asOf: $asOf) ' + A + '\n' +
      '  attributedAs: attributions(incident: $id, asOf: $asOf) ' + A + '\n}';
  }

  function load(id) {
    id = id || view.id;
    if (!id) { return Promise.resolve(); }
    view.id = id; view.ready = false;
    var v = { id: id };
    if (slider.value()) { v.asOf = slider.value(); }
    WB.setParams({ id: id, asOf: v.asOf });
    WB.status('loading ' + id + '…');
    return WB.gql(query(), v).then(function (d) {
      view.entity = d.entity;
      render(d, v);
      WB.status('');
      view.draws++; view.ready = true;
    }).catch(function (err) { view.error = err.message; WB.status(err.message, true); view.ready = true; });
  }

  function render(d, v) {
    var e = d.entity;
    document.title = 'Blurline · ' + e.name;
    $('name').textContent = e.name;
    $('kind').textContent = e.kind + ' · ' + e.id + (e.blur && e.blur.state ? ' · blur against ' + e.blur.state.name + ': ' + WB.fmtScore(e.blur.score) : '');
    $('description').textContent = e.description || '';
    var links = WB.clear($('links'));
    links.appendChild(h('a', { href: '/explore?id=' + encodeURIComponent(e.id) + (v.asOf ? '&asOf=' + v.asOf : '') }, 'Explore its neighbourhood'));
    if (e.blur && e.blur.state) { links.appendChild(h('a', { href: '/blur?state=' + encodeURIComponent(e.blur.state.id) + '&actor=' + encodeURIComponent(e.id) + (v.asOf ? '&asOf=' + v.asOf : '') }, 'Its blur evidence')); }
    links.appendChild(h('a', { href: WB.playgroundURL(query(), v) }, 'Open in the playground'));
    var about = WB.clear($('about'));
    function row(k, val) { if (val && (!Array.isArray(val) || val.length)) { about.appendChild(h('dt', null, k)); about.appendChild(h('dd', null, val)); } }
    row('Aliases', (e.aliases || []).join(', '));
    row('External ids', (e.externalIds || []).join(', '));
    row('Non-state character ν', e.nonStateCharacter.toFixed(2));
    row('Sources', WB.sourceList({ sources: e.sources }));
    row('IRI', e.iri);

    var rels = e.relationships.edges.map(function (x) { return x.node; });
    var groups = {}, order = [];
    rels.forEach(function (r) {
      var k = r.statement.predicate + (r.direction === 'IN' ? ' (in)' : '');
      if (!groups[k]) { groups[k] = []; order.push(k); }
      groups[k].push(r);
    });
    order.sort();
    var box = WB.clear($('relationships'));
    if (e.relationships.totalCount > rels.length) { box.appendChild(h('p', { class: 'muted' }, 'The first ' + rels.length + ' of ' + e.relationships.totalCount + ' relationships.')); }
    order.forEach(function (k) {
      var rs = groups[k], st0 = rs[0].statement;
      var title = rs[0].direction === 'IN' ? '… ' + WB.phrase(st0.predicate) + ' ' + e.name : e.name + ' ' + WB.phrase(st0.predicate) + ' …';
      box.appendChild(h('section', { class: 'group', 'data-predicate': st0.predicate },
        h('h3', null, title + ' (' + rs.length + ', ' + st0.predicateKind + ')'),
        rs.map(function (r) { return h('div', { class: 'rel', id: 'f-' + r.statement.id }, WB.sentence(r.statement), WB.provenance(r.statement)); })));
    });
    if (!order.length) { box.appendChild(h('p', { class: 'muted' }, 'No relationship holds at this date.')); }
    attrList($('made'), d.made, 'none');
    attrList($('received'), d.received, 'none');
    attrList($('attributedAs'), d.attributedAs, 'none');
    timeline(rels.map(function (r) { return r.statement; }));
  }

  function attrList(ol, list, empty) {
    WB.clear(ol);
    (list || []).forEach(function (a) {
      ol.appendChild(h('li', null,
        h('div', null, a.date ? a.date + ': ' : '', a.attributedBy ? WB.entityLink(a.attributedBy) : 'unnamed party', ' attributes ', WB.entityLink(a.subject), ' to ', WB.entityLink(a.attributedTo),
          ' (' + (a.kind || 'attribution') + ', ' + a.confidence.toFixed(2) + ')'),
        WB.provenance(a.statement)));
    });
    if (!ol.firstChild) { ol.appendChild(h('li', { class: 'muted' }, empty)); }
  }

  // timeline draws each dated fact as a dot at its start (the later of
  // validFrom and publishedOn) and a bar to its end (validUntil), one lane
  // per predicate kind.
  function timeline(stmts) {
    var svg = $('timeline'), NS = 'http://www.w3.org/2000/svg';
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    var items = stmts.map(function (s) {
      var start = [s.validFrom, s.publishedOn].filter(Boolean).sort().pop();
      return { s: s, start: start ? Date.parse(start) : null, end: s.validUntil ? Date.parse(s.validUntil) : null };
    }).filter(function (x) { return x.start !== null || x.end !== null; });
    var lanes = WB.kinds.filter(function (k) { return items.some(function (x) { return x.s.predicateKind === k; }); });
    var W = svg.clientWidth || 900, left = 90, right = 20, laneH = 26, top = 10, H = top + lanes.length * laneH + 28;
    svg.setAttribute('height', Math.max(H, 50));
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + Math.max(H, 50));
    function el(tag, attrs, text) { var x = document.createElementNS(NS, tag); Object.keys(attrs).forEach(function (k) { x.setAttribute(k, attrs[k]); }); if (text) { x.textContent = text; } svg.appendChild(x); return x; }
    if (!items.length) { el('text', { x: 10, y: 30 }, 'No dated fact.'); return; }
    var times = [];
    items.forEach(function (x) { if (x.start !== null) { times.push(x.start); } if (x.end !== null) { times.push(x.end); } });
    var t0 = Math.min.apply(null, times), t1 = Math.max.apply(null, times);
    var y0 = new Date(t0).getUTCFullYear(), y1 = new Date(t1).getUTCFullYear() + 1;
    t0 = Date.UTC(y0, 0, 1); t1 = Date.UTC(y1, 0, 1);
    var X = function (t) { return left + (W - left - right) * (t - t0) / (t1 - t0); };
    var step = Math.max(1, Math.ceil((y1 - y0) / 12));
    for (var y = y0; y <= y1; y += step) {
      var x = X(Date.UTC(y, 0, 1));
      el('line', { x1: x, x2: x, y1: top, y2: H - 20, stroke: '#eee' });
      el('text', { x: x, y: H - 6, 'text-anchor': 'middle', fill: '#555' }, String(y));
    }
    lanes.forEach(function (k, i) {
      var yy = top + i * laneH + laneH / 2;
      el('text', { x: 6, y: yy + 4, fill: '#333' }, k);
      el('line', { x1: left, x2: W - right, y1: yy, y2: yy, stroke: '#f3f3f3' });
      // Facts a few pixels apart share one dot, which counts them.
      var buckets = {}, keys = [];
      items.filter(function (x) { return x.s.predicateKind === k; }).forEach(function (x) {
        var a = X(x.start !== null ? x.start : t0), b = x.end !== null ? X(x.end) : a;
        if (b > a) { el('line', { x1: a, x2: b, y1: yy, y2: yy, stroke: WB.color(x.s.subject && x.s.subject.kind), 'stroke-width': 4, 'stroke-opacity': 0.4 }); }
        var key = Math.round(a / 10);
        if (!buckets[key]) { buckets[key] = { x: a, items: [] }; keys.push(key); }
        buckets[key].items.push(x);
      });
      keys.forEach(function (key) {
        var bk = buckets[key], first = bk.items[0], n = bk.items.length;
        var dot = el('circle', { cx: bk.x, cy: yy, r: Math.min(5 + n - 1, 10), fill: WB.color(first.s.subject && first.s.subject.kind), 'data-fact': first.s.id, tabindex: 0, role: 'link' });
        if (n > 1) { el('text', { x: bk.x + 12, y: yy + 4, fill: '#333' }, '×' + n); }
        var title = document.createElementNS(NS, 'title');
        title.textContent = bk.items.map(function (x) {
          return (x.start ? new Date(x.start).toISOString().slice(0, 10) + ': ' : '') + WB.name(x.s.subject, x.s.subjectId) + ' ' + WB.phrase(x.s.predicate) + ' ' + WB.name(x.s.object, x.s.objectId);
        }).join('\n');
        dot.appendChild(title);
        var go = function () { var t = document.getElementById('f-' + first.s.id); if (t) { t.scrollIntoView({ block: 'center' }); } };
        dot.addEventListener('click', go);
        dot.addEventListener('keydown', function (ev) { if (ev.key === 'Enter') { go(); } });
      });
    });
  }

  function search(text) {
    if (text.length < 2) { return; }
    WB.gql('query Search($s: String) { entities(search: $s, first: 15) { edges { node { id name kind } } } }', { s: text }).then(function (d) {
      var dl = WB.clear($('ids'));
      d.entities.edges.forEach(function (e) { dl.appendChild(h('option', { value: e.node.id, label: e.node.name + ' · ' + e.node.kind })); });
    }).catch(function () { /* the search box is a convenience */ });
  }

  function start() {
    var p = WB.params();
    slider = WB.slider($('asOfRange'), $('asOfLabel'), $('asOf'), function () { load(); });
    slider.set(p.get('asOf') || '', false);
    $('form').addEventListener('submit', function (ev) { ev.preventDefault(); load($('q').value.trim()); });
    $('q').addEventListener('input', function () { clearTimeout(searchTimer); var t = $('q').value.trim(); searchTimer = setTimeout(function () { search(t); }, 250); });
    var id = p.get('id') || 'mss';
    $('q').value = id;
    WB.caps().then(function (c) { caps = c; return load(id); });
  }
  view.load = load;
  start();
})();
