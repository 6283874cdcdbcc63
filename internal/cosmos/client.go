// Package cosmos builds the azcosmos client every data command uses and
// explains Cosmos DB / Entra ID failures for people (Explain).
package cosmos

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

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

	raw           runtime.Pipeline
	base          *url.URL
	resourceGroup string // for the az commands explanations suggest
	token         azcore.TokenCredential
	key           []byte
	scope         string

	traffic *trafficCounter // 429s and retries, for the statistics line (traffic.go)
}

// CosmosAudience is the account-agnostic Cosmos DB token audience.
const CosmosAudience = "https://cosmos.azure.com"

// Credentials is what a data command authenticates with: an Entra ID token
// credential, or (for emulators and accounts that allow keys) an account key.
type Credentials struct {
	Method string                 // devicecode, browser, azurecli, serviceprincipal, managedidentity, workloadidentity, env, key
	Token  azcore.TokenCredential // nil when Key is set
	Key    string                 // base64 account key; never logged
}

// Options tunes client construction; nil or the zero value is the default.
type Options struct {
	// HTTPClient sends the requests (nil = azcore's default transport).
	HTTPClient *http.Client
	// MaxRetries overrides the retry budget (0 = default 9, as the other
	// Cosmos SDKs do for throttling; <0 = no retries).
	MaxRetries int32
	// Audience overrides the token audience ("" = the account host).
	Audience string
	// ResourceGroup is the account's resource group, if the profile names
	// it: explanations put it in the `az` fix they suggest.
	ResourceGroup string
	// Audit, when set, receives one record per request (nil = no audit).
	Audit AuditFunc
}

// Audience is the token audience for an account: the override (a profile's
// audience setting), else the account host (scheme://host without port, as
// azcosmos asks), else the account-agnostic Cosmos DB audience. It is the
// one rule both the data client and the sign-in commands use, so that the
// token login caches is the token queries ask for.
func Audience(endpoint, override string) string {
	if a := strings.TrimRight(override, "/"); a != "" {
		return a
	}
	if endpoint != "" {
		if u, err := url.Parse(endpoint); err == nil && u.Host != "" {
			return u.Scheme + "://" + u.Hostname()
		}
	}
	return CosmosAudience
}

// Scope turns an audience into the .default scope Entra expects.
func Scope(audience string) string {
	audience = strings.TrimRight(audience, "/")
	if strings.HasSuffix(audience, "/.default") {
		return audience
	}
	return audience + "/.default"
}

// CheckEndpoint reports an endpoint that is not an http(s) URL, as a
// usage error; callers check it before signing in.
func CheckEndpoint(endpoint string) error {
	_, err := parseEndpoint(endpoint)
	return err
}

func parseEndpoint(endpoint string) (*url.URL, error) {
	base, err := url.Parse(endpoint)
	if err != nil || base.Host == "" || (base.Scheme != "https" && base.Scheme != "http") {
		return nil, errs.Usage("endpoint %q is not an http(s) URL, e.g. https://ACCOUNT.documents.azure.com:443/", endpoint)
	}
	return base, nil
}

// NewClient builds the client for an account endpoint, in the shape of
// azcosmos.NewClient: an Entra token credential or an account key, and
// the transport every request of the invocation shares. It performs no I/O.
func NewClient(endpoint string, creds Credentials, o *Options) (*Client, error) {
	if o == nil {
		o = &Options{}
	}
	base, err := parseEndpoint(endpoint)
	if err != nil {
		return nil, err
	}
	// Tokens and key signatures go over https, or plain http to loopback.
	if err := CheckTransport(endpoint); err != nil {
		return nil, err
	}
	retries := int(o.MaxRetries)
	switch {
	case retries == 0:
		retries = 9
	case retries < 0:
		retries = 0
	}
	ro := retryOptions{MaxRetries: retries, RetryDelay: 200 * time.Millisecond, MaxRetryDelay: 10 * time.Second}
	copts := azcore.ClientOptions{
		// The retries are ours, below azcosmos's policy (see retry.go);
		// azcore's would only multiply the budget. Both pipelines (azcosmos
		// and raw) carry the activity policy: every attempt has cosmosctl's
		// own activity id and, with Audit, its record.
		Retry:            policy.RetryOptions{MaxRetries: -1},
		PerCallPolicies:  []policy.Policy{budgetPolicy{retries: retries}},
		PerRetryPolicies: []policy.Policy{retryPolicy{o: ro}, activityPolicy{audit: o.Audit}},
		Telemetry:        policy.TelemetryOptions{ApplicationID: "cosmosctl"},
	}
	if o.HTTPClient != nil {
		copts.Transport = o.HTTPClient
	}
	aud := Audience(endpoint, o.Audience)
	if o.Audience != "" {
		copts.Cloud = cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			azcosmos.ServiceName: {Audience: aud},
		}}
	}
	c := &Client{Endpoint: endpoint, Method: creds.Method, base: base, scope: Scope(aud), resourceGroup: o.ResourceGroup, traffic: newTrafficCounter(&copts)}
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
		return nil, errs.New(errs.KindAuth, nil, "run `cosmosctl login`", "no credentials for %s: neither a token credential nor an account key", endpoint)
	}
	if err != nil {
		return nil, fmt.Errorf("create Cosmos DB client for %s: %w", endpoint, err)
	}
	c.raw = runtime.NewPipeline("cosmosctl", "v1", runtime.PipelineOptions{
		PerRetry: []policy.Policy{policyFunc(c.authorize)},
	}, &copts)
	return c, nil
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
