// The Blurline playground: GraphiQL 4 (UMD build, served by this server),
// opened with the queries an analyst would start from, one per tab. The
// queries live in server/assets/examples/*.graphql; the page carries them
// in <script id="examples" type="application/json">.
(function () {
  'use strict';
  var tabs = [];
  try {
    tabs = JSON.parse(document.getElementById('examples').textContent) || [];
  } catch (e) {
    console.error('examples:', e);
  }
  var url = new URL('/graphql', window.location.href).toString();
  var fetcher = GraphiQL.createFetcher({ url: url });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultTabs: tabs,
    defaultEditorToolsVisibility: true,
    shouldPersistHeaders: false
  }));
})();
