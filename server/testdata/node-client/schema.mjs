// Reads the Blurline schema two ways with graphql-js 16 and checks they
// agree:   node schema.mjs http://127.0.0.1:PORT
//  - the SDL served at /schema.graphql, built with buildSchema;
//  - introspection over /graphql with getIntrospectionQuery's every option
//    on, built with buildClientSchema.
// Prints "ok: schema" when every check passed; exits 1 otherwise.
import assert from 'node:assert/strict';
import {
  buildClientSchema, buildSchema, getIntrospectionQuery, lexicographicSortSchema, printSchema,
} from 'graphql';

const base = process.argv[2];
const sdlRes = await fetch(base + '/schema.graphql');
assert.equal(sdlRes.status, 200);
const sdl = await sdlRes.text();
const fromSDL = buildSchema(sdl);

const query = getIntrospectionQuery({
  descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true,
  schemaDescription: true, inputValueDeprecation: true, oneOf: true,
});
const res = await fetch(base + '/graphql', {
  method: 'POST',
  headers: { 'Content-Type': 'application/json', Accept: 'application/graphql-response+json' },
  body: JSON.stringify({ query }),
});
const body = await res.json();
assert.equal(res.status, 200, JSON.stringify(body.errors));
assert.equal(body.errors, undefined);
const fromIntrospection = buildClientSchema(body.data);
console.log('introspection (every option on):', Object.keys(fromIntrospection.getTypeMap()).length, 'types');

assert.ok(fromIntrospection.description && fromIntrospection.description.startsWith('Blurline'));
assert.equal(fromIntrospection.getType('Date').specifiedByURL, 'https://www.rfc-editor.org/rfc/rfc3339');
assert.equal(fromSDL.getType('Date').specifiedByURL, 'https://www.rfc-editor.org/rfc/rfc3339');
assert.equal(fromSDL.description, fromIntrospection.description);

const a = printSchema(lexicographicSortSchema(fromSDL));
const b = printSchema(lexicographicSortSchema(fromIntrospection));
if (a !== b) {
  if (process.env.SCHEMA_DUMP) { const fs = await import("node:fs"); fs.writeFileSync(process.env.SCHEMA_DUMP + ".sdl", a); fs.writeFileSync(process.env.SCHEMA_DUMP + ".intro", b); }
  const al = a.split('\n'), bl = b.split('\n');
  for (let i = 0; i < Math.max(al.length, bl.length); i++) {
    if (al[i] !== bl[i]) {
      console.log(`line ${i + 1}:\n  SDL:           ${al[i]}\n  introspection: ${bl[i]}`);
      break;
    }
  }
  assert.fail('the served SDL and introspection describe different schemas');
}
console.log('/schema.graphql and introspection agree:', a.length, 'characters of SDL');
console.log('ok: schema');
