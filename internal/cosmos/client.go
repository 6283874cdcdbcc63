// Package cosmos builds the azcosmos client every data command uses and
// explains Cosmos DB / Entra ID failures for people (Explain).
package cosmos

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/cosmosctl/cosmosctl/internal/cmdutil"
	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// Client is an azcosmos client plus what the SDK does not expose: a raw
// pipeline for the partition key range feed, which the cross-partition
// query path needs range ids from.
type Client struct {
	*azcosmos.Client
	Endpoint string
	// Method is the credential method (devicecode, key, …), for messages.
	Method string

	raw   runtime.Pipeline
	base  *url.URL
	token azcore.TokenCredential
	key   []byte
	scope string
}

// Options tunes client construction; the zero value is what commands use.
type Options struct {
	// MaxRetries overrides the retry budget (0 = default 9, as the other
	// Cosmos SDKs do for throttling; <0 = no retries).
	MaxRetries int32
}

// NewClient builds the client for the effective settings: endpoint, the
// profile's CA bundle (through f.HTTPClient), the credential from
// f.Credential (Entra token or account key) and the audience override.
// It performs no I/O besides obtaining credentials.
func NewClient(ctx context.Context, f *cmdutil.Factory, s *cmdutil.Settings) (*Client, error) {
	return NewClientWithOptions(ctx, f, s, Options{})
}

// NewClientWithOptions is NewClient with tuning (tests use a small retry budget).
func NewClientWithOptions(ctx context.Context, f *cmdutil.Factory, s *cmdutil.Settings, o Options) (*Client, error) {
	endpoint, err := s.RequireEndpoint()
	if err != nil {
		return nil, err
	}
	base, err := url.Parse(endpoint)
	if err != nil || base.Host == "" || (base.Scheme != "https" && base.Scheme != "http") {
		return nil, errs.Usage("endpoint %q is not an http(s) URL, e.g. https://ACCOUNT.documents.azure.com:443/", endpoint)
	}
	if f.Credential == nil {
		return nil, errs.New(errs.KindOther, nil, "", "this build has no credential provider")
	}
	creds, err := f.Credential(ctx, s)
	if err != nil {
		return nil, err
	}
	httpClient, err := f.HTTPClient(s)
	if err != nil {
		return nil, err
	}
	retries := o.MaxRetries
	if retries == 0 {
		retries = 9
	}
	copts := azcore.ClientOptions{
		Transport: httpClient,
		Retry: policy.RetryOptions{
			MaxRetries:    retries,
			RetryDelay:    200 * time.Millisecond,
			MaxRetryDelay: 10 * time.Second,
			ShouldRetry:   shouldRetry,
		},
		Telemetry: policy.TelemetryOptions{ApplicationID: "cosmosctl"},
	}
	scope := scopeFor(base)
	if aud := strings.TrimRight(s.Profile.Audience, "/"); aud != "" {
		copts.Cloud = cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			azcosmos.ServiceName: {Audience: aud},
		}}
		scope = aud + "/.default"
	}
	c := &Client{Endpoint: endpoint, Method: creds.Method, base: base, scope: scope}
	opts := &azcosmos.ClientOptions{ClientOptions: copts}
	switch {
	case creds.Token != nil:
		c.token = creds.Token
		c.Client, err = azcosmos.NewClient(endpoint, creds.Token, opts)
	case creds.Key != "":
		kc, kerr := azcosmos.NewKeyCredential(creds.Key)
		if kerr != nil {
			return nil, errs.New(errs.KindUsage, kerr, "check the account key (base64, from the portal's Keys page)", "the account key is not valid base64")
		}
		c.key, _ = base64.StdEncoding.DecodeString(creds.Key)
		c.Client, err = azcosmos.NewClientWithKey(endpoint, kc, opts)
	default:
		return nil, errs.New(errs.KindAuth, nil, "run `cosmosctl login`", "no credentials for profile %q", s.ProfileName)
	}
	if err != nil {
		return nil, fmt.Errorf("create Cosmos DB client for %s: %w", endpoint, err)
	}
	c.raw = runtime.NewPipeline("cosmosctl", "v1", runtime.PipelineOptions{
		PerRetry: []policy.Policy{policyFunc(c.authorize)},
	}, &copts)
	return c, nil
}

// scopeFor mirrors azcosmos: scheme://host/.default with the port dropped.
func scopeFor(u *url.URL) string {
	return u.Scheme + "://" + u.Hostname() + "/.default"
}

