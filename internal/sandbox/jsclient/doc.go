// Package jsclient holds the JavaScript client test of the sandbox: a small
// npm project (package.json, package-lock.json, client.mjs) that drives the
// sandbox with Microsoft's @azure/msal-node and @azure/cosmos, run by
// jsclient_test.go, which compares its answers with cosmosctl's.
package jsclient
