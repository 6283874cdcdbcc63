package access

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParseAction(t *testing.T) {
	cases := []struct {
		in      string
		want    []string // verbs
		wantErr string
	}{
		{"read", []string{"read"}, ""},
		{"QUERY", []string{"query"}, ""},
		{"change-feed", []string{"change-feed"}, ""},
		{"read-metadata", []string{"read-metadata"}, ""},
		{"execute-sproc", []string{"execute-sproc"}, ""},
		{ActionItemsRead, []string{"read"}, ""},
		{strings.ToLower(ActionExecuteQuery), []string{"query"}, ""},
		{ActionReadMetadata, []string{"read-metadata"}, ""},
		{"items/*", []string{"read", "create", "upsert", "replace", "delete"}, ""},
		{WildcardItems, []string{"read", "create", "upsert", "replace", "delete"}, ""},
		{"containers/*", []string{"query", "change-feed", "execute-sproc"}, ""},
		{WildcardContainers, []string{"query", "change-feed", "execute-sproc"}, ""},
		{"write", nil, `unknown action "write"`},
		{"", nil, "unknown action"},
		{"Microsoft.DocumentDB/databaseAccounts/sqlDatabases/write", nil, "unknown action"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseAction(c.in)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var verbs []string
			for _, a := range got {
				verbs = append(verbs, a.Verb)
			}
			if strings.Join(verbs, ",") != strings.Join(c.want, ",") {
				t.Fatalf("got %v, want %v", verbs, c.want)
			}
		})
	}
}

func TestLeastRole(t *testing.T) {
	reader := map[string]bool{"read-metadata": true, "read": true, "query": true, "change-feed": true}
	for _, a := range Actions() {
		want := DataContributorID
		if reader[a.Verb] {
			want = DataReaderID
		}
		if a.RoleID != want {
			t.Errorf("%s: role %s, want %s", a.Verb, a.RoleID, want)
		}
	}
	if got := (Action{RoleID: DataReaderID}).RoleName(); got != DataReaderName {
		t.Errorf("RoleName = %q", got)
	}
}

func TestParseScope(t *testing.T) {
	cases := []struct {
		in, want, level string
		bad             bool
	}{
		{"/", "/", "account", false},
		{"", "/", "account", false},
		{"/dbs/shop", "/dbs/shop", "database", false},
		{"/dbs/shop/", "/dbs/shop", "database", false},
		{"/dbs/shop/colls/orders", "/dbs/shop/colls/orders", "container", false},
		{"/dbs/my%20db/colls/c", "/dbs/my db/colls/c", "container", false},
		{"dbs/shop", "", "", true},
		{"/dbs", "", "", true},
		{"/dbs/shop/orders", "", "", true},
		{"/dbs/shop/colls/orders/docs/1", "", "", true},
		{"/subscriptions/x/resourceGroups/rg", "", "", true},
		{"/dbs//colls/c", "", "", true},
	}
	for _, c := range cases {
		s, err := ParseScope(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("ParseScope(%q) = %v, want an error", c.in, s)
			}
			continue
		}
		if err != nil || s.String() != c.want || s.Level() != c.level {
			t.Errorf("ParseScope(%q) = %q %s, %v; want %q %s", c.in, s.String(), s.Level(), err, c.want, c.level)
		}
	}
}

func TestFixCommand(t *testing.T) {
	got := FixCommand(AccountName("https://myacct.documents.azure.com:443/"), "", Scope{Database: "shop", Container: "orders"},
		"6328f5f7-dbf7-4244-bba8-fbb9d8066506", DataReaderID)
	want := `az cosmosdb sql role assignment create --account-name myacct --resource-group <resource-group> --scope "/dbs/shop/colls/orders" --principal-id 6328f5f7-dbf7-4244-bba8-fbb9d8066506 --role-definition-id 00000000-0000-0000-0000-000000000001`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if got := FixCommand("a", "rg1", Scope{}, "", DataContributorID); !strings.Contains(got, `--resource-group rg1 --scope "/" --principal-id <principal-object-id> --role-definition-id `+DataContributorID) {
		t.Fatalf("got %s", got)
	}
}

