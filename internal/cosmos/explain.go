package cosmos

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// Failure is the decoded essence of a Cosmos DB error response.
type Failure struct {
	Status     int
	SubStatus  string
	Code       string // body "code", e.g. "Forbidden"
	Message    string // body message without the ActivityId tail and JSON wrapping
	ActivityID string
	// AdditionalErrorInfo is the raw additionalErrorInfo string (a query plan on 400/1004).
	AdditionalErrorInfo string
	Method, URL         string
	Host                string // the account host that answered

	rawMessageKind string // "compile" when the message was the query compiler's error list
	// Server is set when the answer did not come from a Cosmos DB gateway:
	// "entra" (an OAuth error body) or "other" (no activity id and no
	// Cosmos error body: a web server, a proxy's page).
	Server string
}

// AsFailure decodes err when it carries a Cosmos DB HTTP response (through
// any wrapping, including the SDK's "failed to retrieve account properties").
func AsFailure(err error) (*Failure, bool) {
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		return nil, false
	}
	f := &Failure{Status: re.StatusCode}
	if re.RawResponse != nil {
		f.SubStatus = re.RawResponse.Header.Get("x-ms-substatus")
		if re.RawResponse.Request != nil {
			f.Method = re.RawResponse.Request.Method
			f.URL = re.RawResponse.Request.URL.Path
			f.Host = re.RawResponse.Request.URL.Hostname()
		}
		body, perr := runtime.Payload(re.RawResponse)
		if perr == nil {
			f.parseBody(body)
		}
		if re.RawResponse.Header.Get("x-ms-activity-id") == "" {
			f.Server = foreignServer(body)
		}
	}
	return f, true
}

// foreignServer tells what answered without a Cosmos DB activity id: an
// Entra ID endpoint (its OAuth error body), or another server ("" when the
// body is still a Cosmos error, which a proxy may have stripped headers
// from).
func foreignServer(body []byte) string {
	var b struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Error   any    `json:"error"`
		Desc    string `json:"error_description"`
	}
	if json.Unmarshal(body, &b) == nil {
		switch {
		case b.Code != "" && b.Message != "":
			return ""
		case b.Desc != "" || strings.Contains(string(body), "AADSTS"):
			return "entra"
		}
	}
	return "other"
}

// parseBody applies the §7.1 recipe: take message, cut at ActivityId, unwrap
// `Message: {"Errors":[…]}`.
func (f *Failure) parseBody(body []byte) {
	var b struct {
		Code                string `json:"code"`
		Message             string `json:"message"`
		AdditionalErrorInfo string `json:"additionalErrorInfo"`
	}
	if json.Unmarshal(body, &b) != nil {
		f.Message = strings.TrimSpace(string(body))
		return
	}
	f.Code, f.AdditionalErrorInfo = b.Code, b.AdditionalErrorInfo
	msg := b.Message
	if i := strings.Index(msg, "\r\nActivityId:"); i >= 0 {
		rest := strings.TrimSpace(msg[i+len("\r\nActivityId:"):])
		if j := strings.IndexAny(rest, ", \r\n"); j >= 0 {
			rest = rest[:j]
		}
		f.ActivityID = rest
		msg = msg[:i]
	}
	msg = strings.TrimSpace(msg)
	if strings.HasPrefix(msg, "Message: {") {
		var inner struct{ Errors []string }
		if json.Unmarshal([]byte(strings.TrimPrefix(msg, "Message: ")), &inner) == nil && len(inner.Errors) > 0 {
			msg = strings.Join(inner.Errors, "; ")
		}
	}
	msg = strings.TrimPrefix(msg, "Message: ")
	if strings.HasPrefix(msg, `{"errors":`) {
		msg = compileErrors(msg)
		f.rawMessageKind = "compile"
	}
	f.Message = strings.TrimSpace(msg)
}

