package rbac

import (
	"strings"
	"testing"
)

const (
	alice   = "aaaaaaaa-0000-0000-0000-000000000001"
	carol   = "aaaaaaaa-0000-0000-0000-000000000003"
	dave    = "aaaaaaaa-0000-0000-0000-000000000004"
	erin    = "aaaaaaaa-0000-0000-0000-000000000005"
	frank   = "aaaaaaaa-0000-0000-0000-000000000006"
	nobody  = "aaaaaaaa-0000-0000-0000-0000000000ff"
	readers = "99999999-0000-0000-0000-000000000001"
	custom  = "cccccccc-0000-0000-0000-000000000001"
	wild    = "cccccccc-0000-0000-0000-000000000002"
	all     = "cccccccc-0000-0000-0000-000000000003"
	minus   = "cccccccc-0000-0000-0000-000000000004"
)

func testPolicy(t *testing.T) *Policy {
	t.Helper()
	p, err := New([]Definition{
		{ID: custom, RoleName: "Order reader", DataActions: []string{ActionReadMetadata, ActionItemsRead}, AssignableScopes: []string{"/"}},
		{ID: wild, RoleName: "Container ops", DataActions: []string{ActionReadMetadata, WildcardContainers}},
		{ID: all, RoleName: "Everything", DataActions: []string{WildcardAll}},
		{ID: minus, RoleName: "Writer without delete", DataActions: []string{WildcardItems}, NotDataActions: []string{ActionItemsDelete}},
	}, []Assignment{
		{PrincipalID: alice, RoleDefinitionID: DataReaderID, Scope: "/"},
		{PrincipalID: strings.ToUpper(carol), RoleDefinitionID: DataContributorID, Scope: "/dbs/shop/colls/orders"},
		{PrincipalID: dave, RoleDefinitionID: custom, Scope: "/dbs/shop"},
		{PrincipalID: readers, RoleDefinitionID: DataReaderID, Scope: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.DocumentDB/databaseAccounts/acct/dbs/shop/colls/products"},
		{PrincipalID: erin, RoleDefinitionID: wild, Scope: "/dbs/shop/"},
		{PrincipalID: frank, RoleDefinitionID: all, Scope: "dbs/other"},
		{PrincipalID: frank, RoleDefinitionID: minus, Scope: "/dbs/shop/colls/orders"},
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

func TestAllowedMatrix(t *testing.T) {
	p := testPolicy(t)
	const (
		acct     = "/"
		shop     = "/dbs/shop"
		orders   = "/dbs/shop/colls/orders"
		products = "/dbs/shop/colls/products"
		shopping = "/dbs/shopping/colls/orders"
		other    = "/dbs/other/colls/x"
	)
	tests := []struct {
		name      string
		principal string
		groups    []string
		action    string
		scope     string
		want      bool
	}{
		{"reader at / reads metadata at account", alice, nil, ActionReadMetadata, acct, true},
		{"reader at / queries any container", alice, nil, ActionExecuteQuery, products, true},
		{"reader at / reads change feed", alice, nil, ActionReadChangeFeed, orders, true},
		{"reader cannot create", alice, nil, ActionItemsCreate, orders, false},
		{"reader cannot unmask", alice, nil, ActionItemsUnmask, orders, false},
		{"principal ids compare case-insensitively", strings.ToUpper(alice), nil, ActionItemsRead, orders, true},
		{"no assignment", nobody, nil, ActionReadMetadata, acct, false},
		{"empty principal", "", nil, ActionReadMetadata, acct, false},
		{"contributor at container reads items", carol, nil, ActionItemsRead, orders, true},
		{"contributor items/* covers delete", carol, nil, ActionItemsDelete, orders, true},
		{"contributor containers/* covers executeQuery", carol, nil, ActionExecuteQuery, orders, true},
		{"contributor containers/* covers sprocs", carol, nil, ActionExecuteStoredProcedure, orders, true},
		{"contributor at container: not at database", carol, nil, ActionReadMetadata, shop, false},
		{"contributor at container: not at account", carol, nil, ActionReadMetadata, acct, false},
		{"contributor at container: not a sibling", carol, nil, ActionItemsRead, products, false},
		{"custom at db covers its containers", dave, nil, ActionItemsRead, orders, true},
		{"custom at db reads db metadata", dave, nil, ActionReadMetadata, shop, true},
		{"custom lacks executeQuery", dave, nil, ActionExecuteQuery, orders, false},
		{"scope is segment-wise, not a string prefix", dave, nil, ActionItemsRead, shopping, false},
		{"custom at db does not reach the account", dave, nil, ActionReadMetadata, acct, false},
		{"group assignment via token groups", nobody, []string{readers}, ActionItemsRead, products, true},
		{"group ids compare case-insensitively", nobody, []string{strings.ToUpper(readers)}, ActionExecuteQuery, products, true},
		{"group assignment limited to its scope", nobody, []string{readers}, ActionItemsRead, orders, false},
		{"unrelated group", nobody, []string{"12345678-0000-0000-0000-000000000000"}, ActionItemsRead, products, false},
		{"containers/* does not imply items/*", erin, nil, ActionItemsRead, orders, false},
		{"containers/* covers readChangeFeed", erin, nil, ActionReadChangeFeed, orders, true},
		{"containers/* covers manageConflicts", erin, nil, ActionManageConflicts, products, true},
		{"* grants everything at its scope", frank, nil, ActionItemsUnmask, other, true},
		{"* limited to its scope", frank, nil, ActionReadMetadata, acct, false},
		{"notDataActions subtract", frank, nil, ActionItemsDelete, orders, false},
		{"notDataActions leave the rest", frank, nil, ActionItemsUpsert, orders, true},
		{"action compared case-insensitively", alice, nil, strings.ToLower(ActionItemsRead), orders, true},
		{"invalid scope denies", alice, nil, ActionItemsRead, "/dbs", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.Allowed(tt.principal, tt.groups, tt.action, tt.scope); got != tt.want {
				t.Errorf("Allowed(%s, %v, %s, %s) = %v, want %v", tt.principal, tt.groups, tt.action, tt.scope, got, tt.want)
			}
		})
	}
}

func TestActionMatches(t *testing.T) {
	tests := []struct {
		pattern, action string
		want            bool
	}{
		{WildcardItems, ActionItemsRead, true},
		{WildcardItems, ActionExecuteQuery, false},
		{WildcardContainers, ActionExecuteQuery, true},
		{WildcardContainers, ActionItemsRead, false},
		{WildcardContainers, strings.TrimSuffix(WildcardContainers, "*"), false},
		{WildcardContainers, ActionReadMetadata, false},
		{ActionItemsRead, ActionItemsReplace, false},
		{WildcardAll, ActionReadMetadata, true},
	}
	for _, tt := range tests {
		if got := actionMatches(tt.pattern, tt.action); got != tt.want {
			t.Errorf("actionMatches(%q, %q) = %v, want %v", tt.pattern, tt.action, got, tt.want)
		}
	}
}

func TestBuiltins(t *testing.T) {
	p, err := New(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := p.Definition(DataReaderID)
	if !ok || r.RoleName != DataReaderName || r.Type != TypeBuiltIn || len(r.DataActions) != 4 {
		t.Fatalf("reader = %+v", r)
	}
	c, ok := p.Definition(DataContributorID)
	if !ok || c.RoleName != DataContributorName || strings.Join(c.DataActions, ",") != ActionReadMetadata+","+WildcardContainers+","+WildcardItems {
		t.Fatalf("contributor = %+v", c)
	}
	if got := len(p.Definitions()); got != 2 {
		t.Fatalf("Definitions() has %d entries", got)
	}
}

func TestNormalizeScope(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"/", "/", ""},
		{"", "/", ""},
		{"/dbs/shop/", "/dbs/shop", ""},
		{"dbs/shop/colls/orders", "/dbs/shop/colls/orders", ""},
		{"/subscriptions/s/resourcegroups/rg/providers/microsoft.documentdb/databaseAccounts/acct", "/", ""},
		{"/subscriptions/s/resourceGroups/rg/providers/Microsoft.DocumentDB/databaseAccounts/acct/dbs/Shop", "/dbs/Shop", ""},
		{"/dbs", "", "invalid scope"},
		{"/dbs/shop/colls", "", "invalid scope"},
		{"/dbs/shop/docs/x", "", "invalid scope"},
		{"/colls/x", "", "invalid scope"},
	}
	for _, tt := range tests {
		got, err := NormalizeScope(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("NormalizeScope(%q) err = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NormalizeScope(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		defs []Definition
		asg  []Assignment
		want string
	}{
		{"bad action", []Definition{{ID: custom, DataActions: []string{"Microsoft.DocumentDB/databaseAccounts/sqlDatabases/write"}}}, nil,
			"The provided data action string [Microsoft.DocumentDB/databaseAccounts/sqlDatabases/write] does not correspond to any valid SQL data action."},
		{"duplicate id", []Definition{{ID: DataReaderID, DataActions: []string{ActionItemsRead}}}, nil, "duplicate id"},
		{"no actions", []Definition{{ID: custom}}, nil, "no dataActions"},
		{"unknown definition", nil, []Assignment{{PrincipalID: alice, RoleDefinitionID: custom, Scope: "/"}}, `unknown role definition id "` + custom + `"`},
		{"bad scope", nil, []Assignment{{PrincipalID: alice, RoleDefinitionID: DataReaderID, Scope: "/dbs/a/b"}}, "invalid scope"},
		{"outside assignable scopes",
			[]Definition{{ID: custom, DataActions: []string{ActionItemsRead}, AssignableScopes: []string{"/dbs/shop"}}},
			[]Assignment{{PrincipalID: alice, RoleDefinitionID: custom, Scope: "/dbs/shopping"}}, "not inside the assignable scopes"},
		{"no principal", nil, []Assignment{{RoleDefinitionID: DataReaderID, Scope: "/"}}, "missing principal id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.defs, tt.asg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want containing %q", err, tt.want)
			}
		})
	}
}

func TestNilPolicyDenies(t *testing.T) {
	var p *Policy
	if p.Allowed(alice, nil, ActionReadMetadata, "/") {
		t.Fatal("nil policy allowed a request")
	}
}
