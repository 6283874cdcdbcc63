package sandbox

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// HTTPClient returns a client that trusts the CA named by the info file.
func (i *Info) HTTPClient() (*http.Client, error) {
	pem, err := os.ReadFile(i.CAFile)
	if err != nil {
		return nil, fmt.Errorf("read the sandbox CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", i.CAFile)
	}
	return &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}},
	}, nil
}

// Approve asks a running sandbox's Entra ID to approve a pending device
// code as a principal. The server's refusals (unknown or expired code,
// unknown principal) are usage errors carrying its message.
func (i *Info) Approve(ctx context.Context, principal, userCode string) error {
	c, err := i.HTTPClient()
	if err != nil {
		return err
	}
	defer c.CloseIdleConnections()
	body, err := json.Marshal(map[string]string{"user_code": userCode, "principal": principal})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, i.AuthorityHost+"/sandbox/approve", strings.NewReader(string(body)))
	if err != nil {
		return fmt.Errorf("approve: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return errs.New(errs.KindUnavailable, err, "is the sandbox still running?", "cannot reach the sandbox at %s: %v", i.AuthorityHost, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	var e struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	msg := strings.TrimSpace(string(data))
	if json.Unmarshal(data, &e) == nil && e.Message != "" {
		msg = e.Message
	}
	if resp.StatusCode == http.StatusBadRequest {
		return errs.Usage("approve %s: %s", userCode, msg)
	}
	return fmt.Errorf("approve %s: HTTP %d: %s", userCode, resp.StatusCode, msg)
}

// FederatedToken fetches a federated (workload identity) token for subject
// from a running sandbox, as CI scripts write to AZURE_FEDERATED_TOKEN_FILE.
func (i *Info) FederatedToken(ctx context.Context, subject string) (string, error) {
	c, err := i.HTTPClient()
	if err != nil {
		return "", err
	}
	defer c.CloseIdleConnections()
	u := i.AuthorityHost + "/sandbox/federated-token?sub=" + url.QueryEscape(subject)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", fmt.Errorf("federated token: %w", err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", errs.New(errs.KindUnavailable, err, "is the sandbox still running?", "cannot reach the sandbox at %s: %v", i.AuthorityHost, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return "", fmt.Errorf("federated token: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		if resp.StatusCode == http.StatusBadRequest {
			return "", errs.Usage("federated token: %s", strings.TrimSpace(string(data)))
		}
		return "", fmt.Errorf("federated token: HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(data)))
	}
	return string(data), nil
}
