// Runs graphql-http's GraphQL-over-HTTP audit against a server and prints every result.
// Usage: node audit.mjs <url> [bearer token]
// Exit 0 when no MUST or SHOULD audit fails (MAY audits may fail: they are notices).
import { auditServer } from 'graphql-http';

const [url, token] = process.argv.slice(2);
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};
const results = await auditServer({ url, fetchFn });
let errors = 0;
let warnings = 0;
let notices = 0;
for (const r of results) {
  if (r.status === 'error') errors++;
  if (r.status === 'warn') warnings++;
  if (r.status === 'notice') notices++;
  if (r.status !== 'ok') console.log(`${r.status} ${r.id} ${r.name}: ${r.reason}`);
}
console.log(JSON.stringify({ audits: results.length, errors, warnings, notices }));
process.exit(errors || warnings ? 1 : 0);
