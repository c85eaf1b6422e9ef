// Runs Apollo Client (HttpLink, BatchHttpLink, PersistedQueryLink) and urql,
// unmodified, against a Blurline server:
//   node clients.mjs http://127.0.0.1:PORT/graphql
// Every request goes through a counting fetch, so the checks see what went
// on the wire. Prints "ok: apollo" and "ok: urql"; exits 1 on any failure.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql, CombinedGraphQLErrors } from '@apollo/client';
import { BatchHttpLink } from '@apollo/client/link/batch-http';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { Client, fetchExchange } from '@urql/core';

const url = process.argv[2];
const token = process.env.BLURLINE_TOKEN;

// wire records each request and response.
const wire = [];
const countingFetch = async (input, init = {}) => {
  const res = await fetch(input, init);
  wire.push({
    method: init.method || 'GET', url: String(input), body: init.body,
    status: res.status, cacheControl: res.headers.get('cache-control'),
  });
  return res;
};

const ENTITY = gql`query Entity($id: ID!) { entity(id: $id) { id name kind } }`;

// 1. HttpLink.
{
  const client = new ApolloClient({ link: new HttpLink({ uri: url, fetch: countingFetch }), cache: new InMemoryCache() });
  const { data } = await client.query({ query: ENTITY, variables: { id: 'apt40' } });
  assert.equal(data.entity.name, 'APT40');
  assert.equal(data.entity.__typename, 'ThreatGroup');
  // A field error reaches Apollo as CombinedGraphQLErrors with the code.
  const res = await client.query({ query: ENTITY, variables: { id: 'no-such-entity' }, errorPolicy: 'all', fetchPolicy: 'network-only' });
  assert.ok(CombinedGraphQLErrors.is(res.error), String(res.error));
  assert.equal(res.error.errors[0].extensions.code, 'NOT_FOUND');
  // A mutation without the token is refused, UNAUTHENTICATED.
  const m = gql`mutation Load($text: String!) { loadNQuads(text: $text) { __typename } }`;
  if (process.env.BLURLINE_HAS_LOADNQUADS) {
    try {
      await client.mutate({ mutation: m, variables: { text: '' } });
      assert.fail('a mutation without the token succeeded');
    } catch (e) {
      assert.ok(CombinedGraphQLErrors.is(e), String(e));
      assert.equal(e.errors[0].extensions.code, 'UNAUTHENTICATED');
    }
  }
  // Relay refetching: node(id:) gives the same object, normalised in the
  // cache under ThreatGroup:apt40 (the entity fetched above).
  // Apollo matches fragments on interfaces with possibleTypes, which its
  // documentation has clients read from introspection.
  const pt = await client.query({ query: gql`{ e: __type(name: "Entity") { possibleTypes { name } } n: __type(name: "Node") { possibleTypes { name } } }` });
  const possibleTypes = { Entity: pt.data.e.possibleTypes.map((t) => t.name), Node: pt.data.n.possibleTypes.map((t) => t.name) };
  const relay = new ApolloClient({ link: new HttpLink({ uri: url, fetch: countingFetch }), cache: new InMemoryCache({ possibleTypes }) });
  await relay.query({ query: ENTITY, variables: { id: 'apt40' } });
  const NODE = gql`query Node($id: ID!) { node(id: $id) { id ... on Entity { name aliases } } }`;
  const n = await relay.query({ query: NODE, variables: { id: 'apt40' } });
  assert.equal(n.data.node.__typename, 'ThreatGroup');
  assert.equal(n.data.node.name, 'APT40');
  const cached = relay.cache.extract()['ThreatGroup:apt40'];
  assert.ok(cached && cached.name === 'APT40' && Array.isArray(cached.aliases), JSON.stringify(cached));
  console.log('apollo HttpLink: query, node refetch (one cache entry), NOT_FOUND and UNAUTHENTICATED as expected');
}

// 2. BatchHttpLink: three queries issued together go as one POST of a JSON array.
{
  wire.length = 0;
  const client = new ApolloClient({
    link: new BatchHttpLink({ uri: url, fetch: countingFetch, batchMax: 10, batchInterval: 20 }),
    cache: new InMemoryCache(),
  });
  const ids = ['apt40', 'mss', 'hafnium'];
  const results = await Promise.all(ids.map((id) => client.query({ query: ENTITY, variables: { id } })));
  assert.deepEqual(results.map((r) => r.data.entity.id), ids);
  assert.equal(wire.length, 1, `BatchHttpLink made ${wire.length} requests`);
  const sent = JSON.parse(wire[0].body);
  assert.ok(Array.isArray(sent) && sent.length === 3);
  console.log('apollo BatchHttpLink: 3 operations in 1 request, answered in order');
}