// compileErrors renders the query compiler's error list,
// {"errors":[{"severity":"Error","location":{"start":0,"end":5},"code":"SC1001","message":"…"}]},
// as one line a person can act on.
func compileErrors(raw string) string {
	var ce struct {
		Errors []struct {
			Location *struct{ Start, End int } `json:"location"`
			Code     string                    `json:"code"`
			Message  string                    `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal([]byte(raw), &ce) != nil || len(ce.Errors) == 0 {
		return raw
	}
	parts := make([]string, 0, len(ce.Errors))
	for _, e := range ce.Errors {
		p := strings.TrimSpace(e.Message)
		var where []string
		if e.Code != "" {
			where = append(where, e.Code)
		}
		if e.Location != nil {
			where = append(where, fmt.Sprintf("at characters %d-%d", e.Location.Start, e.Location.End))
		}
		if len(where) > 0 {
			p += " (" + strings.Join(where, " ") + ")"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}

var (
	reRequest = regexp.MustCompile(`given request \[([^\]]*)\]`)
)

func submatch(re *regexp.Regexp, s string) string {
	if m := re.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}

// Explain turns any failure of a data command into one *errs.Error:
// kind (→ exit code), a one-line message naming what failed and why, and a
// hint with the fix. what describes the operation, e.g. `query shop/orders`.
// The raw SDK error is kept as the cause (shown only with --debug).
func Explain(err error, what string) error {
	return ExplainTarget(err, Target{What: what})
}

// ExplainTarget is Explain with the resource and principal involved, so a
// refusal names who was refused on what and the fix is least-privilege.
func ExplainTarget(err error, t Target) error {
	what := t.What
	if err == nil {
		return nil
	}
	var ce *errs.Error
	if errors.As(err, &ce) {
		return err
	}
	if errors.Is(err, context.Canceled) {
		return errs.New(errs.KindInterrupted, err, "", "%s: interrupted", what)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return errs.New(errs.KindUnavailable, err, "raise --timeout, or check the network and the account's health",
			"%s: timed out", what)
	}
	if f, ok := AsFailure(err); ok {
		return explainFailure(err, f, t)
	}
	return explainTransport(err, what)
}

func explainFailure(err error, f *Failure, t Target) error {
	what := t.What
	switch f.Server {
	case "entra":
		return errs.New(errs.KindUsage, err, "point the profile at the account's endpoint, https://ACCOUNT.documents.azure.com:443/: `cosmosctl config set endpoint URL`",
			"%s: the endpoint %s is a Microsoft Entra ID endpoint, not a Cosmos DB account (HTTP %d)", what, f.Host, f.Status)
	case "other":
		return errs.New(errs.KindUsage, err, "check the endpoint (`cosmosctl config get endpoint`): it should be https://ACCOUNT.documents.azure.com:443/",
			"%s: the server at %s is not a Cosmos DB gateway (HTTP %d without a Cosmos DB activity id)", what, f.Host, f.Status)
	}
	kind := errs.KindForStatus(f.Status)
	msg := f.Message
	if msg == "" {
		msg = fmt.Sprintf("HTTP %d", f.Status)
	}
	sub := f.SubStatus
	statusText := fmt.Sprintf("%d", f.Status)
	if sub != "" && sub != "0" {
		statusText += "/" + sub
	}
	lower := strings.ToLower(msg)
	hint := ""
	switch f.Status {
	case 401:
		switch {
		case sub == "5008" || strings.Contains(lower, "audience"):
			accepted := ""
			if i := strings.Index(msg, "accepts tokens intended for ["); i >= 0 {
				accepted = msg[i+len("accepts tokens intended for ["):]
				if j := strings.IndexByte(accepted, ']'); j >= 0 {
					accepted = accepted[:j]
				}
				if k := strings.LastIndex(accepted, ", "); k >= 0 && strings.Contains(accepted, "cosmos.azure.com") {
					accepted = strings.TrimSpace(accepted[k+2:])
				} else if k := strings.IndexByte(accepted, ','); k >= 0 {
					accepted = accepted[:k]
				}
			}
			if accepted == "" {
				accepted = "https://cosmos.azure.com"
			}
			hint = fmt.Sprintf("set the token audience the account accepts: `cosmosctl config set audience %s`, then `cosmosctl login`", accepted)
			return errs.New(errs.KindAuth, err, hint, "%s: the access token is for the wrong audience (401/5008): %s", what, msg)
		case sub == "5006" || strings.Contains(lower, "expired"):
			// The service quotes its own clock; ours next to it shows a skew.
			return errs.New(errs.KindAuth, err, "sign in again: `cosmosctl login`; if it keeps happening, check this machine's clock",
				"%s: the access token has expired (401): %s (this machine's clock: %s)", what, msg, time.Now().UTC().Format("1/2/2006 3:04:05 PM (UTC)"))
		case sub == "5007" || strings.Contains(lower, "tenant"):
			from := ""
			if t.Principal.TenantID != "" {
				from = " from tenant " + t.Principal.TenantID
			}
			return errs.New(errs.KindAuth, err, "sign in to the account's tenant: `cosmosctl login --tenant TENANT_ID` (or `cosmosctl config set tenant TENANT_ID`)",
				"%s: the access token%s is not for this account's tenant (%s): %s", what, from, statusText, msg)
		case sub == "5202" || strings.Contains(lower, "local authorization is disabled"):
			return errs.New(errs.KindAuth, err, "the account accepts only Microsoft Entra ID: `cosmosctl login` and drop the account key",
				"%s: key authentication is disabled on this account (401)", what)
		case strings.Contains(lower, "wrong key") || strings.Contains(lower, "mac signature"):
			return errs.New(errs.KindAuth, err, "check the account key (COSMOSCTL_KEY / the profile), or use Entra ID: `cosmosctl login`",
				"%s: the account key was rejected (401)", what)
		}
		return errs.New(errs.KindAuth, err, "sign in again: `cosmosctl login`", "%s: not authorized (%s): %s", what, statusText, msg)
	case 403:
		switch sub {
		case "5301", "5302", "5303", "5400":
			return explainDenial(err, f, t, statusText)
		case "5300":
			req := submatch(reRequest, msg)
			if req == "" {
				req = strings.TrimSpace(f.Method + " " + f.URL)
			}
			return errs.New(errs.KindForbidden, err,
				"management operations (create/delete databases or containers, throughput) need Azure Resource Manager: use `az cosmosdb sql …` or the portal",
				"%s: %s is a management operation that Entra ID tokens cannot perform on the data plane (403/5300)", what, req)
		}
		if strings.Contains(lower, "not valid at the current time") {
			return errs.New(errs.KindForbidden, err, "check this machine's clock (the key signature carries the time)", "%s: request rejected for clock skew (403)", what)
		}
		return errs.New(errs.KindForbidden, err, "", "%s: forbidden (%s): %s", what, statusText, msg)
	case 404:
		if sub == "1003" || strings.Contains(lower, "owner resource does not exist") || t.Missing != "" {
			return errs.New(errs.KindNotFound, err, "list them with `cosmosctl db list` and `cosmosctl container list -d DB`",
				"%s: %s does not exist", what, t.missingOwner())
		}
		return errs.New(errs.KindNotFound, err, "", "%s: not found", what)
	case 400:
		if f.rawMessageKind == "compile" {
			return errs.New(errs.KindUsage, err, "", "%s: invalid query: %s", what, msg)
		}
		return errs.New(errs.KindUsage, err, "", "%s: bad request (%s): %s", what, statusText, msg)
	case 429:
		return errs.New(errs.KindUnavailable, err, "retry later, lower --max-concurrency, or raise the container's throughput",
			"%s: throttled (429, request rate too large) after retries", what)
	case 410:
		return errs.New(errs.KindUnavailable, err, "retry: partition ranges were changing (split or migration)",
			"%s: partition range gone (%s)", what, statusText)
	}
	if f.Status >= 500 || f.Status == 408 {
		return errs.New(errs.KindUnavailable, err, "the service is unavailable; retry later",
			"%s: service error (%s): %s", what, statusText, msg)
	}
	return errs.New(kind, err, "", "%s: %s: %s", what, statusText, msg)
}

func explainTransport(err error, what string) error {
	var unk x509.UnknownAuthorityError
	var cve *tls.CertificateVerificationError
	if errors.As(err, &unk) || (errors.As(err, &cve) && isUnknownAuthority(cve.Err)) {
		return errs.New(errs.KindUnavailable, err,
			"trust the issuing CA: `cosmosctl config set ca-file PATH` (or COSMOSCTL_CA_FILE); for the sandbox use its ca.pem",
			"%s: the server's TLS certificate is signed by an unknown authority", what)
	}
	var hn x509.HostnameError
	if errors.As(err, &hn) {
		return errs.New(errs.KindUnavailable, err, "check the endpoint's host name",
			"%s: the server's TLS certificate does not match the host: %v", what, hn)
	}
	if errors.As(err, &cve) {
		return errs.New(errs.KindUnavailable, err, "", "%s: TLS certificate verification failed: %v", what, cve.Err)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return errs.New(errs.KindUnavailable, err, "check the endpoint (`cosmosctl config get endpoint`) and DNS",
			"%s: cannot resolve %s", what, dnsErr.Name)
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		host := ""
		var ue *url.Error
		if errors.As(err, &ue) {
			if u, perr := url.Parse(ue.URL); perr == nil {
				host = u.Host
			}
		}
		return errs.New(errs.KindUnavailable, err, "check the endpoint, or start the sandbox: `cosmosctl sandbox`",
			"%s: connection refused%s", what, ifNotEmpty(" by ", host))
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return errs.New(errs.KindUnavailable, err, "check the network and the endpoint",
			"%s: network error: %s", what, errs.FirstLine(op.Error()))
	}
	kind := errs.KindOf(err)
	return errs.New(kind, err, "", "%s: %s", what, errs.FirstLine(err.Error()))
}

func isUnknownAuthority(err error) bool {
	var unk x509.UnknownAuthorityError
	return errors.As(err, &unk)
}

func ifNotEmpty(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}
