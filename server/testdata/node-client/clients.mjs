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
  // A mutation without the token is refused, FORBIDDEN.
  const m = gql`mutation Load($text: String!) { loadNQuads(text: $text) { __typename } }`;
  if (process.env.BLURLINE_HAS_LOADNQUADS) {
    try {
      await client.mutate({ mutation: m, variables: { text: '' } });
      assert.fail('a mutation without the token succeeded');
    } catch (e) {
      assert.ok(CombinedGraphQLErrors.is(e), String(e));
      assert.equal(e.errors[0].extensions.code, 'FORBIDDEN');
    }
  }
  console.log('apollo HttpLink: query, NOT_FOUND and FORBIDDEN as expected');
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
  const bad = await client.query(ENTITY, { id: 'no-such-entity' }).toPromise();
  assert.equal(bad.error.graphQLErrors[0].extensions.code, 'NOT_FOUND');
  if (process.env.BLURLINE_HAS_LOADNQUADS) {
    const m = 'mutation Load($text: String!) { loadNQuads(text: $text) { __typename } }';
    const anon = await client.mutation(m, { text: '' }).toPromise();
    assert.equal(anon.error.graphQLErrors[0].extensions.code, 'FORBIDDEN');
    const authed = new Client({ url, exchanges: [fetchExchange], fetchOptions: { headers: { Authorization: 'Bearer ' + token } } });
    const ok = await authed.mutation(m, {
      text: '<https://w3id.org/blurline/id/x-urql> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/blurline/ns#Person> .\n' +
        '<https://w3id.org/blurline/id/x-urql> <https://w3id.org/blurline/ns#name> "urql" .\n',
    }).toPromise();
    assert.equal(ok.error, undefined, String(ok.error));
  }
  console.log('urql: query, NOT_FOUND, FORBIDDEN and an authorised mutation');
}
console.log('ok: urql');