func TestAccountName(t *testing.T) {
	for in, want := range map[string]string{
		"https://myacct.documents.azure.com:443/":   "myacct",
		"https://gov1.documents.azure.us/":          "gov1",
		"https://cn1.documents.azure.cn":            "cn1",
		"https://127.0.0.1:8081/":                   "<account>",
		"https://localhost:8081/":                   "<account>",
		"myacct.documents.azure.com":                "myacct",
		"https://x.privatelink.documents.azure.com": "x",
	} {
		if got := AccountName(in); got != want {
			t.Errorf("AccountName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseDenial(t *testing.T) {
	cases := []struct {
		name, msg string
		want      Denial
		ok        bool
	}{
		{"5301", "Request blocked by Auth acct : Request is blocked because principal [0b0b0b0b-0000-0000-0000-000000000000] does not have required RBAC permissions to perform action [Microsoft.DocumentDB/databaseAccounts/readMetadata] on resource [/]. Learn more: https://aka.ms/cosmos-native-rbac.This could be because the user's group memberships were not present in the AAD token.",
			Denial{Principal: "0b0b0b0b-0000-0000-0000-000000000000", Action: ActionReadMetadata, Resource: "/", GroupsMayApply: true}, true},
		{"5302", "Request is blocked because principal [d0d0] does not have the required RBAC permissions to perform action [Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/executeQuery] with OperationType [15] and ResourceType [2] on resource [dbs/shop/colls/orders]. Learn more: https://aka.ms/cosmos-native-rbac",
			Denial{Principal: "d0d0", Action: ActionExecuteQuery, Resource: "dbs/shop/colls/orders"}, true},
		{"5300", "Request blocked by Auth acct : The given request [POST /dbs] cannot be authorized by AAD token in data plane.", Denial{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := ParseDenial(c.msg)
			if ok != c.ok || got != c.want {
				t.Fatalf("got %+v %v, want %+v %v", got, ok, c.want, c.ok)
			}
		})
	}
	if s, ok := ScopeOfResource("dbs/shop/colls/orders"); !ok || s.String() != "/dbs/shop/colls/orders" {
		t.Errorf("ScopeOfResource = %v %v", s, ok)
	}
	if _, ok := ScopeOfResource("3TxEAO5CNTo="); ok {
		t.Errorf("a resource id is not a scope")
	}
}

func TestDecide(t *testing.T) {
	read := Actions()[1]
	cases := []struct {
		name string
		o    Outcome
		want Answer
		ok   bool
	}{
		{"allowed 200", Outcome{Status: 200}, Yes, true},
		{"change feed 304", Outcome{Status: 304}, Yes, true},
		{"random id 404", Outcome{Status: 404}, Yes, true},
		{"etag mismatch 412", Outcome{Status: 412}, Yes, true},
		{"throttled", Outcome{Status: 429}, Yes, true},
		{"5301", Outcome{Status: 403, SubStatus: "5301"}, No, true},
		{"5302", Outcome{Status: 403, SubStatus: "5302"}, No, true},
		{"5303", Outcome{Status: 403, SubStatus: "5303"}, No, true},
		{"403 firewall", Outcome{Status: 403}, Unknown, true},
		{"missing container", Outcome{Status: 404, SubStatus: "1003"}, Unknown, true},
		{"401 is not an answer", Outcome{Status: 401, SubStatus: "5008"}, Unknown, false},
		{"500", Outcome{Status: 500}, Unknown, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, reason, ok := Decide(read, c.o)
			if got != c.want || ok != c.ok || (ok && reason == "") {
				t.Fatalf("Decide = %v %q %v, want %v %v", got, reason, ok, c.want, c.ok)
			}
		})
	}
	for _, a := range Actions() {
		p, why := Probeable(a)
		if want := a.Verb != "create" && a.Verb != "upsert"; p != want || (!p && why == "") {
			t.Errorf("Probeable(%s) = %v %q", a.Verb, p, why)
		}
	}
	if Yes.Allowed() == nil || !*Yes.Allowed() || No.Allowed() == nil || *No.Allowed() || Unknown.Allowed() != nil {
		t.Error("Allowed mapping")
	}
}

// fakeProber answers from a table keyed by verb; unlisted verbs get 200.
type fakeProber struct {
	answers map[string]Outcome
	errs    map[string]error
	asked   []string
}

func (f *fakeProber) Probe(_ context.Context, a Action, _ Scope) (Outcome, error) {
	f.asked = append(f.asked, a.Verb)
	if err := f.errs[a.Verb]; err != nil {
		return Outcome{}, err
	}
	if o, ok := f.answers[a.Verb]; ok {
		return o, nil
	}
	return Outcome{Status: 200}, nil
}

func TestCheck(t *testing.T) {
	orders := Scope{Database: "shop", Container: "orders"}
	accountDenied := Outcome{Status: 403, SubStatus: "5301", AccountRead: true,
		Message: "Request is blocked because principal [b0b0] does not have required RBAC permissions to perform action [" + ActionReadMetadata + "] on resource [/]. Learn more: https://aka.ms/cosmos-native-rbac. This could be because the user's group memberships were not present in the AAD token."}
	queryDenied := Outcome{Status: 403, SubStatus: "5302",
		Message: "Request is blocked because principal [d0d0] does not have the required RBAC permissions to perform action [" + ActionExecuteQuery + "] with OperationType [15] and ResourceType [2] on resource [dbs/shop/colls/orders]."}
	cases := []struct {
		name    string
		p       *fakeProber
		want    string // verb=answer, in order
		asked   string
		wantErr string
	}{
		{"reader", &fakeProber{answers: map[string]Outcome{"read": {Status: 404}, "replace": {Status: 403, SubStatus: "5302"}, "delete": {Status: 403, SubStatus: "5302"}, "execute-sproc": {Status: 403, SubStatus: "5302"}}},
			"read-metadata=yes read=yes query=yes change-feed=yes create=unknown upsert=unknown replace=no delete=no execute-sproc=no",
			"read-metadata read query change-feed replace delete execute-sproc", ""},
		{"no role: refused at the account read", &fakeProber{answers: map[string]Outcome{"read-metadata": accountDenied}},
			"read-metadata=no read=no query=no change-feed=no create=no upsert=no replace=no delete=no execute-sproc=no",
			"read-metadata", ""},
		{"query refused, read allowed", &fakeProber{answers: map[string]Outcome{"read": {Status: 404}, "query": queryDenied}},
			"read-metadata=yes read=yes query=no change-feed=yes create=unknown upsert=unknown replace=yes delete=yes execute-sproc=yes",
			"read-metadata read query change-feed replace delete execute-sproc", ""},
		{"network error stops", &fakeProber{errs: map[string]error{"query": errors.New("dial tcp: connection refused")}},
			"read-metadata=yes read=yes", "read-metadata read query", "connection refused"},
		{"401 is an error", &fakeProber{answers: map[string]Outcome{"read-metadata": {Status: 401, SubStatus: "5008"}}},
			"", "read-metadata", "refused the sign-in (401/5008)"},
		{"undecidable probe", &fakeProber{errs: map[string]error{"read": fmt.Errorf("%w: per container", ErrUndecidable)}},
			"read-metadata=yes read=unknown query=yes change-feed=yes create=unknown upsert=unknown replace=yes delete=yes execute-sproc=yes",
			"read-metadata read query change-feed replace delete execute-sproc", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs, err := Check(context.Background(), c.p, Actions(), orders)
			if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
				t.Fatalf("err = %v, want %q", err, c.wantErr)
			}
			var got []string
			for _, r := range rs {
				got = append(got, r.Action.Verb+"="+r.Answer.String())
				if r.Reason == "" {
					t.Errorf("%s: no reason", r.Action.Verb)
				}
			}
			if strings.Join(got, " ") != c.want {
				t.Errorf("answers:\n got %s\nwant %s", strings.Join(got, " "), c.want)
			}
			if strings.Join(c.p.asked, " ") != c.asked {
				t.Errorf("probes sent: %q, want %q", strings.Join(c.p.asked, " "), c.asked)
			}
		})
	}
}

