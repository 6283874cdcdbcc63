package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/cosmosctl/cosmosctl/auth/store"
	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/config"
)

// loginRecord holds what a non-interactive method needs to get a new token
// in a later process. It is secret (client secret, certificate) and lives
// in the token store, never in the config file.
type loginRecord struct {
	ClientSecret        string `json:"clientSecret,omitempty"`
	Certificate         []byte `json:"certificate,omitempty"`
	CertificatePassword string `json:"certificatePassword,omitempty"`
}

func (s *Session) clientOptions() azcore.ClientOptions {
	return azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: s.AuthorityHost() + "/"},
		Transport: s.httpc,
	}
}

// methodCredential builds the azidentity credential of a recorded sign-in.
func (s *Session) methodCredential(ctx context.Context, st store.Store, a *config.Account) (azcore.TokenCredential, error) {
	switch a.Method {
	case MethodAzureCLI:
		return s.azureCLICredential(a.Tenant)
	case MethodServicePrincipal:
		b, err := st.Get(ctx, keyLogin(s.Profile()))
		if err != nil {
			return nil, s.storeError(err)
		}
		var rec loginRecord
		if len(b) == 0 || json.Unmarshal(b, &rec) != nil {
			return nil, s.notSignedIn(nil)
		}
		return s.servicePrincipalCredential(a.Tenant, a.ClientID, rec)
	case MethodManagedIdentity:
		return s.managedIdentityCredential(a.ClientID)
	case MethodWorkloadIdentity:
		return s.workloadIdentityCredential(a.Tenant, a.ClientID, "")
	case MethodEnv:
		return s.envCredential()
	}
	return nil, cmdutil.NewError(cmdutil.KindAuth, nil, s.loginHint(), "profile %s records an unknown sign-in method %q", s.Profile(), a.Method)
}

// cliCredential runs `az` with a 30 s budget: az often needs 10-15 s, more
// than azidentity's default of 10 s.
type cliCredential struct {
	inner *azidentity.AzureCLICredential
}

func (c cliCredential) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cliTimeout)
		defer cancel()
	}
	return c.inner.GetToken(ctx, o)
}

func (s *Session) azureCLICredential(tenant string) (azcore.TokenCredential, error) {
	opts := &azidentity.AzureCLICredentialOptions{}
	if tenant != "" && tenant != DefaultTenant && tenant != "common" {
		opts.TenantID = tenant
	}
	cred, err := azidentity.NewAzureCLICredential(opts)
	if err != nil {
		return nil, fmt.Errorf("Azure CLI credential: %w", err)
	}
	return cliCredential{cred}, nil
}

func (s *Session) servicePrincipalCredential(tenant, clientID string, rec loginRecord) (azcore.TokenCredential, error) {
	if tenant == "" || tenant == DefaultTenant || tenant == "common" {
		return nil, cmdutil.UsageError("a service principal needs a tenant ID: pass --tenant or set the profile's tenant")
	}
	if clientID == "" {
		return nil, cmdutil.UsageError("a service principal needs --client-id")
	}
	if len(rec.Certificate) > 0 {
		certs, key, err := azidentity.ParseCertificates(rec.Certificate, []byte(rec.CertificatePassword))
		if err != nil {
			return nil, cmdutil.NewError(cmdutil.KindUsage, err, "pass a PEM file with the certificate and its private key, or a PKCS#12 file (password in AZURE_CLIENT_CERTIFICATE_PASSWORD)", "cannot read the certificate: %v", err)
		}
		cred, err := azidentity.NewClientCertificateCredential(tenant, clientID, certs, key, &azidentity.ClientCertificateCredentialOptions{
			ClientOptions: s.clientOptions(), DisableInstanceDiscovery: true,
		})
		if err != nil {
			return nil, fmt.Errorf("certificate credential: %w", err)
		}
		return cred, nil
	}
	if rec.ClientSecret == "" {
		return nil, cmdutil.UsageError("a service principal needs --client-secret (or AZURE_CLIENT_SECRET) or --certificate FILE")
	}
	cred, err := azidentity.NewClientSecretCredential(tenant, clientID, rec.ClientSecret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions: s.clientOptions(), DisableInstanceDiscovery: true,
	})
	if err != nil {
		return nil, fmt.Errorf("client secret credential: %w", err)
	}
	return cred, nil
}

