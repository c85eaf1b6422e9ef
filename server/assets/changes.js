// /changes?from=2021-07-18&to=2021-07-20&state=prc: what changed between
// two dates (Query.changes): the blur scores that moved, the attributions
// made, the facts that began and those that ended. State for tests:
// window.WB.view.
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var h = WB.h;
  var view = WB.view = { ready: false, draws: 0, changes: null, error: null };
  var caps = null;

  function query() {
    var S = WB.stmtSel(caps);
    return 'query WhatChanged($from: Date!, $to: Date!, $state: ID, $kinds: [PredicateKind!]) {\n' +
      '  changes(from: $from, to: $to, state: $state, kinds: $kinds, first: 300) {\n' +
      '    truncated\n    blurMoves { actor { id name kind } before after delta to { state { id name } } from { state { id name } } }\n' +
      '    attributions { id date attributedBy { id name } subject { id name } attributedTo { id name } confidence kind statement ' + S + ' }\n' +
      '    began { date statement ' + S + ' }\n    ended { date statement ' + S + ' }\n  }\n}';
  }
  function vars() {
    var v = { from: $('from').value, to: $('to').value };
    if ($('state').value) { v.state = $('state').value; }
    var kinds = [].filter.call($('kinds').querySelectorAll('input'), function (c) { return c.checked; }).map(function (c) { return c.value; });
    if (kinds.length && kinds.length < WB.kinds.length) { v.kinds = kinds; }
    return v;
  }

  function load() {
    var v = vars();
    if (!v.from || !v.to) { WB.status('give both dates', true); return Promise.resolve(); }
    view.ready = false;
    WB.setParams({ from: v.from, to: v.to, state: v.state || '', kinds: (v.kinds || []).join(',') });
    $('playLink').href = WB.playgroundURL(query(), v);
    WB.status('comparing ' + v.from + ' and ' + v.to + '…');
    return WB.gql(query(), v).then(function (d) {
      view.changes = d.changes;
      render(d.changes);
      WB.status((d.changes.truncated ? 'some lists cut at 300; ' : '') + 'from the end of ' + v.from + ' to the end of ' + v.to);
      view.draws++; view.ready = true;
    }).catch(function (err) { view.error = err.message; WB.status(err.message, true); view.ready = true; });
  }

  function bar(x) {
    return h('div', { class: 'bar score' }, h('div', { class: 'track' }, h('div', { class: 'fill', style: 'width:' + (Math.max(0, Math.min(1, x)) * 100).toFixed(1) + '%' })), h('span', null, WB.fmtScore(x)));
  }

  function render(c) {
    var tb = WB.clear($('moves').tBodies[0]);
    $('movesTitle').textContent = 'Blur scores that moved (' + c.blurMoves.length + ')';
    c.blurMoves.forEach(function (m) {
      var st = (m.to && m.to.state) || (m.from && m.from.state);
      tb.appendChild(h('tr', { 'data-actor': m.actor.id },
        h('td', null, h('span', { class: 'dot', style: 'background:' + WB.color(m.actor.kind) }), WB.entityLink(m.actor), st ? h('span', { class: 'muted' }, ' against ' + st.name) : null,
          st ? h('span', null, ' · ', h('a', { href: '/blur?state=' + encodeURIComponent(st.id) + '&actor=' + encodeURIComponent(m.actor.id) + '&asOf=' + $('to').value }, 'evidence')) : null),
        h('td', null, bar(m.before)), h('td', null, bar(m.after)),
        h('td', null, h('span', { class: 'delta ' + (m.delta > 0 ? 'up' : 'down') }, (m.delta > 0 ? '+' : '') + m.delta.toFixed(3)))));
    });
    if (!c.blurMoves.length) { tb.appendChild(h('tr', null, h('td', { colspan: 4, class: 'muted' }, 'No score moved.'))); }
    var ol = WB.clear($('attributions'));
    $('attrTitle').textContent = 'Attributions made (' + c.attributions.length + ')';
    c.attributions.forEach(function (a) {
      ol.appendChild(h('li', null, h('div', null, a.date + ': ', a.attributedBy ? WB.entityLink(a.attributedBy) : 'unnamed party', ' attributes ', WB.entityLink(a.subject), ' to ', WB.entityLink(a.attributedTo),
        ' (' + (a.kind || 'attribution') + ', ' + a.confidence.toFixed(2) + ')'), WB.provenance(a.statement)));
    });
    if (!ol.firstChild) { ol.appendChild(h('li', { class: 'muted' }, 'none')); }
    [['began', 'Facts that began'], ['ended', 'Facts that ended']].forEach(function (x) {
      var list = c[x[0]], ol2 = WB.clear($(x[0]));
      $(x[0] + 'Title').textContent = x[1] + ' (' + list.length + ')';
      list.forEach(function (fc) {
        ol2.appendChild(h('li', { 'data-fact': fc.statement.id }, h('div', null, fc.date + ': ', WB.sentence(fc.statement), h('span', { class: 'muted' }, ' · ' + fc.statement.predicateKind)), WB.provenance(fc.statement)));
      });
      if (!ol2.firstChild) { ol2.appendChild(h('li', { class: 'muted' }, 'none')); }
    });
  }

  function start() {
    var p = WB.params();
    $('from').value = p.get('from') || '2021-07-18';
    $('to').value = p.get('to') || '2021-07-20';
    var want = (p.get('kinds') || '').split(',').filter(Boolean);
    WB.kinds.forEach(function (k) {
      $('kinds').appendChild(h('label', null, h('input', { type: 'checkbox', value: k, checked: !want.length || want.indexOf(k) >= 0 }), ' ' + k));
    });
    $('form').addEventListener('submit', function (ev) { ev.preventDefault(); load(); });
    Promise.all([WB.caps(), WB.states()]).then(function (r) {
      caps = r[0];
      var st = p.has('state') ? p.get('state') : 'prc';
      r[1].forEach(function (s) { $('state').appendChild(h('option', { value: s.id, selected: s.id === st }, s.name)); });
      return load();
    }).catch(function (err) { view.error = err.message; WB.status(err.message, true); view.ready = true; });
  }
  view.load = load;
  start();
})();
