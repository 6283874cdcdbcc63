package cosmos

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/cosmosctl/cosmosctl/internal/errs"
)

func respErr(status int, sub, body string) error {
	u, _ := url.Parse("https://acct.documents.azure.com/dbs/shop/colls/orders/docs")
	resp := &http.Response{
		StatusCode: status,
		Status:     fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Header:     http.Header{},
		Body:       io.NopCloser(bytes.NewBufferString(body)),
		Request:    &http.Request{Method: "POST", URL: u},
	}
	if sub != "" {
		resp.Header.Set("x-ms-substatus", sub)
	}
	return fmt.Errorf("failed to retrieve account properties: %w", runtime.NewResponseErrorWithErrorCode(resp, resp.Status))
}

func TestExplain(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		kind     errs.Kind
		msgHas   []string
		hintHas  string
		exitCode int
	}{
		{"5301 account read", respErr(403, "5301", `{"code":"Forbidden","message":"Request blocked by Auth acct : Request is blocked because principal [6328f5f7] does not have required RBAC permissions to perform action [Microsoft.DocumentDB/databaseAccounts/readMetadata] on any scope.\r\nActivityId: 1a, Microsoft.Azure.Documents.Common/2.14.0"}`),
			errs.KindForbidden, []string{"6328f5f7", "no data-plane role"}, `--account-name acct --resource-group <resource-group> --scope "/" --principal-id 6328f5f7 --role-definition-id 00000000-0000-0000-0000-000000000001`, 4},
		{"5302 data action", respErr(403, "5302", `{"code":"Forbidden","message":"Message: {\"Errors\":[\"Request is blocked because principal [abc] does not have the required RBAC permissions to perform action [Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/executeQuery] on resource [dbs/shop/colls/orders]. Learn more\"]}\r\nActivityId: 2b"}`),
			errs.KindForbidden, []string{"principal abc", "executeQuery", "dbs/shop/colls/orders"}, `--scope "/dbs/shop/colls/orders"`, 4},
		{"5300 management", respErr(403, "5300", `{"code":"Forbidden","message":"Request blocked by Auth acct : The given request [POST /offers] cannot be authorized by AAD token in data plane.\r\nActivityId: x"}`),
			errs.KindForbidden, []string{"POST /offers", "management operation"}, "Azure Resource Manager", 4},
		{"5008 audience", respErr(401, "5008", `{"code":"Unauthorized","message":"Provided AAD token is intended for [https://a.documents.azure.com/]. This database account accepts tokens intended for [https://a.documents.azure.com, https://cosmos.azure.com].\r\nActivityId: x"}`),
			errs.KindAuth, []string{"wrong audience"}, "cosmosctl config set audience https://cosmos.azure.com", 3},
		{"expired", respErr(401, "", `{"code":"Unauthorized","message":"Request blocked by Auth a : Provided AAD token has been expired since [x]. Please refresh the AAD token.\r\nActivityId: x"}`),
			errs.KindAuth, []string{"expired", "this machine's clock: "}, "cosmosctl login", 3},
		{"wrong tenant", respErr(401, "5007", `{"code":"Unauthorized","message":"The token's tenant is not the tenant of this account.\r\nActivityId: x"}`),
			errs.KindAuth, []string{"not for this account's tenant (401/5007)"}, "cosmosctl login --tenant", 3},
		{"syntax error", respErr(400, "", `{"code":"BadRequest","message":"Message: {\"errors\":[{\"severity\":\"Error\",\"location\":{\"start\":0,\"end\":5},\"code\":\"SC1001\",\"message\":\"Syntax error, incorrect syntax near 'SELEC'.\"}]}\r\nActivityId: x"}`),
			errs.KindUsage, []string{"invalid query: Syntax error, incorrect syntax near 'SELEC'. (SC1001 at characters 0-5)"}, "", 2},
		{"not found", respErr(404, "", `{"code":"NotFound","message":"Entity with the specified id does not exist in the system.\r\nActivityId: x"}`),
			errs.KindNotFound, []string{"read x: not found"}, "", 5},
		{"owner missing", respErr(404, "1003", `{"code":"NotFound","message":"Message: {\"Errors\":[\"Owner resource does not exist\"]}\r\nActivityId: x"}`),
			errs.KindNotFound, []string{"does not exist"}, "cosmosctl db list", 5},
		{"throttled", respErr(429, "3200", `{"code":"TooManyRequests","message":"Message: {\"Errors\":[\"Request rate is large.\"]}\r\nActivityId: x"}`),
			errs.KindUnavailable, []string{"throttled"}, "--max-concurrency", 6},
		{"bad request keeps message", respErr(400, "", `{"code":"BadRequest","message":"Message: Syntax error near 'FORM'\r\nActivityId: x"}`),
			errs.KindUsage, []string{"Syntax error near 'FORM'"}, "", 2},
		{"canceled", fmt.Errorf("x: %w", context.Canceled), errs.KindInterrupted, []string{"interrupted"}, "", 130},
		{"deadline", context.DeadlineExceeded, errs.KindUnavailable, []string{"timed out"}, "--timeout", 6},
		{"passes through cmdutil errors", errs.Usage("bad --pk"), errs.KindUsage, []string{"bad --pk"}, "", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Explain(tt.err, "read x")
			var ce *errs.Error
			if !errors.As(got, &ce) {
				t.Fatalf("Explain returned %T, want *errs.Error", got)
			}
			if ce.Kind != tt.kind {
				t.Errorf("kind = %v, want %v (%s)", ce.Kind, tt.kind, ce.Msg)
			}
			for _, s := range tt.msgHas {
				if !strings.Contains(ce.Msg, s) {
					t.Errorf("message %q lacks %q", ce.Msg, s)
				}
			}
			if strings.Contains(ce.Msg, "ActivityId") || strings.Contains(ce.Msg, "\n") {
				t.Errorf("message is not one clean line: %q", ce.Msg)
			}
			if tt.hintHas != "" && !strings.Contains(ce.Hint, tt.hintHas) {
				t.Errorf("hint %q lacks %q", ce.Hint, tt.hintHas)
			}
			if c := errs.ExitCode(got); c != tt.exitCode {
				t.Errorf("exit code %d, want %d", c, tt.exitCode)
			}
		})
	}
}