// shouldRetry retries throttling and transient server/transport failures
// but not failures a retry cannot fix (TLS trust, refused connections),
// which would otherwise take many seconds to surface.
func shouldRetry(resp *http.Response, err error) bool {
	if err != nil {
		var unk x509.UnknownAuthorityError
		var cve *tls.CertificateVerificationError
		var hn x509.HostnameError
		if errors.As(err, &unk) || errors.As(err, &cve) || errors.As(err, &hn) {
			return false
		}
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return false
		}
		return true
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusRequestTimeout, http.StatusInternalServerError,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

type policyFunc func(*policy.Request) (*http.Response, error)

func (p policyFunc) Do(req *policy.Request) (*http.Response, error) { return p(req) }

// authorize signs a raw request as azcosmos would (cosmos-wire §4).
func (c *Client) authorize(req *policy.Request) (*http.Response, error) {
	r := req.Raw()
	date := time.Now().UTC().Format(http.TimeFormat)
	r.Header.Set("x-ms-date", date)
	r.Header.Set("x-ms-version", "2020-11-05")
	if c.token != nil {
		tk, err := c.token.GetToken(r.Context(), policy.TokenRequestOptions{Scopes: []string{c.scope}})
		if err != nil {
			return nil, err
		}
		r.Header.Set("Authorization", "type=aad&ver=1.0&sig="+tk.Token)
		return req.Next()
	}
	resType, link := resourceFor(r.URL.EscapedPath())
	sts := strings.ToLower(r.Method) + "\n" + strings.ToLower(resType) + "\n" + link + "\n" + strings.ToLower(date) + "\n\n"
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(sts))
	sig := base64.StdEncoding.EncodeToString(m.Sum(nil))
	r.Header.Set("Authorization", url.QueryEscape("type=master&ver=1.0&sig="+sig))
	return req.Next()
}

// resourceFor derives the signing resource type and link from a path.
func resourceFor(escaped string) (string, string) {
	p := strings.Trim(escaped, "/")
	if p == "" {
		return "", ""
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if u, err := url.PathUnescape(s); err == nil {
			segs[i] = u
		}
	}
	if len(segs)%2 == 0 {
		return segs[len(segs)-2], strings.Join(segs, "/")
	}
	return segs[len(segs)-1], strings.Join(segs[:len(segs)-1], "/")
}

// PartitionKeyRange is one physical range of a container.
type PartitionKeyRange struct {
	ID           string   `json:"id"`
	MinInclusive string   `json:"minInclusive"`
	MaxExclusive string   `json:"maxExclusive"`
	Parents      []string `json:"parents"`
}

// PartitionKeyRanges lists the container's current physical ranges, sorted
// by MinInclusive, following the incremental feed until 304 (§5.3) and
// dropping ranges that later ranges name as parents (split).
func (c *Client) PartitionKeyRanges(ctx context.Context, db, coll string) ([]PartitionKeyRange, error) {
	u := c.base.JoinPath("dbs", db, "colls", coll, "pkranges")
	var all []PartitionKeyRange
	etag := ""
	for i := 0; i < 100; i++ {
		req, err := runtime.NewRequest(ctx, http.MethodGet, u.String())
		if err != nil {
			return nil, fmt.Errorf("build pkranges request: %w", err)
		}
		req.Raw().Header.Set("A-IM", "Incremental Feed")
		req.Raw().Header.Set("x-ms-max-item-count", "-1")
		if etag != "" {
			req.Raw().Header.Set("If-None-Match", etag)
		}
		resp, err := c.raw.Do(req)
		if err != nil {
			return nil, fmt.Errorf("list partition key ranges of %s/%s: %w", db, coll, err)
		}
		if resp.StatusCode == http.StatusNotModified {
			resp.Body.Close()
			break
		}
		if resp.StatusCode != http.StatusOK {
			return nil, runtime.NewResponseErrorWithErrorCode(resp, resp.Status)
		}
		body, err := runtime.Payload(resp)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("read partition key ranges of %s/%s: %w", db, coll, err)
		}
		var feed struct {
			Ranges []PartitionKeyRange `json:"PartitionKeyRanges"`
		}
		if err := json.Unmarshal(body, &feed); err != nil {
			return nil, fmt.Errorf("decode partition key ranges of %s/%s: %w", db, coll, err)
		}
		all = append(all, feed.Ranges...)
		next := resp.Header.Get("etag")
		if next == "" || next == etag || len(feed.Ranges) == 0 {
			break
		}
		etag = next
	}
	return liveRanges(all), nil
}

// liveRanges removes split parents and duplicates, sorted by MinInclusive.
func liveRanges(all []PartitionKeyRange) []PartitionKeyRange {
	gone := map[string]bool{}
	for _, r := range all {
		for _, p := range r.Parents {
			gone[p] = true
		}
	}
	seen := map[string]bool{}
	var out []PartitionKeyRange
	for _, r := range all {
		if gone[r.ID] || seen[r.ID] {
			continue
		}
		seen[r.ID] = true
		out = append(out, r)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].MinInclusive < out[j-1].MinInclusive; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