// 3. PersistedQueryLink over GET: the hash alone first, the query once on
// PERSISTED_QUERY_NOT_FOUND, then the hash alone is enough and cacheable.
{
  const sha256 = (s) => createHash('sha256').update(s).digest('hex');
  const link = ApolloLink.from([
    new PersistedQueryLink({ sha256, useGETForHashedQueries: true }),
    new HttpLink({ uri: url, fetch: countingFetch }),
  ]);
  for (const round of [1, 2]) {
    wire.length = 0;
    const client = new ApolloClient({ link, cache: new InMemoryCache() });
    const { data } = await client.query({ query: ENTITY, variables: { id: 'mss' } });
    assert.equal(data.entity.id, 'mss');
    const first = new URL(wire[0].url);
    assert.equal(wire[0].method, 'GET');
    assert.equal(first.searchParams.get('query'), null, 'the first request carries the hash alone');
    assert.ok(JSON.parse(first.searchParams.get('extensions')).persistedQuery.sha256Hash);
    if (round === 1) {
      assert.equal(wire.length, 2, 'not found, then the query with its hash');
      assert.ok(wire[1].body ? JSON.parse(wire[1].body).query : new URL(wire[1].url).searchParams.get('query'));
    } else {
      assert.equal(wire.length, 1, 'the hash alone is enough once the server has the query');
      assert.match(wire[0].cacheControl, /^public, max-age=\d+$/);
    }
  }
  console.log('apollo PersistedQueryLink: hash, not found, registered; then the hash alone (Cache-Control public)');
}
console.log('ok: apollo');

// 4. urql.
{
  const client = new Client({ url, exchanges: [fetchExchange], fetch: countingFetch, preferGetMethod: false });
  const res = await client.query(ENTITY, { id: 'hafnium' }).toPromise();
  assert.equal(res.error, undefined, String(res.error));
  assert.equal(res.data.entity.name, 'HAFNIUM');
  // Backward pagination: the last two relationships, then the two before them.
  const PAGE = 'query($id: ID!, $before: String) { entity(id: $id) { relationships(last: 2, before: $before) { pageInfo { hasPreviousPage startCursor } edges { cursor node { id } } } } }';
  const p1 = (await client.query(PAGE, { id: 'apt40' }).toPromise()).data.entity.relationships;
  assert.equal(p1.edges.length, 2);
  assert.ok(p1.pageInfo.hasPreviousPage);
  const p2 = (await client.query(PAGE, { id: 'apt40', before: p1.pageInfo.startCursor }).toPromise()).data.entity.relationships;
  assert.equal(p2.edges.length, 2);
  assert.ok(p2.edges[1].node.id < p1.edges[0].node.id, 'the page before comes before');
  const bad = await client.query(ENTITY, { id: 'no-such-entity' }).toPromise();
  assert.equal(bad.error.graphQLErrors[0].extensions.code, 'NOT_FOUND');
  if (process.env.BLURLINE_HAS_LOADNQUADS) {
    const m = 'mutation Load($text: String!) { loadNQuads(text: $text) { __typename } }';
    const anon = await client.mutation(m, { text: '' }).toPromise();
    assert.equal(anon.error.graphQLErrors[0].extensions.code, 'UNAUTHENTICATED');
    const authed = new Client({ url, exchanges: [fetchExchange], fetchOptions: { headers: { Authorization: 'Bearer ' + token } } });
    const ok = await authed.mutation(m, {
      text: '<https://w3id.org/blurline/id/x-urql> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/blurline/ns#Person> .\n' +
        '<https://w3id.org/blurline/id/x-urql> <https://w3id.org/blurline/ns#name> "urql" .\n',
    }).toPromise();
    assert.equal(ok.error, undefined, String(ok.error));
  }
  console.log('urql: query, backward pages, NOT_FOUND, UNAUTHENTICATED and an authorised mutation');
}
console.log('ok: urql');