func (s *Session) managedIdentityCredential(clientID string) (azcore.TokenCredential, error) {
	opts := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: azcore.ClientOptions{Transport: s.httpc}}
	if clientID != "" {
		opts.ID = azidentity.ClientID(clientID)
	}
	cred, err := azidentity.NewManagedIdentityCredential(opts)
	if err != nil {
		return nil, fmt.Errorf("managed identity credential: %w", err)
	}
	return cred, nil
}

// workloadIdentityCredential reads the federated token file named by the
// argument or AZURE_FEDERATED_TOKEN_FILE; tenant and client id default to
// AZURE_TENANT_ID and AZURE_CLIENT_ID.
func (s *Session) workloadIdentityCredential(tenant, clientID, file string) (azcore.TokenCredential, error) {
	tenant = first(tenant, s.getenv("AZURE_TENANT_ID"), s.Settings.Profile.Tenant)
	clientID = first(clientID, s.getenv("AZURE_CLIENT_ID"), s.Settings.Profile.ClientID)
	file = first(file, s.getenv("AZURE_FEDERATED_TOKEN_FILE"))
	if tenant == "" || clientID == "" || file == "" {
		return nil, cmdutil.NewError(cmdutil.KindAuth, nil,
			"set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE (GitHub Actions: azure/login with federated credentials does this)",
			"workload identity needs a tenant, a client ID and a federated token file")
	}
	if _, err := os.Stat(file); err != nil {
		return nil, cmdutil.NewError(cmdutil.KindAuth, err, "check AZURE_FEDERATED_TOKEN_FILE", "cannot read the federated token file: %v", err)
	}
	cred, err := azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
		ClientOptions: s.clientOptions(), ClientID: clientID, TenantID: tenant, TokenFilePath: file,
		DisableInstanceDiscovery: true,
	})
	if err != nil {
		return nil, fmt.Errorf("workload identity credential: %w", err)
	}
	return cred, nil
}

// envConfigured reports whether the standard AZURE_* variables describe a
// non-interactive identity.
func envConfigured(getenv func(string) string) bool {
	if getenv("AZURE_CLIENT_ID") == "" || getenv("AZURE_TENANT_ID") == "" {
		return false
	}
	return getenv("AZURE_FEDERATED_TOKEN_FILE") != "" || getenv("AZURE_CLIENT_SECRET") != "" || getenv("AZURE_CLIENT_CERTIFICATE_PATH") != ""
}

// envCredential follows EnvironmentCredential's variables, plus the
// federated token file, reading them through the factory's Getenv.
func (s *Session) envCredential() (azcore.TokenCredential, error) {
	ge := s.getenv
	tenant, clientID := ge("AZURE_TENANT_ID"), ge("AZURE_CLIENT_ID")
	if tenant == "" || clientID == "" {
		return nil, cmdutil.NewError(cmdutil.KindAuth, nil,
			"set AZURE_TENANT_ID, AZURE_CLIENT_ID and one of AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE",
			"environment sign-in needs AZURE_TENANT_ID and AZURE_CLIENT_ID")
	}
	switch {
	case ge("AZURE_FEDERATED_TOKEN_FILE") != "":
		return s.workloadIdentityCredential(tenant, clientID, ge("AZURE_FEDERATED_TOKEN_FILE"))
	case ge("AZURE_CLIENT_SECRET") != "":
		return s.servicePrincipalCredential(tenant, clientID, loginRecord{ClientSecret: ge("AZURE_CLIENT_SECRET")})
	case ge("AZURE_CLIENT_CERTIFICATE_PATH") != "":
		b, err := os.ReadFile(ge("AZURE_CLIENT_CERTIFICATE_PATH"))
		if err != nil {
			return nil, cmdutil.NewError(cmdutil.KindAuth, err, "check AZURE_CLIENT_CERTIFICATE_PATH", "cannot read the client certificate: %v", err)
		}
		return s.servicePrincipalCredential(tenant, clientID, loginRecord{Certificate: b, CertificatePassword: ge("AZURE_CLIENT_CERTIFICATE_PASSWORD")})
	}
	return nil, cmdutil.NewError(cmdutil.KindAuth, nil,
		"set one of AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE",
		"environment sign-in needs a secret, a certificate or a federated token file")
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
