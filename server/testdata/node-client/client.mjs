// Runs graphql-request (npm, unmodified) against a Blurline server:
//   node client.mjs http://127.0.0.1:PORT/graphql
// Prints "ok: graphql-request" when every check passed; exits 1 otherwise.
import assert from 'node:assert/strict';
import { GraphQLClient, ClientError } from 'graphql-request';

const url = process.argv[2];
const token = process.env.BLURLINE_TOKEN;

// POST, with variables and an operation name.
const client = new GraphQLClient(url);
const q = 'query QueryType($n: String!) { __type(name: $n) { name fields { name } } }';
const data = await client.request(q, { n: 'Query' });
assert.equal(data.__type.name, 'Query');
console.log('POST query: Query has', data.__type.fields.length, 'fields');

// GET.
const getClient = new GraphQLClient(url, { method: 'GET' });
const viaGet = await getClient.request(q, { n: 'Query' });
assert.deepEqual(viaGet, data);
console.log('GET query: same answer');

// The raw response: status and content type as the spec says.
const raw = await client.rawRequest('{ __typename }');
assert.equal(raw.status, 200);
assert.match(raw.headers.get('content-type'), /^application\/graphql-response\+json/);
console.log('rawRequest:', raw.status, raw.headers.get('content-type'));

// A validation error surfaces as a ClientError with the code.
try {
  await client.request('{ noSuchField }');
  assert.fail('an invalid query succeeded');
} catch (e) {
  assert.ok(e instanceof ClientError, String(e));
  assert.equal(e.response.status, 400);
  assert.equal(e.response.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED');
  console.log('invalid query: 400', e.response.errors[0].extensions.code);
}

// The mutation, refused without the token and applied with it.
{
  const m = 'mutation Load($text: String!) { loadNQuads(text: $text) { __typename } }';
  const text = '<https://w3id.org/blurline/id/x-node-client> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/blurline/ns#Person> .\n' +
    '<https://w3id.org/blurline/id/x-node-client> <https://w3id.org/blurline/ns#name> "Node Client" .\n';
  try {
    await client.request(m, { text });
    assert.fail('a mutation without the token succeeded');
  } catch (e) {
    assert.ok(e instanceof ClientError, String(e));
    assert.equal(e.response.errors[0].extensions.code, 'UNAUTHENTICATED');
    console.log('mutation without token:', e.response.status, 'UNAUTHENTICATED');
  }
  const authed = new GraphQLClient(url, { headers: { Authorization: 'Bearer ' + token } });
  await authed.request(m, { text });
  console.log('mutation with token: applied');
}
console.log('ok: graphql-request');
