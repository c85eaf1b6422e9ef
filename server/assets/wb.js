// wb.js: what the workbench's pages share (/blur, /entity, /changes,
// /explore): the GraphQL client (every view reads only the public API at
// /graphql), colours by class, facts and their provenance in words, deep
// links, the as-of slider, and the picture tools (label overlap removal,
// PNG and SVG export). window.WB.
(function () {
  'use strict';

  var WB = window.WB = { loading: 0 };

  // --- GraphQL ---------------------------------------------------------
  WB.gql = function (query, variables) {
    WB.loading++;
    return fetch('/graphql', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/graphql-response+json, application/json;q=0.9' },
      body: JSON.stringify({ query: query, variables: variables || {} })
    }).then(function (res) {
      return res.json().catch(function () { throw new Error('HTTP ' + res.status); });
    }).then(function (body) {
      var errs = body.errors || [];
      if (!body.data || errs.length) {
        var err = new Error(errs.map(function (e) { return e.message; }).join('; ') || 'no data');
        err.codes = errs.map(function (e) { return (e.extensions || {}).code; });
        throw err;
      }
      return body.data;
    }).catch(function (err) {
      // Source records make every statement dearer: when the API's cost
      // limit refuses a query for them, ask again without them (the
      // sources stay, as links) and say so.
      var sel = WB.capsValue && WB.capsValue.sourceSel;
      if (sel && (err.codes || []).indexOf('COST_LIMIT_EXCEEDED') >= 0 && query.indexOf(sel) >= 0) {
        WB.withoutRecords = true;
        return WB.gql(query.split(' ' + sel).join(''), variables);
      }
      throw err;
    }).finally(function () { WB.loading--; });
  };

  // The playground URL that opens a query with its variables.
  WB.playgroundURL = function (query, variables) {
    var u = new URL('/', window.location.href);
    u.searchParams.set('query', query);
    if (variables && Object.keys(variables).length) { u.searchParams.set('variables', JSON.stringify(variables, null, 2)); }
    return u.pathname + u.search;
  };

  // --- optional parts of the schema -------------------------------------
  // Source records (publisher, date, grade) arrive in the API with the
  // knowledge issue; until then a fact's sources are plain IRIs. caps()
  // looks once, by introspection, for a list of objects on Statement that
  // describes its sources, and selects its scalar fields.
  var capsP = null;
  WB.caps = function () {
    if (capsP) { return capsP; }
    var T = 'fragment T on __Type { name kind ofType { name kind ofType { name kind ofType { name kind } } } }';
    capsP = WB.gql('query Caps { st: __type(name: "Statement") { fields { name type { ...T } } } } ' + T).then(function (d) {
      var caps = { sourceField: null, sourceSel: '' };
      var fields = (d.st && d.st.fields) || [];
      var cand = fields.filter(function (f) {
        var t = named(f.type);
        return t.kind === 'OBJECT' && /source|evidence|record/i.test(f.name);
      })[0];
      if (!cand) { return caps; }
      return WB.gql('query SourceType($n: String!) { __type(name: $n) { fields { name type { ...T } } } } ' + T, { n: named(cand.type).name }).then(function (d2) {
        var sel = [];
        ((d2.__type && d2.__type.fields) || []).forEach(function (f) {
          var t = named(f.type);
          if (t.kind === 'SCALAR' || t.kind === 'ENUM') { sel.push(f.name); } else if (t.kind === 'OBJECT' || t.kind === 'INTERFACE') { sel.push(f.name + ' { id name }'); }
        });
        caps.sourceField = cand.name;
        caps.sourceSel = cand.name + ' { ' + sel.join(' ') + ' }';
        return caps;
      });
    }).catch(function () { return { sourceField: null, sourceSel: '' }; }).then(function (c) { WB.capsValue = c; return c; });
    return capsP;
  };
  function named(t) { while (t && t.ofType) { t = t.ofType; } return t || {}; }

  // The selection of a statement with all its provenance.
  WB.stmtSel = function (caps) {
    return '{ id predicate predicateKind subjectId objectId subject { id name kind } object { id name kind } value { lexical } ' +
      'confidence validFrom validUntil publishedOn sources assertedBy { id name } healeyLevel { name ordinal maurerType } ' +
      'attributionKind quote note alleged ' + ((caps && caps.sourceSel) || '') + ' }';
  };

  // --- classes and colours ----------------------------------------------
  WB.groups = [
    { key: 'state', name: 'States and their organs', color: '#c62828', classes: ['State', 'GovernmentBody', 'IntelligenceService', 'RegionalBureau', 'Alliance', 'InternationalOrganization'] },
    { key: 'company', name: 'Contractors and companies', color: '#ef6c00', classes: ['Contractor', 'FrontCompany', 'Company'] },
    { key: 'threat', name: 'Threat groups', color: '#6a1b9a', classes: ['ThreatGroup'] },
    { key: 'criminal', name: 'Criminal groups', color: '#ad1457', classes: ['CriminalGroup'] },
    { key: 'person', name: 'People', color: '#1565c0', classes: ['Person'] },
    { key: 'event', name: 'Incidents, campaigns, operations', color: '#2e7d32', classes: ['Incident', 'Campaign', 'Operation', 'Activity'] },
    { key: 'act', name: 'Legal and public acts', color: '#5d4037', classes: ['Indictment', 'Sanction', 'PublicAttribution', 'Advisory', 'Agreement', 'Document'] },
    { key: 'tech', name: 'Technical', color: '#00838f', classes: ['Vulnerability', 'Malware', 'Tool', 'AttackPattern', 'Product', 'Patch', 'Sector'] },
    { key: 'other', name: 'Other', color: '#757575', classes: [] }
  ];
  var groupOf = {};
  WB.groups.forEach(function (g) { g.classes.forEach(function (c) { groupOf[c] = g; }); });
  WB.group = function (kind) { return groupOf[kind] || WB.groups[WB.groups.length - 1]; };
  WB.color = function (kind) { return WB.group(kind).color; };
  WB.kinds = ['structural', 'control', 'attribution', 'behaviour', 'response', 'claim'];

  // --- words -------------------------------------------------------------
  var phrases = {
    memberOf: 'is a member of', partOf: 'is part of', regionalBureauOf: 'is a regional bureau of', frontCompanyOf: 'is a front company of',
    employs: 'employs', officerOf: 'is an officer of', affiliatedWith: 'is affiliated with', taskedBy: 'is tasked by', sponsoredBy: 'is sponsored by',
    attributedTo: 'is attributed to', targeted: 'targeted', exploited: 'exploited', affected: 'affected', conducts: 'conducts', uses: 'uses',
    participatedIn: 'took part in', locatedAt: 'is located in', originatesFrom: 'originates from', chargedIn: 'is charged in',
    sanctionedBy: 'is sanctioned by', patchedBy: 'is patched by', discloses: 'discloses', issuedBy: 'is issued by', concerns: 'concerns',
    acknowledges: 'acknowledges', denies: 'denies', partyTo: 'is a party to', holdsStakeIn: 'holds a stake in', relatedTo: 'is related to',
    victimCount: 'counts victims:'
  };
  WB.phrase = function (p) { return phrases[p] || String(p).replace(/([A-Z])/g, ' $1').toLowerCase(); };
  WB.name = function (e, id) { return e ? (e.name || e.id) : (id || '?'); };
  WB.confWord = function (c) {
    if (typeof c !== 'number') { return ''; }
    return c >= 0.9 ? 'high' : c >= 0.7 ? 'moderate' : c >= 0.5 ? 'low' : 'very low';
  };
  WB.fmtScore = function (x) { return (typeof x === 'number' ? x : 0).toFixed(3); };

  // h builds an element: h('a', {href: ...}, 'text', child...).
  var h = WB.h = function (tag, attrs) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === undefined || v === null || v === false) { return; }
      if (k === 'class') { el.className = v; } else if (k === 'text') { el.textContent = v; } else if (k.slice(0, 2) === 'on') { el.addEventListener(k.slice(2), v); } else { el.setAttribute(k, v === true ? '' : v); }
    });
    for (var i = 2; i < arguments.length; i++) { append(el, arguments[i]); }
    return el;
  };
  function append(el, c) {
    if (c === undefined || c === null || c === false) { return; }
    if (Array.isArray(c)) { c.forEach(function (x) { append(el, x); }); return; }
    el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  WB.clear = function (el) { while (el.firstChild) { el.removeChild(el.firstChild); } return el; };

  WB.entityLink = function (e, id) {
    var eid = e ? e.id : id;
    if (!eid) { return document.createTextNode('?'); }
    return h('a', { href: '/entity?id=' + encodeURIComponent(eid), class: 'entity', 'data-id': eid }, WB.name(e, eid));
  };

  // A fact as a sentence: "APT40 is attributed to the MSS".
  WB.sentence = function (s) {
    var obj = s.object ? WB.entityLink(s.object) : h('span', { class: 'literal' }, (s.value && s.value.lexical) || s.objectId || '');
    return h('span', { class: 'sentence' }, WB.entityLink(s.subject, s.subjectId), ' ', h('b', null, WB.phrase(s.predicate)), ' ', obj);
  };

  // Its provenance in words: who says so, how firmly, since when, on what.
  WB.provenance = function (s) {
    var parts = [];
    parts.push(s.assertedBy ? h('span', null, 'According to ', WB.entityLink(s.assertedBy), '. ') : 'No asserting party recorded. ');
    if (s.alleged) { parts.push(h('span', { class: 'alleged' }, 'An allegation, not proven. ')); }
    if (typeof s.confidence === 'number') { parts.push('Confidence ' + s.confidence.toFixed(2) + ' (' + WB.confWord(s.confidence) + '). '); }
    if (s.healeyLevel) { parts.push('Healey level: ' + s.healeyLevel.name + (s.healeyLevel.maurerType ? ' (' + s.healeyLevel.maurerType + ')' : '') + '. '); }
    if (s.attributionKind) { parts.push((/^[aeiou]/.test(s.attributionKind) ? 'An ' : 'A ') + s.attributionKind + ' attribution. '); }
    var when = [];
    if (s.validFrom) { when.push('true from ' + s.validFrom); }
    if (s.validUntil) { when.push('until ' + s.validUntil); }
    if (s.publishedOn) { when.push('made public on ' + s.publishedOn); }
    if (when.length) { parts.push(when.join(', ').replace(/^./, function (c) { return c.toUpperCase(); }) + '. '); }
    var out = h('div', { class: 'provenance' }, parts);
    if (s.quote) { out.appendChild(h('blockquote', null, '“' + s.quote + '”')); }
    if (s.note) { out.appendChild(h('div', { class: 'note' }, s.note)); }
    out.appendChild(WB.sourceList(s));
    return out;
  };

  // The sources of a fact, each a link, with publisher, date and grade
  // where the API gives them.
  WB.sourceList = function (s) {
    var ul = h('ul', { class: 'sources' });
    var records = null;
    Object.keys(s).forEach(function (k) { if (Array.isArray(s[k]) && s[k].length && typeof s[k][0] === 'object' && k !== 'sources') { records = s[k]; } });
    if (records) {
      // Source records (SourceRecord): in the order of sources.
      records.forEach(function (r, i) {
        var url = r.url || r.iri || (s.sources || [])[i] || '';
        var pub = r.publisher && typeof r.publisher === 'object' ? r.publisher.name : r.publisher;
        var grade = r.reliability || r.grade || r.admiraltyGrade;
        var kind = r.sourceKind || r.kind;
        var meta = [pub, r.publishedOn || r.date, grade ? 'reliability ' + grade : null, kind ? String(kind).toLowerCase().replace(/_/g, ' ') : null,
          r.primary === true ? 'primary' : r.primary === false ? 'a copy or report' : null].filter(function (x) { return x; });
        var li = h('li', null, url ? h('a', { href: url, class: 'source', rel: 'noreferrer', target: '_blank', title: url }, r.title || url) : h('span', null, r.title || '?'),
          meta.length ? h('span', { class: 'muted' }, ' · ' + meta.join(' · ')) : null);
        if (r.copyOf) { li.appendChild(h('span', { class: 'muted' }, ' (copy of ', h('a', { href: r.copyOf, class: 'source', rel: 'noreferrer', target: '_blank' }, r.copyOf), ')')); }
        ul.appendChild(li);
      });
      if (!ul.firstChild) { ul.appendChild(h('li', { class: 'muted' }, 'no source recorded')); }
      return ul;
    }
    (s.sources || []).forEach(function (u) {
      var host = u;
      try { host = new URL(u).hostname.replace(/^www\./, ''); } catch (e) { /* not a URL */ }
      ul.appendChild(h('li', null, h('a', { href: u, class: 'source', rel: 'noreferrer', target: '_blank', title: u }, host), ' ', h('span', { class: 'muted' }, u.length > 60 ? u.slice(0, 60) + '…' : u)));
    });
    if (!ul.firstChild) { ul.appendChild(h('li', { class: 'muted' }, 'no source recorded')); }
    return ul;
  };

  // --- deep links ----------------------------------------------------------
  WB.params = function () { return new URL(window.location.href).searchParams; };
  WB.setParams = function (kv) {
    var u = new URL(window.location.href);
    Object.keys(kv).forEach(function (k) {
      if (kv[k] === undefined || kv[k] === null || kv[k] === '') { u.searchParams.delete(k); } else { u.searchParams.set(k, kv[k]); }
    });
    history.replaceState(null, '', u);
  };

  // --- the as-of slider ------------------------------------------------------
  // A range input over days from START to today; its right end means "now"
  // (everything known). onChange(dateOrEmpty) is debounced.
  var START = Date.UTC(2010, 0, 1), DAY = 86400000;
  WB.dayString = function (ms) { return new Date(ms).toISOString().slice(0, 10); };
  WB.slider = function (range, label, dateInput, onChange) {
    var today = Math.floor(Date.now() / DAY) * DAY;
    var max = Math.round((today - START) / DAY) + 1; // max+0: now
    range.min = 0; range.max = max; range.step = 1;
    var timer = null;
    function show(v) {
      label.textContent = v ? 'as of ' + v : 'now (everything known)';
      if (dateInput) { dateInput.value = v || ''; }
    }
    function valueOf() { var n = +range.value; return n >= max ? '' : WB.dayString(START + n * DAY); }
    function set(v, fire) {
      range.value = v ? Math.max(0, Math.min(max - 1, Math.round((Date.parse(v) - START) / DAY))) : max;
      show(v);
      if (fire) { onChange(v); }
    }
    range.addEventListener('input', function () {
      var v = valueOf();
      show(v);
      clearTimeout(timer);
      timer = setTimeout(function () { onChange(v); }, 200);
    });
    if (dateInput) { dateInput.addEventListener('change', function () { set(dateInput.value, true); }); }
    range.setAttribute('aria-label', 'as-of date');
    return { set: set, value: valueOf };
  };

  // --- pictures ----------------------------------------------------------------
  WB.registerLayouts = function () {
    if (WB.layoutsRegistered || !window.cytoscape) { return; }
    if (window.cytoscapeFcose) { cytoscape.use(window.cytoscapeFcose); }
    if (window.cytoscapeDagre) { cytoscape.use(window.cytoscapeDagre); }
    if (window.cytoscapeSvg) { cytoscape.use(window.cytoscapeSvg); }
    WB.layoutsRegistered = true;
  };

  // seeded runs fn with Math.random replaced by a generator seeded with
  // seed (mulberry32), so that a layout that starts from random positions
  // draws the same picture for the same data: a deep link reopens it as
  // it was.
  WB.seeded = function (seed, fn) {
    var saved = Math.random, a = seed >>> 0;
    Math.random = function () {
      a = (a + 0x6D2B79F5) >>> 0;
      var t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    try { return fn(); } finally { Math.random = saved; }
  };
  WB.hash = function (text) {
    var x = 2166136261;
    for (var i = 0; i < text.length; i++) { x = Math.imul(x ^ text.charCodeAt(i), 16777619); }
    return x >>> 0;
  };

  // The rendered boxes of the visible labels, in model coordinates.
  WB.labelBoxes = function (cy) {
    var out = [];
    cy.elements(':visible').forEach(function (el) {
      if (!el.style('label') || el.style('label') === '' || el.hasClass('nolabel') || +el.style('text-opacity') === 0) { return; }
      var bb = el.boundingBox({ includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false });
      if (bb.w > 0 && bb.h > 0) { out.push({ id: el.id(), node: el.isNode(), x1: bb.x1, y1: bb.y1, x2: bb.x2, y2: bb.y2 }); }
    });
    return out;
  };
  function hit(a, b, pad) { return a.x1 < b.x2 + pad && b.x1 < a.x2 + pad && a.y1 < b.y2 + pad && b.y1 < a.y2 + pad; }
  WB.overlaps = function (cy) {
    var bs = WB.labelBoxes(cy), out = [];
    for (var i = 0; i < bs.length; i++) { for (var j = i + 1; j < bs.length; j++) { if (hit(bs[i], bs[j], 0)) { out.push([bs[i].id, bs[j].id]); } } }
    return out;
  };

  // declutter makes the labels readable after a layout: it moves nodes
  // apart until no node (with its label) overlaps another, then places
  // each edge label where it overlaps nothing (along its edge, or nudged
  // up or down), and hides those that fit nowhere (shown on hover, on
  // selection and in the details panel). It returns the count hidden.
  WB.declutter = function (cy) {
    var nodes = cy.nodes(':visible');
    function nbox(n) {
      var bb = n.boundingBox({ includeLabels: true, includeEdges: false, includeOverlays: false });
      return { x1: bb.x1, y1: bb.y1, x2: bb.x2, y2: bb.y2 };
    }
    for (var round = 0; round < 200; round++) {
      var moved = false, boxes = nodes.map(nbox);
      for (var i = 0; i < nodes.length; i++) {
        for (var j = i + 1; j < nodes.length; j++) {
          var a = boxes[i], b = boxes[j];
          if (!hit(a, b, 6)) { continue; }
          var dx = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1) + 8, dy = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1) + 8;
          var pa = nodes[i].position(), pb = nodes[j].position();
          if (dx < dy) {
            var sx = (pa.x <= pb.x ? -1 : 1) * dx / 2;
            nodes[i].position({ x: pa.x + sx, y: pa.y }); nodes[j].position({ x: pb.x - sx, y: pb.y });
          } else {
            var sy = (pa.y <= pb.y ? -1 : 1) * dy / 2;
            nodes[i].position({ x: pa.x, y: pa.y + sy }); nodes[j].position({ x: pb.x, y: pb.y - sy });
          }
          boxes[i] = nbox(nodes[i]); boxes[j] = nbox(nodes[j]);
          moved = true;
        }
      }
      if (!moved) { break; }
    }
    // The boxes placed so far, in a grid of 80 px cells, so that each new
    // label is checked against its neighbours only.
    var grid = {}, CELL = 80;
    function cells(b, fn) {
      for (var gx = Math.floor(b.x1 / CELL); gx <= Math.floor(b.x2 / CELL); gx++) {
        for (var gy = Math.floor(b.y1 / CELL); gy <= Math.floor(b.y2 / CELL); gy++) { if (fn(gx + ',' + gy)) { return true; } }
      }
      return false;
    }
    function place(b) { cells(b, function (k) { (grid[k] = grid[k] || []).push(b); return false; }); }
    function free(b) { return !cells(b, function (k) { return (grid[k] || []).some(function (p) { return hit(p, b, 1); }); }); }
    nodes.forEach(function (n) { place(nbox(n)); });
    var hidden = 0;
    var edges = cy.edges(':visible').sort(function (x, y) { return (y.data('weight') || 0) - (x.data('weight') || 0); });
    edges.forEach(function (e) {
      e.removeClass('nolabel');
      // Along the edge first (a quarter of the way either side of its
      // middle), then nudged across it.
      var sp = e.source().position(), tp = e.target().position();
      var ax = (tp.x - sp.x) / 4, ay = (tp.y - sp.y) / 4;
      var tries = [[0, 0], [ax, ay], [-ax, -ay], [ax / 2, ay / 2], [-ax / 2, -ay / 2], [0, -12], [0, 12], [16, 0], [-16, 0],
        [0, -24], [0, 24], [24, -12], [-24, 12], [24, 12], [-24, -12]];
      for (var t = 0; t < tries.length; t++) {
        e.style({ 'text-margin-x': tries[t][0], 'text-margin-y': tries[t][1] });
        var bb = e.boundingBox({ includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false });
        var box = { x1: bb.x1, y1: bb.y1, x2: bb.x2, y2: bb.y2 };
        if (free(box)) { place(box); return; }
      }
      e.style({ 'text-margin-x': 0, 'text-margin-y': 0 });
      e.addClass('nolabel');
      hidden++;
    });
    return hidden;
  };

  WB.download = function (name, blob) {
    var a = h('a', { href: URL.createObjectURL(blob), download: name });
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  };
  WB.exportPNG = function (cy, name) {
    var blob = cy.png({ output: 'blob', bg: '#ffffff', full: true, scale: 2 });
    WB.download(name + '.png', blob);
    return blob;
  };
  WB.exportSVG = function (cy, name) {
    var text = cy.svg({ full: true, bg: '#ffffff' });
    WB.download(name + '.svg', new Blob([text], { type: 'image/svg+xml' }));
    return text;
  };

  WB.status = function (msg, isError) {
    var s = document.getElementById('status');
    if (!s) { return; }
    s.textContent = msg || '';
    s.className = isError ? 'error' : '';
    if (isError) { WB.error = msg; }
  };

  // The states to choose from, by name.
  WB.states = function () {
    return WB.gql('query States { entities(kind: [State], first: 200) { edges { node { id name } } } }').then(function (d) {
      return d.entities.edges.map(function (e) { return e.node; });
    });
  };
})();
