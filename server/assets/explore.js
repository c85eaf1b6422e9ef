// /explore: draws a neighbourhood of the knowledge graph, or the paths
// between two entities, with cytoscape.js (served by this server), fed by
// the GraphQL API at /graphql. It learns the shape of the neighbourhood
// and paths fields by introspection, so it keeps working while the schema
// grows. State for tests and the console: window.blurline.
(function () {
  'use strict';

  var $ = function (id) { return document.getElementById(id); };
  var bl = window.blurline = { cy: null, ready: false, loading: 0, error: null, draws: 0 };

  // Colours by class group: state organs red, state-linked companies
  // orange, threat and criminal groups purple, people blue, events green.
  var groups = [
    { name: 'State and its organs', color: '#c62828', classes: ['State', 'GovernmentBody', 'IntelligenceService', 'RegionalBureau', 'Alliance', 'InternationalOrganization'] },
    { name: 'Contractors and companies', color: '#ef6c00', classes: ['Contractor', 'FrontCompany', 'Company'] },
    { name: 'Threat groups', color: '#6a1b9a', classes: ['ThreatGroup'] },
    { name: 'Criminal groups', color: '#ad1457', classes: ['CriminalGroup'] },
    { name: 'People', color: '#1565c0', classes: ['Person'] },
    { name: 'Incidents, campaigns, operations', color: '#2e7d32', classes: ['Incident', 'Campaign', 'Operation', 'Activity'] },
    { name: 'Legal and public acts', color: '#5d4037', classes: ['Indictment', 'Sanction', 'PublicAttribution', 'Advisory', 'Agreement', 'Document'] },
    { name: 'Technical', color: '#00838f', classes: ['Vulnerability', 'Malware', 'Tool', 'AttackPattern', 'Product', 'Patch', 'Sector'] }
  ];
  var colorOf = {};
  groups.forEach(function (g) { g.classes.forEach(function (c) { colorOf[c] = g.color; }); });
  function color(kind) { return colorOf[kind] || '#757575'; }

  function status(msg, isError) {
    var s = $('status');
    s.textContent = msg || '';
    s.className = isError ? 'error' : '';
    if (isError) { bl.error = msg; }
  }

  function gql(query, variables) {
    bl.loading++;
    return fetch('/graphql', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/graphql-response+json, application/json;q=0.9' },
      body: JSON.stringify({ query: query, variables: variables || {} })
    }).then(function (res) {
      return res.json().catch(function () { throw new Error('HTTP ' + res.status); });
    }).then(function (body) {
      var errs = body.errors || [];
      if (!body.data || errs.length && !anyValue(body.data)) {
        throw new Error(errs.map(function (e) { return e.message; }).join('; ') || 'no data');
      }
      if (errs.length) { status('partly answered: ' + errs[0].message, true); }
      return body.data;
    }).finally(function () { bl.loading--; });
  }
  function anyValue(data) {
    return Object.keys(data).some(function (k) { return data[k] !== null; });
  }

  // --- learning the schema ---------------------------------------------
  var T = 'fragment T on __Type { name kind ofType { name kind ofType { name kind ofType { name kind } } } }';
  function named(t) { while (t && t.ofType) { t = t.ofType; } return t; }
  var typeCache = {};
  function fieldsOf(name) {
    if (typeCache[name]) { return Promise.resolve(typeCache[name]); }
    return gql('query($n: String!) { __type(name: $n) { fields { name args { name type { ...T } } type { ...T } } } } ' + T, { n: name })
      .then(function (d) {
        var m = {};
        ((d.__type && d.__type.fields) || []).forEach(function (f) { m[f.name] = f; });
        typeCache[name] = m;
        return m;
      });
  }
  function pick(fields, names) {
    for (var i = 0; i < names.length; i++) { if (fields[names[i]]) { return names[i]; } }
    return null;
  }
  // selection builds a selection set for an entity-ish type.
  function entitySel(fields) {
    var s = ['id'];
    ['name', 'kind'].forEach(function (f) { if (fields[f]) { s.push(f); } });
    s.push('__typename');
    return '{ ' + s.join(' ') + ' }';
  }
  // endSel selects one end of an edge, object or scalar.
  function endSel(f) {
    var t = named(f.type);
    if (t.kind === 'SCALAR') { return Promise.resolve(f.name); }
    return fieldsOf(t.name).then(function (ff) { return f.name + ' ' + entitySel(ff); });
  }
  function edgeSel(edgeType) {
    return fieldsOf(edgeType).then(function (ef) {
      var from = pick(ef, ['subject', 'from', 'source']), to = pick(ef, ['object', 'to', 'target', 'other']);
      var s = [];
      ['id', 'predicate', 'confidence'].forEach(function (f) { if (ef[f]) { s.push(f); } });
      var ends = [from, to].filter(Boolean).map(function (n) { return endSel(ef[n]); });
      return Promise.all(ends).then(function (es) {
        return { sel: '{ ' + s.concat(es).join(' ') + ' }', from: from, to: to };
      });
    });
  }

  var shape = null;
  function learn() {
    if (shape) { return Promise.resolve(shape); }
    return fieldsOf('Query').then(function (q) {
      shape = { q: q };
      var nb = q[pick(q, ['neighbourhood', 'neighborhood'])];
      var jobs = [];
      if (nb) {
        shape.nb = nb;
        jobs.push(fieldsOf(named(nb.type).name).then(function (sg) {
          var nodes = sg[pick(sg, ['nodes', 'entities'])], edges = sg[pick(sg, ['edges', 'facts', 'relationships'])];
          if (!nodes || !edges) { return; }
          return Promise.all([fieldsOf(named(nodes.type).name), edgeSel(named(edges.type).name)]).then(function (r) {
            shape.nbSel = '{ ' + nodes.name + ' ' + entitySel(r[0]) + ' ' + edges.name + ' ' + r[1].sel + ' }';
            shape.nodesKey = nodes.name; shape.edgesKey = edges.name; shape.nbEdge = r[1];
          });
        }));
      }
      var ps = q.paths;
      if (ps) {
        shape.paths = ps;
        jobs.push(fieldsOf(named(ps.type).name).then(function (pf) {
          var hops = pf[pick(pf, ['hops', 'steps', 'edges'])];
          if (!hops) { return; }
          return fieldsOf(named(hops.type).name).then(function (hf) {
            // A hop that carries its statement: draw the statement, which
            // has the confidence and runs subject -> object.
            if (hf.statement && !hf.confidence) {
              return edgeSel(named(hf.statement.type).name).then(function (e) {
                shape.pathSel = '{ ' + hops.name + ' { statement ' + e.sel + ' } }';
                shape.hopsKey = hops.name; shape.pathEdge = e; shape.hopStatement = 'statement';
              });
            }
            return edgeSel(named(hops.type).name).then(function (e) {
              shape.pathSel = '{ ' + hops.name + ' ' + e.sel + ' }';
              shape.hopsKey = hops.name; shape.pathEdge = e;
            });
          });
        }));
      }
      var en = q.entities;
      if (en) {
        jobs.push(fieldsOf(named(en.type).name).then(function (cf) {
          if (cf.edges) {
            return fieldsOf(named(cf.edges.type).name).then(function (ef) {
              if (!ef.node) { return; }
              return fieldsOf(named(ef.node.type).name).then(function (nf) {
                shape.searchSel = '{ edges { node ' + entitySel(nf) + ' } }';
                shape.searchList = function (d) { return d.edges.map(function (e) { return e.node; }); };
              });
            });
          }
          shape.searchSel = entitySel(cf);
          shape.searchList = function (d) { return d; };
        }));
      }
      return Promise.all(jobs).then(function () { return shape; });
    });
  }
  function args(field, want) {
    var have = {};
    field.args.forEach(function (a) { have[a.name] = true; });
    var out = {};
    Object.keys(want).forEach(function (k) {
      if (want[k] !== undefined && want[k] !== '' && have[k]) { out[k] = want[k]; }
    });
    return out;
  }
  function argText(field, values) {
    var parts = [], decls = [], vars = {};
    field.args.forEach(function (a) {
      if (values[a.name] === undefined) { return; }
      decls.push('$' + a.name + ': ' + typeRef(a.type || { name: guessType(values[a.name]) }));
      parts.push(a.name + ': $' + a.name);
      vars[a.name] = values[a.name];
    });
    return { decls: decls, call: parts.length ? '(' + parts.join(', ') + ')' : '', vars: vars };
  }
  function guessType(v) { return typeof v === 'number' ? 'Int' : 'String'; }
  function typeRef(t) {
    if (t.kind === 'NON_NULL') { return typeRef(t.ofType) + '!'; }
    if (t.kind === 'LIST') { return '[' + typeRef(t.ofType) + ']'; }
    return t.name;
  }

  // --- drawing ---------------------------------------------------------
  function initCy() {
    bl.cy = cytoscape({
      container: $('cy'),
      style: [
        { selector: 'node', style: {
          'background-color': 'data(color)', 'label': 'data(label)', 'color': '#222', 'font-size': 10,
          'text-valign': 'bottom', 'text-margin-y': 3, 'width': 22, 'height': 22,
          'text-background-color': '#fff', 'text-background-opacity': 0.7, 'text-background-padding': 1 } },
        { selector: 'node.focus', style: { 'border-width': 3, 'border-color': '#000', 'width': 30, 'height': 30 } },
        { selector: 'node:selected', style: { 'border-width': 3, 'border-color': '#ffb300' } },
        { selector: 'edge', style: {
          'curve-style': 'bezier', 'target-arrow-shape': 'triangle', 'width': 'mapData(confidence, 0, 1, 1, 4)',
          'line-color': '#9e9e9e', 'target-arrow-color': '#9e9e9e', 'label': 'data(label)', 'font-size': 8,
          'text-rotation': 'autorotate', 'color': '#444', 'text-background-color': '#fff', 'text-background-opacity': 0.8 } },
        { selector: 'edge.path', style: { 'line-color': '#ffb300', 'target-arrow-color': '#ffb300' } }
      ]
    });
    bl.cy.on('tap', 'node', function (ev) {
      var n = ev.target;
      showDetails(n.data());
      expand(n.id());
    });
    bl.cy.on('tap', 'edge', function (ev) { showDetails(ev.target.data()); });
  }

  function showDetails(d) {
    var copy = {};
    Object.keys(d).forEach(function (k) { if (k !== 'color' && k !== 'label') { copy[k] = d[k]; } });
    $('details').textContent = JSON.stringify(copy, null, 2);
  }

  function endId(v) { return v && typeof v === 'object' ? v.id : v; }

  function addNode(n) {
    if (!n || !n.id) { return; }
    var kind = n.kind || n.__typename || '';
    var el = bl.cy.getElementById(n.id);
    var data = { id: n.id, name: n.name || n.id, kind: kind, label: n.name || n.id, color: color(kind) };
    if (el.length) { el.data(data); } else { bl.cy.add({ group: 'nodes', data: data }); }
  }

  function addEdge(e, ends, cls) {
    var s = e[ends.from], o = e[ends.to];
    [s, o].forEach(function (x) { if (x && typeof x === 'object') { addNode(x); } });
    var sid = endId(s), oid = endId(o);
    if (!sid || !oid) { return; }
    [sid, oid].forEach(function (id) { if (!bl.cy.getElementById(id).length) { addNode({ id: id }); } });
    var id = e.id || (sid + ' ' + e.predicate + ' ' + oid);
    var conf = typeof e.confidence === 'number' ? e.confidence : 0.5;
    var label = (e.predicate || '') + (typeof e.confidence === 'number' ? ' (' + e.confidence.toFixed(2) + ')' : '');
    var el = bl.cy.getElementById('e:' + id);
    if (!el.length) {
      el = bl.cy.add({ group: 'edges', data: { id: 'e:' + id, fact: e.id, source: sid, target: oid, predicate: e.predicate, confidence: conf, label: label } });
    }
    if (cls) { el.addClass(cls); }
  }

  function layout(focus) {
    var opts = { name: 'cose', animate: false, nodeRepulsion: 9000, idealEdgeLength: 90, padding: 30, randomize: false };
    bl.cy.layout(opts).run();
    if (focus) { bl.cy.nodes().removeClass('focus'); bl.cy.getElementById(focus).addClass('focus'); }
    bl.draws++;
    bl.ready = true;
  }

  function asOf() { return $('asOf').value || undefined; }

  function neighbourhood(id, hops) {
    return learn().then(function (sh) {
      if (!sh.nbSel) { throw new Error('this server has no neighbourhood query yet'); }
      var a = argText(sh.nb, args(sh.nb, { id: id, hops: hops, asOf: asOf(), first: 200 }));
      var q = 'query Neighbourhood' + (a.decls.length ? '(' + a.decls.join(', ') + ')' : '') +
        ' { n: ' + sh.nb.name + a.call + ' ' + sh.nbSel + ' }';
      return gql(q, a.vars).then(function (d) {
        var g = d.n;
        if (!g) { throw new Error('nothing found for ' + id); }
        bl.cy.batch(function () {
          (g[sh.nodesKey] || []).forEach(addNode);
          (g[sh.edgesKey] || []).forEach(function (e) { addEdge(e, sh.nbEdge); });
        });
        return g;
      });
    });
  }

  function draw(id, hops, fresh) {
    if (!id) { status('type an entity id or pick a search result', true); return Promise.resolve(); }
    status('loading ' + id + '…');
    if (fresh) { bl.cy.elements().remove(); }
    return neighbourhood(id, hops).then(function (g) {
      layout(id);
      status(bl.cy.nodes().length + ' entities, ' + bl.cy.edges().length + ' statements' + (g.truncated ? ' (cut short)' : ''));
      var u = new URL(window.location.href);
      u.searchParams.set('id', id); u.searchParams.set('hops', hops);
      if (asOf()) { u.searchParams.set('asOf', asOf()); } else { u.searchParams.delete('asOf'); }
      u.searchParams.delete('from'); u.searchParams.delete('to');
      history.replaceState(null, '', u);
    }).catch(function (err) { status(err.message, true); });
  }

  function expand(id) {
    return draw(id, 1, false);
  }

  function drawPath(from, to) {
    if (!from || !to) { status('give both ends of the path', true); return Promise.resolve(); }
    status('finding paths ' + from + ' → ' + to + '…');
    return learn().then(function (sh) {
      if (!sh.pathSel) { throw new Error('this server has no paths query yet'); }
      var a = argText(sh.paths, args(sh.paths, { from: from, to: to, asOf: asOf(), first: 5 }));
      var q = 'query Paths(' + a.decls.join(', ') + ') { p: ' + sh.paths.name + a.call + ' ' + sh.pathSel + ' }';
      return gql(q, a.vars).then(function (d) {
        var ps = d.p || [];
        if (!ps.length) { throw new Error('no path from ' + from + ' to ' + to); }
        bl.cy.elements().remove();
        bl.cy.batch(function () {
          ps.forEach(function (p) {
            (p[sh.hopsKey] || []).forEach(function (h) { addEdge(sh.hopStatement ? h[sh.hopStatement] : h, sh.pathEdge, 'path'); });
          });
        });
        layout(from);
        status(ps.length + ' path(s), ' + bl.cy.nodes().length + ' entities');
        var u = new URL(window.location.href);
        u.searchParams.set('from', from); u.searchParams.set('to', to); u.searchParams.delete('id');
        history.replaceState(null, '', u);
      });
    }).catch(function (err) { status(err.message, true); });
  }

  var searchTimer = null;
  function search(text) {
    learn().then(function (sh) {
      if (!sh.searchSel || text.length < 2) { return; }
      var en = sh.q.entities;
      var a = argText(en, args(en, { search: text, text: text, first: 15 }));
      var q = 'query Search(' + a.decls.join(', ') + ') { s: entities' + a.call + ' ' + sh.searchSel + ' }';
      return gql(q, a.vars).then(function (d) {
        var list = sh.searchList(d.s || []) || [];
        var ul = $('results'), dl = $('ids');
        ul.textContent = ''; dl.textContent = '';
        list.forEach(function (n) {
          var li = document.createElement('li');
          li.textContent = (n.name || n.id) + ' · ' + (n.kind || n.__typename || '') + ' · ' + n.id;
          li.onclick = function () { $('q').value = n.id; draw(n.id, +$('hops').value, true); };
          ul.appendChild(li);
          var o = document.createElement('option'); o.value = n.id; o.label = n.name || n.id; dl.appendChild(o);
        });
      });
    }).catch(function (err) { status(err.message, true); });
  }

  function legend() {
    var box = $('legend');
    groups.forEach(function (g) {
      var d = document.createElement('div');
      var dot = document.createElement('span'); dot.style.background = g.color;
      d.appendChild(dot); d.appendChild(document.createTextNode(g.name));
      box.appendChild(d);
    });
  }

  function start() {
    legend();
    initCy();
    var p = new URL(window.location.href).searchParams;
    if (p.get('asOf')) { $('asOf').value = p.get('asOf'); }
    if (p.get('hops')) { $('hops').value = p.get('hops'); }
    $('form').addEventListener('submit', function (ev) { ev.preventDefault(); draw($('q').value.trim(), +$('hops').value, true); });
    $('drawPath').onclick = function () { drawPath($('from').value.trim(), $('to').value.trim()); };
    $('clear').onclick = function () { bl.cy.elements().remove(); status(''); };
    $('q').addEventListener('input', function () {
      clearTimeout(searchTimer);
      var t = $('q').value.trim();
      searchTimer = setTimeout(function () { search(t); }, 250);
    });
    if (p.get('from') && p.get('to')) {
      $('from').value = p.get('from'); $('to').value = p.get('to');
      drawPath(p.get('from'), p.get('to'));
    } else {
      var id = p.get('id') || 'mss';
      $('q').value = id;
      draw(id, +$('hops').value, true);
    }
  }
  bl.draw = draw; bl.drawPath = drawPath; bl.expand = expand;
  start();
})();
