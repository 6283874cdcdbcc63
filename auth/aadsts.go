package auth

import (
	"regexp"
)

var aadstsRE = regexp.MustCompile(`AADSTS(\d{5,7})`)

// aadstsExplanations are one-line causes and fixes of the Entra errors
// users meet most.
var aadstsExplanations = map[string]string{
	"500011":  "the Cosmos DB resource is not known to this tenant; use the account-agnostic audience: `cosmosctl config set audience https://cosmos.azure.com`",
	"50076":   "Conditional Access requires multi-factor authentication; sign in interactively with `cosmosctl login` (device code)",
	"50079":   "your tenant requires you to register for multi-factor authentication; sign in interactively with `cosmosctl login` and complete the registration",
	"50058":   "there is no signed-in session for a silent sign-in; run `cosmosctl login`",
	"65001":   "the application has no consent to access Azure Cosmos DB in this tenant; ask an admin to grant consent to the client id, or sign in with the default client (drop --client-id)",
	"70043":   "the refresh token expired or was revoked by a Conditional Access sign-in frequency policy; sign in again with `cosmosctl login`",
	"53003":   "blocked by a Conditional Access policy of your tenant (many tenants block the device-code flow); sign in with `cosmosctl login --browser`, or reuse the Azure CLI with `cosmosctl login --azure-cli`; else ask your admin which devices, locations or apps are allowed",
	"50199":   "Entra ID wants a confirmation the device-code flow cannot show (Conditional Access on device code); sign in with `cosmosctl login --browser`, or reuse the Azure CLI with `cosmosctl login --azure-cli`",
	"7000215": "the client secret is wrong or expired; create a new one for the app registration",
	"700016":  "no application with this client ID exists in the tenant; check --client-id and --tenant",
	"700027":  "the certificate is not registered on the app registration (or the assertion's signature does not verify); upload its public certificate to the app, or pass the certificate that is registered",
	"700024":  "the client assertion is outside its validity window; check this machine's clock",
	"700023":  "the client assertion's audience is not the tenant's token endpoint; check --tenant and the profile's authority host",
	"700021":  "the client assertion names another application; check --client-id",
	"70008":   "the refresh token has expired or was revoked; sign in again with `cosmosctl login`",
	"700082":  "the refresh token expired from inactivity; sign in again with `cosmosctl login`",
	"50173":   "the grant was revoked (password change or sign-out); sign in again with `cosmosctl login`",
	"90002":   "the tenant was not found; check --tenant",
	"70016":   "the device code has not been approved yet",
	"70019":   "the device code expired before it was approved; run `cosmosctl login` again",
	"70020":   "the device code expired before it was approved; run `cosmosctl login` again",
	"70000":   "the grant is invalid or expired; sign in again with `cosmosctl login`",
}

// ExplainAADSTS finds the first AADSTS code in err's text and returns it
// ("AADSTS500011") with a one-line explanation, or "", "".
func ExplainAADSTS(err error) (code, explanation string) {
	if err == nil {
		return "", ""
	}
	m := aadstsRE.FindStringSubmatch(err.Error())
	if m == nil {
		return "", ""
	}
	code = "AADSTS" + m[1]
	if e, ok := aadstsExplanations[m[1]]; ok {
		return code, e
	}
	return code, "Entra ID rejected the request; see https://login.microsoftonline.com/error?code=" + m[1]
}
