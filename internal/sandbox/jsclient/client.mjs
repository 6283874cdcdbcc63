// Drives a running cosmosctl sandbox with Microsoft's JavaScript clients:
// a device-code sign-in with msal-node, then queries, point reads and a
// change feed read with @azure/cosmos. jsclient_test.go runs it with
// NODE_EXTRA_CA_CERTS set to the sandbox CA and compares its answers.
//
// Input (stdin, JSON): {database, queries: [{name, container, query}],
// reads: [{name, container, id, pk}], changeFeed: {container, expect}}.
// Environment: SANDBOX_JSON, the path of the sandbox's sandbox.json.
// Output (stdout, JSON): {user, queries: {name: results}, reads: {name: item},
// changeFeed: [ids]}. Progress and the device-code message go to stderr.
import { readFileSync } from "node:fs";
import { PublicClientApplication, LogLevel } from "@azure/msal-node";
import { CosmosClient, ChangeFeedStartFrom } from "@azure/cosmos";

const info = JSON.parse(readFileSync(process.env.SANDBOX_JSON, "utf8"));
const spec = JSON.parse(readFileSync(0, "utf8"));

// Azure CLI's public client id: the sandbox accepts any public client.
const pca = new PublicClientApplication({
  auth: {
    clientId: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
    authority: `${info.authority_host}/${info.tenant}`,
    // Not a Microsoft cloud: trust this host's metadata as is.
    knownAuthorities: [new URL(info.authority_host).host],
  },
  system: { loggerOptions: { logLevel: LogLevel.Error, loggerCallback: (_l, m) => console.error(m) } },
});

const host = new URL(info.endpoint).hostname;
const signIn = await pca.acquireTokenByDeviceCode({
  scopes: [`https://${host}/.default`],
  deviceCodeCallback: (r) => console.error(r.message),
});
const account = signIn.account;

// A TokenCredential over msal-node's cache: silent, refreshing as needed.
const credential = {
  async getToken(scopes) {
    const r = await pca.acquireTokenSilent({ account, scopes: [].concat(scopes) });
    return { token: r.accessToken, expiresOnTimestamp: r.expiresOn.getTime() };
  },
};

const client = new CosmosClient({ endpoint: info.endpoint, aadCredentials: credential });
const db = client.database(spec.database);
const out = { user: account.username, queries: {}, reads: {}, changeFeed: [] };

for (const q of spec.queries) {
  const { resources } = await db.container(q.container).items.query(q.query, { maxItemCount: 2 }).fetchAll();
  out.queries[q.name] = resources;
}
for (const r of spec.reads) {
  const { resource, statusCode } = await db.container(r.container).item(r.id, r.pk).read();
  if (statusCode !== 200) throw new Error(`read ${r.name}: status ${statusCode}`);
  out.reads[r.name] = resource;
}
if (spec.changeFeed) {
  const it = db.container(spec.changeFeed.container).items.getChangeFeedIterator({
    changeFeedStartFrom: ChangeFeedStartFrom.Beginning(),
    maxItemCount: 3,
  });
  // The feed never ends: read until every expected change was seen (a
  // page of one range may report 304 while another has changes).
  const seen = new Set();
  for (let i = 0; i < 200 && seen.size < spec.changeFeed.expect; i++) {
    const page = await it.readNext();
    for (const item of page.result ?? []) {
      if (!seen.has(item.id)) out.changeFeed.push(item.id);
      seen.add(item.id);
    }
  }
}
client.dispose();
process.stdout.write(JSON.stringify(out));
