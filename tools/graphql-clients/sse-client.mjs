// A real graphql-sse client: runs a query, then subscribes to caseEvents and prints each event
// as a JSON line until it has heard <count> of them.
// Usage: node sse-client.mjs <url> <token> <distinct|single> <count>
import { createClient } from 'graphql-sse';

const [url, token, mode, count] = process.argv.slice(2);
const client = createClient({
  url,
  singleConnection: mode === 'single',
  headers: { authorization: `Bearer ${token}` },
  retryAttempts: 0,
});
const once = (query) =>
  new Promise((resolve, reject) => {
    let result;
    client.subscribe({ query }, { next: (r) => (result = r), error: reject, complete: () => resolve(result) });
  });
try {
  console.log(JSON.stringify({ query: await once('{ viewer { role subject } }') }));
  let heard = 0;
  await new Promise((resolve, reject) => {
    const stop = client.subscribe(
      { query: 'subscription { caseEvents { kind status caseId case { trackingNumber } } }' },
      {
        next: (r) => {
          console.log(JSON.stringify({ event: r }));
          if (++heard >= Number(count)) {
            stop();
            resolve();
          }
        },
        error: reject,
        complete: resolve,
      },
    );
    console.log(JSON.stringify({ subscribed: true }));
  });
  client.dispose();
  process.exit(0);
} catch (e) {
  console.error(String(e && e.message ? e.message : e));
  process.exit(2);
}
