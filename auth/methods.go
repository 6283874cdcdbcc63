package auth

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/cosmosctl/cosmosctl/auth/store"
	"github.com/cosmosctl/cosmosctl/internal/config"
	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// loginRecord holds what a non-interactive method needs to get a new token
// in a later process. It is secret (client secret, certificate) and lives
// in the token store, never in the config file.
type loginRecord struct {
	ClientSecret        string `json:"clientSecret,omitempty"`
	Certificate         []byte `json:"certificate,omitempty"` // PEM or PKCS#12 with the private key
	CertificatePassword string `json:"certificatePassword,omitempty"`
	// CertificateFile replaces Certificate in a plaintext store: the
	// private key is never copied into a file that is not encrypted, so
	// later commands read it from where it was at sign-in (its password,
	// if any, from AZURE_CLIENT_CERTIFICATE_PASSWORD).
	CertificateFile      string `json:"certificateFile,omitempty"`
	SendCertificateChain bool   `json:"sendCertificateChain,omitempty"`
}

// readCertificateFile reads a client certificate (PEM with the certificate
// and its private key, or PKCS#12) and checks that azidentity can use it,
// so that a bad file is a usage error naming the file before any request.
func readCertificateFile(name, password, source string) ([]byte, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, errs.New(errs.KindUsage, err, "check "+source, "cannot read the certificate file %s: %v", name, err)
	}
	if err := checkCertificate(b, password); err != nil {
		return nil, errs.New(errs.KindUsage, err,
			"pass a PEM file with the certificate and its RSA private key, or a PKCS#12 (.pfx) file with its password in AZURE_CLIENT_CERTIFICATE_PASSWORD",
			"cannot read the certificate file %s: %v", name, err)
	}
	return b, nil
}

// checkCertificate parses certificate data as azidentity will; MSAL signs
// client assertions with RSA keys only.
func checkCertificate(data []byte, password string) error {
	_, key, err := azidentity.ParseCertificates(data, []byte(password))
	switch {
	// Matched by text: x/crypto/pkcs12 is only an indirect dependency.
	case err != nil && strings.Contains(err.Error(), "decryption password incorrect"):
		return errors.New("wrong password for the PKCS#12 file (set AZURE_CLIENT_CERTIFICATE_PASSWORD)")
	case err != nil && !bytes.Contains(data, []byte("-----BEGIN")) && strings.Contains(err.Error(), "pkcs12:"):
		// azidentity's error is the ASN.1 parser's, which says little.
		return errors.New("neither PEM (no -----BEGIN line) nor a PKCS#12 file")
	case err != nil:
		return err
	}
	if _, ok := key.(*rsa.PrivateKey); !ok {
		return fmt.Errorf("the private key is a %T; Entra ID client certificates need an RSA key", key)
	}
	return nil
}

// truthy reads boolean environment variables the way azidentity does.
func truthy(v string) bool {
	return strings.EqualFold(v, "true") || v == "1"
}

// clientOptions are the azidentity options of the Entra credentials, after
// checking that the authority host may receive their secrets.
func (s *Session) clientOptions() (azcore.ClientOptions, error) {
	if err := s.checkAuthority(); err != nil {
		return azcore.ClientOptions{}, err
	}
	return azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: s.AuthorityHost() + "/"},
		Transport: s.httpc,
	}, nil
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
		if rec.CertificateFile != "" {
			pw := s.getenv("AZURE_CLIENT_CERTIFICATE_PASSWORD")
			if rec.Certificate, err = os.ReadFile(rec.CertificateFile); err == nil {
				err = checkCertificate(rec.Certificate, pw)
			}
			if err != nil {
				return nil, errs.New(errs.KindAuth, err, s.loginHint(),
					"cannot use the certificate file %s of profile %s (with --insecure-storage only its path is kept): %v", rec.CertificateFile, s.Profile(), err)
			}
			rec.CertificatePassword = pw
		}
		return s.servicePrincipalCredential(a.Tenant, a.ClientID, rec)
	case MethodManagedIdentity:
		return s.managedIdentityCredential(a.ClientID)
	case MethodWorkloadIdentity:
		return s.workloadIdentityCredential(a.Tenant, a.ClientID, "")
	case MethodEnv:
		return s.envCredential()
	}
	return nil, errs.New(errs.KindAuth, nil, s.loginHint(), "profile %s records an unknown sign-in method %q", s.Profile(), a.Method)
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
		return nil, fmt.Errorf("the Azure CLI credential: %w", err)
	}
	return cliCredential{cred}, nil
}