func TestResourceFor(t *testing.T) {
	tests := []struct{ path, typ, link string }{
		{"/", "", ""},
		{"/dbs", "dbs", ""},
		{"/dbs/my%20db/colls/c%2F1/pkranges", "pkranges", "dbs/my db/colls/c/1"},
		{"/dbs/shop/colls/orders/docs/x", "docs", "dbs/shop/colls/orders/docs/x"},
	}
	for _, tt := range tests {
		typ, link := resourceFor(tt.path)
		if typ != tt.typ || link != tt.link {
			t.Errorf("resourceFor(%q) = %q, %q; want %q, %q", tt.path, typ, link, tt.typ, tt.link)
		}
	}
}

func TestLiveRanges(t *testing.T) {
	got := liveRanges([]PartitionKeyRange{
		{ID: "0", MinInclusive: "", MaxExclusive: "80"},
		{ID: "1", MinInclusive: "80", MaxExclusive: "FF"},
		{ID: "3", MinInclusive: "C0", MaxExclusive: "FF", Parents: []string{"1"}},
		{ID: "2", MinInclusive: "80", MaxExclusive: "C0", Parents: []string{"1"}},
	})
	var ids []string
	for _, r := range got {
		ids = append(ids, r.ID)
	}
	if strings.Join(ids, ",") != "0,2,3" {
		t.Errorf("live ranges = %v, want 0,2,3", ids)
	}
}

func TestExplainTransport(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		msgHas  string
		hintHas string
	}{
		{"unknown authority", &url.Error{Op: "Get", URL: "https://127.0.0.1:1/", Err: x509.UnknownAuthorityError{}}, "unknown authority", "ca-file"},
		{"refused", &url.Error{Op: "Get", URL: "https://127.0.0.1:9/", Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}, "connection refused by 127.0.0.1:9", "cosmosctl sandbox"},
		{"dns", &url.Error{Op: "Get", URL: "https://nope.invalid/", Err: &net.DNSError{Name: "nope.invalid", Err: "no such host"}}, "cannot resolve nope.invalid", "endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Explain(tt.err, "query x")
			var ce *errs.Error
			if !errors.As(got, &ce) || ce.Kind != errs.KindUnavailable {
				t.Fatalf("Explain = %#v, want an unavailable *errs.Error", got)
			}
			if !strings.Contains(ce.Msg, tt.msgHas) || !strings.Contains(ce.Hint, tt.hintHas) {
				t.Errorf("msg %q hint %q; want %q / %q", ce.Msg, ce.Hint, tt.msgHas, tt.hintHas)
			}
		})
	}
}

