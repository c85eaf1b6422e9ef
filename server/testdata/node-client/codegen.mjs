// Runs GraphQL Code Generator (npm @graphql-codegen/cli, unmodified, with
// the typescript and typescript-operations plugins) on the schema a Blurline
// server serves, read by introspection:
//   node codegen.mjs http://127.0.0.1:PORT/graphql
// Checks the generated types; prints "ok: codegen"; exits 1 on failure.
import assert from 'node:assert/strict';
import { generate } from '@graphql-codegen/cli';

const url = process.argv[2];
const outputs = await generate({
  schema: url,
  documents: 'codegen/operations.graphql',
  silent: true,
  generates: {
    'generated.ts': {
      plugins: ['typescript', 'typescript-operations'],
      config: { scalars: { Date: 'string' } },
    },
  },
}, false);
assert.equal(outputs.length, 1);
const ts = outputs[0].content;
for (const want of [
  'export type Entity = {',
  'export type ThreatGroup = Entity & Node & {',
  'export type Node = {',
  'export type EntityQuery = {',
  'export type LastRelationshipsQuery = {',
  'export type EntityQueryVariables = Exact<{',
  "Date: { input: string; output: string; }",
  '/** An entity of any class',
]) {
  assert.ok(ts.includes(want), `the generated code lacks ${JSON.stringify(want)}`);
}
console.log('codegen:', ts.split('\n').length, 'lines of TypeScript from the served schema');
console.log('ok: codegen');
