// Runs the graphql-http audit suite (npm graphql-http, unmodified) against a
// Blurline server:   node audit.mjs http://127.0.0.1:PORT/graphql
// Prints every audit that did not pass and "audits: PASSED/TOTAL"; exits 1
// unless every audit passed.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
const results = await auditServer({ url });
let passed = 0;
for (const r of results) {
  if (r.status === 'ok') {
    passed++;
    continue;
  }
  let detail = r.reason;
  if (r.response) {
    detail += ` (status ${r.response.status}, ${r.response.headers.get('content-type')})`;
  }
  console.log(`${r.status}: ${r.id} ${r.name}: ${detail}`);
}
console.log(`audits: ${passed}/${results.length}`);
process.exit(passed === results.length ? 0 : 1);