func TestResultFix(t *testing.T) {
	orders := Scope{Database: "shop", Container: "orders"}
	p := &fakeProber{answers: map[string]Outcome{
		"query":  {Status: 403, SubStatus: "5302", Message: "principal [d0d0] … action [" + ActionExecuteQuery + "] … on resource [dbs/shop/colls/orders]"},
		"delete": {Status: 403, SubStatus: "5302"},
		"read":   {Status: 404},
	}}
	rs, err := Check(context.Background(), p, Actions(), orders)
	if err != nil {
		t.Fatal(err)
	}
	byVerb := map[string]Result{}
	for _, r := range rs {
		byVerb[r.Action.Verb] = r
	}
	q := byVerb["query"]
	if q.Principal != "d0d0" || q.Missing != ActionExecuteQuery {
		t.Fatalf("query result %+v", q)
	}
	if got := q.Fix("acct", "", q.Principal); !strings.Contains(got, `--scope "/dbs/shop/colls/orders" --principal-id d0d0 --role-definition-id `+DataReaderID) {
		t.Errorf("query fix: %s", got)
	}
	if got := byVerb["delete"].Fix("acct", "rg", "d0d0"); !strings.Contains(got, "--role-definition-id "+DataContributorID) {
		t.Errorf("delete fix: %s", got)
	}
	if got := byVerb["read"].Fix("acct", "rg", "d0d0"); got != "" {
		t.Errorf("a yes has no fix: %s", got)
	}
}

func TestCheckUnprobeableAfterRefusedAccountRead(t *testing.T) {
	create, _ := ActionNamed(ActionItemsCreate)
	denied := Outcome{Status: 403, SubStatus: "5301", AccountRead: true, Message: "principal [b0b0] … action [" + ActionReadMetadata + "] on resource [/]"}
	for _, c := range []struct {
		name string
		p    *fakeProber
		want Answer
	}{
		{"refused account read answers no", &fakeProber{answers: map[string]Outcome{"read-metadata": denied}}, No},
		{"readable account leaves it unknown", &fakeProber{}, Unknown},
	} {
		t.Run(c.name, func(t *testing.T) {
			rs, err := Check(context.Background(), c.p, []Action{create}, Scope{Database: "shop", Container: "orders"})
			if err != nil || len(rs) != 1 || rs[0].Answer != c.want || strings.Join(c.p.asked, ",") != "read-metadata" {
				t.Fatalf("results %+v err %v asked %v", rs, err, c.p.asked)
			}
		})
	}
}
