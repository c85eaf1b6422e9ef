// The Blurline playground: GraphiQL 4 (UMD build, served by this server)
// with the GraphiQL Explorer plugin open, so that a query can be built by
// ticking fields and filling in arguments. It opens with the queries an
// analyst would start from, one per tab (server/assets/examples/*.graphql,
// carried in <script id="examples" type="application/json">), and with
// the query of a workbench link (/?query=...&variables=...) in front.
// Every result that names entities offers them in the workbench.
(function () {
  'use strict';
  var tabs = [];
  try {
    tabs = JSON.parse(document.getElementById('examples').textContent) || [];
  } catch (e) {
    console.error('examples:', e);
  }
  var params = new URL(window.location.href).searchParams;
  var url = new URL('/graphql', window.location.href).toString();
  // The fetcher: a POST per request, with the Headers tab's headers (the
  // write token), that shows each result's entities in the workbench bar.
  var fetcher = function (p, opts) {
    var headers = Object.assign({ 'Content-Type': 'application/json', 'Accept': 'application/graphql-response+json, application/json;q=0.9' }, (opts && opts.headers) || {});
    return fetch(url, { method: 'POST', headers: headers, body: JSON.stringify(p) }).then(function (res) {
      return res.json();
    }).then(function (body) {
      if (p.operationName !== 'IntrospectionQuery') { offer(body && body.data); }
      return body;
    });
  };

  // offer lists the entities a result names (objects with an id and a
  // name that are not facts) as links into the workbench.
  function offer(data) {
    var seen = {}, found = [];
    (function walk(v, depth) {
      if (!v || typeof v !== 'object' || depth > 12 || found.length >= 12) { return; }
      if (Array.isArray(v)) { v.forEach(function (x) { walk(x, depth + 1); }); return; }
      if (typeof v.id === 'string' && typeof v.name === 'string' && !('predicate' in v) && !seen[v.id]) {
        seen[v.id] = true;
        found.push(v);
      }
      Object.keys(v).forEach(function (k) { walk(v[k], depth + 1); });
    })(data, 0);
    var bar = document.getElementById('workbench');
    while (bar.firstChild) { bar.removeChild(bar.firstChild); }
    if (!found.length) { bar.hidden = true; return; }
    bar.hidden = false;
    bar.appendChild(document.createTextNode('Open in the workbench: '));
    found.forEach(function (e, i) {
      var a = document.createElement('a');
      a.href = '/entity?id=' + encodeURIComponent(e.id);
      a.textContent = e.name;
      a.className = 'entity';
      a.setAttribute('data-id', e.id);
      if (i) { bar.appendChild(document.createTextNode(' · ')); }
      bar.appendChild(a);
    });
  }

  var explorer = GraphiQLPluginExplorer.explorerPlugin({ showAttribution: false });
  var props = {
    fetcher: fetcher,
    defaultTabs: tabs,
    defaultEditorToolsVisibility: true,
    shouldPersistHeaders: false,
    plugins: [explorer]
  };
  if (params.get('query')) {
    props.query = params.get('query');
    props.variables = params.get('variables') || '';
  }
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, props));

  // Open the explorer once GraphiQL has laid out its panes (GraphiQL 4.1.2
  // leaves a plugin made visible by its visiblePlugin prop off screen).
  var tries = 0;
  (function openExplorer() {
    var show = document.querySelector('[aria-label="Show GraphiQL Explorer"]');
    if (show) { show.click(); return; }
    if (!document.querySelector('[aria-label="Hide GraphiQL Explorer"]') && ++tries < 100) { setTimeout(openExplorer, 50); }
  })();
})();