func TestShouldRetry(t *testing.T) {
	tests := []struct {
		name   string
		status int
		err    error
		want   bool
	}{
		{"429", 429, nil, true},
		{"503", 503, nil, true},
		{"410 is the query layer's", 410, nil, false},
		{"403", 403, nil, false},
		{"reset", 0, &net.OpError{Op: "read", Err: syscall.ECONNRESET}, true},
		{"refused", 0, &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, false},
		{"untrusted", 0, &url.Error{Err: x509.UnknownAuthorityError{}}, false},
	}
	for _, tt := range tests {
		var resp *http.Response
		if tt.err == nil {
			resp = &http.Response{StatusCode: tt.status}
		}
		if got := shouldRetry(resp, tt.err); got != tt.want {
			t.Errorf("%s: shouldRetry = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestUnescapeHTML(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a":"\u003cb\u003eTom \u0026 Jerry\u003c/b\u003e"}`, `{"a":"<b>Tom & Jerry</b>"}`},
		{`{"s":"a\u2028b\u2029c"}`, "{\"s\":\"a\u2028b\u2029c\"}"},
		{`{"k":"\\u003c"}`, `{"k":"\\u003c"}`}, // an escaped backslash, then text
		{`{"k":"\\\u003c"}`, `{"k":"\\<"}`},    // a backslash, then an escaped <
		{`{"k":"\u00e9\n\"","n":1.0000000000000001}`, `{"k":"\u00e9\n\"","n":1.0000000000000001}`},
		{`"\u003`, `"\u003`}, // truncated: left alone
		{``, ``},
	}
	for _, tt := range tests {
		if got := string(UnescapeHTML([]byte(tt.in))); got != tt.want {
			t.Errorf("UnescapeHTML(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestExplainTarget(t *testing.T) {
	bob := Principal{Name: "bob@contoso.test", ObjectID: "b0b0b0b0-0000-4000-8000-000000000002", Known: true, GroupsInToken: true, Groups: 1}
	accountRead := respErr(403, "5301", `{"code":"Forbidden","message":"Request blocked by Auth acct : Request is blocked because principal [b0b0b0b0-0000-4000-8000-000000000002] does not have required RBAC permissions to perform action [Microsoft.DocumentDB/databaseAccounts/readMetadata] on any scope. Learn more: https://aka.ms/cosmos-native-rbac.\r\nActivityId: 1a"}`)
	query := respErr(403, "5302", `{"code":"Forbidden","message":"Request is blocked because principal [d0d0] does not have the required RBAC permissions to perform action [Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/executeQuery] with OperationType [15] and ResourceType [2] on resource [dbs/shop/colls/orders]. Learn more: https://aka.ms/cosmos-native-rbac\r\nActivityId: 2b"}`)
	create := respErr(403, "5302", `{"code":"Forbidden","message":"Request is blocked because principal [d0d0] does not have the required RBAC permissions to perform action [Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/create] on resource [dbs/shop/colls/orders]."}`)
	owner := respErr(404, "1003", `{"code":"NotFound","message":"Message: {\"Errors\":[\"Owner resource does not exist\"]}\r\nActivityId: x"}`)
	cases := []struct {
		name     string
		err      error
		t        Target
		msgHas   []string
		msgLacks []string
		hintHas  []string
	}{
		{"bob refused at the account read: fix at the container he asked for",
			accountRead, Target{What: "query shop/orders", Database: "shop", Container: "orders", Principal: bob, ResourceGroup: "rg-shop"},
			[]string{"bob@contoso.test (object id b0b0b0b0-0000-4000-8000-000000000002)", "readMetadata", "every request needs first", "403/5301"}, nil,
			[]string{`--account-name acct --resource-group rg-shop --scope "/dbs/shop/colls/orders" --principal-id b0b0b0b0-0000-4000-8000-000000000002 --role-definition-id 00000000-0000-0000-0000-000000000001`, "Cosmos DB Built-in Data Reader", "cosmosctl can-i --list"}},
		{"dave refused a query may still read",
			query, Target{What: "query shop/orders", Database: "shop", Container: "orders", MayRead: true, Principal: Principal{Name: "dave@contoso.test", ObjectID: "d0d0", Known: true, GroupsInToken: true}},
			[]string{"dave@contoso.test (object id d0d0) may not perform Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/executeQuery on dbs/shop/colls/orders (403/5302)", "point reads are allowed"}, nil,
			[]string{`--scope "/dbs/shop/colls/orders" --principal-id d0d0 --role-definition-id 00000000-0000-0000-0000-000000000001`}},
		{"a write needs the contributor role",
			create, Target{What: "write", Database: "shop", Container: "orders"},
			[]string{"principal d0d0 may not perform", "items/create"}, []string{"point reads"},
			[]string{"--role-definition-id 00000000-0000-0000-0000-000000000002", "Cosmos DB Built-in Data Contributor"}},
		{"no groups claim",
			query, Target{What: "query shop/orders", Database: "shop", Container: "orders", Principal: Principal{Name: "erin@contoso.test", ObjectID: "e0e0", Known: true}},
			[]string{"erin@contoso.test"}, []string{"point reads"},
			[]string{"no groups claim", "roles assigned to your groups may not apply"}},
		{"database missing", owner, Target{What: "query shopp/orders", Database: "shopp", Container: "orders", Missing: "database"},
			[]string{"query shopp/orders: database shopp does not exist"}, nil, []string{"cosmosctl db list"}},
		{"container missing", owner, Target{What: "query shop/orderz", Database: "shop", Container: "orderz", Missing: "container"},
			[]string{"container orderz in database shop does not exist"}, nil, nil},
		{"unknown which", owner, Target{What: "query a/b", Database: "a", Container: "b"},
			[]string{"database a or its container b does not exist"}, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var ce *errs.Error
			if !errors.As(ExplainTarget(c.err, c.t), &ce) {
				t.Fatal("not an explained error")
			}
			for _, s := range c.msgHas {
				if !strings.Contains(ce.Msg, s) {
					t.Errorf("message %q lacks %q", ce.Msg, s)
				}
			}
			for _, s := range c.msgLacks {
				if strings.Contains(ce.Msg, s) {
					t.Errorf("message %q has %q", ce.Msg, s)
				}
			}
			for _, s := range c.hintHas {
				if !strings.Contains(ce.Hint, s) {
					t.Errorf("hint %q lacks %q", ce.Hint, s)
				}
			}
		})
	}
}

func TestExplainForeignServer(t *testing.T) {
	cases := []struct {
		name, body string
		activity   bool
		msgHas     string
	}{
		{"html page", "<html><body>Not Found</body></html>", false, "is not a Cosmos DB gateway (HTTP 404 without a Cosmos DB activity id)"},
		{"entra endpoint", `{"error":"invalid_request","error_description":"AADSTS900561: The endpoint only accepts POST requests."}`, false, "is a Microsoft Entra ID endpoint, not a Cosmos DB account"},
		{"cosmos body without activity id is still cosmos", `{"code":"NotFound","message":"Entity with the specified id does not exist in the system."}`, false, "x: not found"},
		{"cosmos with activity id", `{"code":"NotFound","message":"gone"}`, true, "x: not found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := respErr(404, "", c.body)
			if c.activity {
				var re *azcore.ResponseError
				if errors.As(err, &re) {
					re.RawResponse.Header.Set("x-ms-activity-id", "a1")
				}
			}
			var ce *errs.Error
			if !errors.As(Explain(err, "x"), &ce) || !strings.Contains(ce.Msg, c.msgHas) {
				t.Fatalf("got %v, want %q", ce, c.msgHas)
			}
			if strings.Contains(c.msgHas, "not a Cosmos") || strings.Contains(c.msgHas, "Entra") {
				if errs.ExitCode(ce) != 2 || !strings.Contains(ce.Hint, "endpoint") {
					t.Errorf("exit %d hint %q", errs.ExitCode(ce), ce.Hint)
				}
			}
		})
	}
}
