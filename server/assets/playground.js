// The Blurline playground: GraphiQL 4 (UMD build, served by this server),
// opened with the queries an analyst would start from, one per tab.
(function () {
  'use strict';

  var intro =
    '# Welcome to Blurline: how blurred is the line between state and criminal\n' +
    '# cyber actors? Each tab holds a question an analyst might start from.\n' +
    '# Run it with the ▶ button or Ctrl-Enter; the Docs button (top left)\n' +
    '# lists every type and field. Ids are short: "prc", "mss", "apt40".\n' +
    '# A picture of any neighbourhood is at /explore.\n\n';

  var tabs = [
    {
      query: intro +
        '# 1. Which actors tied to the PRC blur state and criminal activity most?\n' +
        'query BlurRankingPRC {\n' +
        '  blurRanking(state: "prc", first: 10) {\n' +
        '    actor { id name kind }\n' +
        '    score\n' +
        '  }\n' +
        '}\n'
    },
    {
      query:
        '# 2. Who attributed the 2021 Microsoft Exchange compromise, to whom,\n' +
        '#    when and with what confidence?\n' +
        'query WhoAttributedExchange {\n' +
        '  attributions(incident: "exchange-compromise-2021") {\n' +
        '    attributedBy { id name }\n' +
        '    attributedTo { id name }\n' +
        '    confidence\n' +
        '    validFrom\n' +
        '    sources\n' +
        '  }\n' +
        '}\n'
    },
    {
      query:
        '# 3. The shortest chains of statements from the Ministry of State\n' +
        '#    Security to a hacker charged in a US indictment.\n' +
        'query MssToChargedHacker {\n' +
        '  paths(from: "mss", to: "wu-shurong", maxHops: 4) {\n' +
        '    hops {\n' +
        '      from { id name }\n' +
        '      predicate\n' +
        '      to { id name }\n' +
        '      confidence\n' +
        '      sources\n' +
        '    }\n' +
        '  }\n' +
        '}\n'
    },
    {
      query:
        '# 4. The attribution picture as it stood on 1 July 2021, before the\n' +
        '#    joint statements of 19 July: change asOf to compare.\n' +
        'query PictureAsOf($asOf: String = "2021-07-01") {\n' +
        '  attributions(incident: "exchange-compromise-2021", asOf: $asOf) {\n' +
        '    attributedBy { id name }\n' +
        '    attributedTo { id name }\n' +
        '    confidence\n' +
        '  }\n' +
        '}\n',
      variables: '{ "asOf": "2021-07-01" }'
    },
    {
      query:
        '# 5. How big is the graph? Counts of quads, entities and facts.\n' +
        '{\n  stats\n}\n'
    }
  ];

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