func (s *Session) servicePrincipalCredential(tenant, clientID string, rec loginRecord) (azcore.TokenCredential, error) {
	if tenant == "" || tenant == DefaultTenant || tenant == "common" {
		return nil, errs.Usage("a service principal needs a tenant ID: pass --tenant or set the profile's tenant")
	}
	if clientID == "" {
		return nil, errs.Usage("a service principal needs --client-id")
	}
	copts, err := s.clientOptions()
	if err != nil {
		return nil, err
	}
	if len(rec.Certificate) > 0 {
		certs, key, err := azidentity.ParseCertificates(rec.Certificate, []byte(rec.CertificatePassword))
		if err != nil {
			return nil, errs.New(errs.KindUsage, err, "pass a PEM file with the certificate and its private key, or a PKCS#12 file (password in AZURE_CLIENT_CERTIFICATE_PASSWORD)", "cannot read the certificate: %v", err)
		}
		cred, err := azidentity.NewClientCertificateCredential(tenant, clientID, certs, key, &azidentity.ClientCertificateCredentialOptions{
			ClientOptions: copts, DisableInstanceDiscovery: true, SendCertificateChain: rec.SendCertificateChain,
		})
		if err != nil {
			return nil, fmt.Errorf("certificate credential: %w", err)
		}
		return cred, nil
	}
	if rec.ClientSecret == "" {
		return nil, errs.Usage("a service principal needs --client-secret (or AZURE_CLIENT_SECRET) or --certificate FILE")
	}
	cred, err := azidentity.NewClientSecretCredential(tenant, clientID, rec.ClientSecret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions: copts, DisableInstanceDiscovery: true,
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
	tenant = cmp.Or(tenant, s.getenv("AZURE_TENANT_ID"), s.Settings.Profile.Tenant)
	clientID = cmp.Or(clientID, s.getenv("AZURE_CLIENT_ID"), s.Settings.Profile.ClientID)
	file = cmp.Or(file, s.getenv("AZURE_FEDERATED_TOKEN_FILE"))
	if tenant == "" || clientID == "" || file == "" {
		return nil, errs.New(errs.KindAuth, nil,
			"set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE (GitHub Actions: azure/login with federated credentials does this)",
			"workload identity needs a tenant, a client ID and a federated token file")
	}
	if _, err := os.Stat(file); err != nil {
		return nil, errs.New(errs.KindAuth, err, "check AZURE_FEDERATED_TOKEN_FILE", "cannot read the federated token file: %v", err)
	}
	copts, err := s.clientOptions()
	if err != nil {
		return nil, err
	}
	cred, err := azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
		ClientOptions: copts, ClientID: clientID, TenantID: tenant, TokenFilePath: file,
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
// federated token file, reading them through Config.Getenv.
func (s *Session) envCredential() (azcore.TokenCredential, error) {
	ge := s.getenv
	tenant, clientID := ge("AZURE_TENANT_ID"), ge("AZURE_CLIENT_ID")
	if tenant == "" || clientID == "" {
		return nil, errs.New(errs.KindAuth, nil,
			"set AZURE_TENANT_ID, AZURE_CLIENT_ID and one of AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE",
			"environment sign-in needs AZURE_TENANT_ID and AZURE_CLIENT_ID")
	}
	switch {
	case ge("AZURE_FEDERATED_TOKEN_FILE") != "":
		return s.workloadIdentityCredential(tenant, clientID, ge("AZURE_FEDERATED_TOKEN_FILE"))
	case ge("AZURE_CLIENT_SECRET") != "":
		return s.servicePrincipalCredential(tenant, clientID, loginRecord{ClientSecret: ge("AZURE_CLIENT_SECRET")})
	case ge("AZURE_CLIENT_CERTIFICATE_PATH") != "":
		pw := ge("AZURE_CLIENT_CERTIFICATE_PASSWORD")
		b, err := readCertificateFile(ge("AZURE_CLIENT_CERTIFICATE_PATH"), pw, "AZURE_CLIENT_CERTIFICATE_PATH")
		if err != nil {
			return nil, err
		}
		return s.servicePrincipalCredential(tenant, clientID, loginRecord{Certificate: b, CertificatePassword: pw,
			SendCertificateChain: truthy(ge("AZURE_CLIENT_SEND_CERTIFICATE_CHAIN"))})
	}
	return nil, errs.New(errs.KindAuth, nil,
		"set one of AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE",
		"environment sign-in needs a secret, a certificate or a federated token file")
}

// first is cmp.Or for strings. It stays only for auth.go, which is being
// rewritten elsewhere; new code uses cmp.Or.
func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
