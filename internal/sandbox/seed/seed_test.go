package seed

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cosmosctl/cosmosctl/internal/sandbox/rbac"
)

func TestParseErrors(t *testing.T) {
	const goodPrincipals = `"principals":[{"name":"alice","oid":"a1a1a1a1-0000-4000-8000-000000000001"},{"name":"ci","servicePrincipal":true,"clientSecret":"s"}]`
	tests := []struct {
		name string
		seed string
		want string
	}{
		{"not JSON", `{"tenant": }`, `seed.json: invalid JSON at line 1, column 12: invalid character '}' looking for beginning of value`},
		{"unknown field", `{"databses":[]}`, `seed.json: json: unknown field "databses"`},
		{"wrong type", `{"databases":[{"id":"shop","containers":[{"id":"o","partitionKey":"/a","physicalPartitions":"4"}]}]}`,
			`seed.json: line 1, column 95: databases.containers.physicalPartitions must be int, not JSON string`},
		{"trailing data", `{} {}`, `seed.json: unexpected data after the top-level JSON object`},
		{"bad tenant", `{"tenant":"a b"}`, `seed.json: tenant: "a b" is not a tenant id (use a GUID, or letters, digits, '-' and '.')`},
		{"bad account key", `{"accountKey":"***"}`, `seed.json: accountKey: must be a base64 key like the ones the portal shows`},
		{"principal without name", `{"principals":[{"oid":"a1a1a1a1-0000-4000-8000-000000000001"}]}`, `seed.json: principals[0]: missing "name"`},
		{"duplicate principal", `{"principals":[{"name":"alice"},{"name":"Alice"}]}`, `seed.json: principals[1]: duplicate principal name "Alice" (also principals[0])`},
		{"duplicate oid", `{"principals":[{"name":"a","oid":"a1a1a1a1-0000-4000-8000-000000000001"},{"name":"b","oid":"A1A1A1A1-0000-4000-8000-000000000001"}]}`,
			`seed.json: principals[1]: duplicate oid "a1a1a1a1-0000-4000-8000-000000000001" (also principals[0])`},
		{"oid not a GUID", `{"principals":[{"name":"a","oid":"alice"}]}`, `seed.json: principals[0]: oid "alice" is not a GUID`},
		{"group not a GUID", `{"principals":[{"name":"a","groups":["readers"]}]}`, `seed.json: principals[0].groups[0]: group "readers" is not a GUID (groups are object ids)`},
		{"secret on a user", `{"principals":[{"name":"a","clientSecret":"x"}]}`, `seed.json: principals[0]: clientId and clientSecret are only for service principals (set "servicePrincipal": true)`},
		{"database without id", `{"databases":[{"containers":[]}]}`, `seed.json: databases[0]: database id: missing "id"`},
		{"duplicate database", `{"databases":[{"id":"shop"},{"id":"shop"}]}`, `seed.json: databases[1]: duplicate database id "shop" (also databases[0])`},
		{"bad container id", `{"databases":[{"id":"shop","containers":[{"id":"a/b","partitionKey":"/x"}]}]}`,
			`seed.json: databases[0].containers[0]: container id: "a/b" contains one of the characters / \ ? # that Cosmos DB rejects`},
		{"duplicate container", `{"databases":[{"id":"shop","containers":[{"id":"o","partitionKey":"/x"},{"id":"o","partitionKey":"/x"}]}]}`,
			`seed.json: databases[0].containers[1]: duplicate container id "o" (also databases[0].containers[0])`},
		{"pk without slash", `{"databases":[{"id":"shop","containers":[{"id":"a","partitionKey":"/x"},{"id":"orders","partitionKey":"customerId"}]}]}`,
			`seed.json: databases[0].containers[1]: partitionKey "customerId" must start with "/"`},
		{"hierarchical pk without slash", `{"databases":[{"id":"shop","containers":[{"id":"e","partitionKey":["/tenantId","userId"]}]}]}`,
			`seed.json: databases[0].containers[0]: partitionKey "userId" must start with "/"`},
		{"missing pk", `{"databases":[{"id":"shop","containers":[{"id":"e"}]}]}`,
			`seed.json: databases[0].containers[0]: missing "partitionKey" (a path like "/customerId", or an array of up to 3 paths for a hierarchical key)`},
		{"too many pk paths", `{"databases":[{"id":"shop","containers":[{"id":"e","partitionKey":["/a","/b","/c","/d"]}]}]}`,
			`seed.json: databases[0].containers[0]: a hierarchical partitionKey has at most 3 paths, not 4`},
		{"bad pk version", `{"databases":[{"id":"shop","containers":[{"id":"e","partitionKey":{"paths":["/a"],"version":3}}]}]}`,
			`seed.json: databases[0].containers[0]: partitionKey version must be 1 or 2, not 3`},
		{"hierarchical v1", `{"databases":[{"id":"shop","containers":[{"id":"e","partitionKey":{"paths":["/a","/b"],"kind":"MultiHash","version":1}}]}]}`,
			`seed.json: databases[0].containers[0]: a hierarchical partitionKey needs hash version 2`},
		{"too many partitions", `{"databases":[{"id":"shop","containers":[{"id":"e","partitionKey":"/a","physicalPartitions":65}]}]}`,
			`seed.json: databases[0].containers[0]: physicalPartitions must be between 1 and 64, not 65`},
		{"item without id", `{"databases":[{"id":"shop","containers":[{"id":"o","partitionKey":"/c","items":[{"id":"1","c":"x"},{"c":"x"}]}]}]}`,
			`seed.json: databases[0].containers[0].items[1]: item has no string "id"`},
		{"numeric id", `{"databases":[{"id":"shop","containers":[{"id":"o","partitionKey":"/c","items":[{"id":1,"c":"x"}]}]}]}`,
			`seed.json: databases[0].containers[0].items[0]: item has no string "id"`},
		{"item not an object", `{"databases":[{"id":"shop","containers":[{"id":"o","partitionKey":"/c","items":[[1]]}]}]}`,
			`seed.json: databases[0].containers[0].items[0]: an item must be a JSON object`},
		{"item missing pk", `{"databases":[{"id":"shop","containers":[{"id":"o","partitionKey":"/customerId","items":[{"id":"1","customerID":"c1"}]}]}]}`,
			`seed.json: databases[0].containers[0].items[0]: item "1" has no value at partition key path /customerId`},
		{"item pk is an object", `{"databases":[{"id":"shop","containers":[{"id":"o","partitionKey":"/c","items":[{"id":"1","c":{"a":1}}]}]}]}`,
			`seed.json: databases[0].containers[0].items[0]: item "1": partition key /c must be a string, number, boolean or null, not an object or array`},
		{"duplicate item", `{"databases":[{"id":"shop","containers":[{"id":"o","partitionKey":"/c","items":[{"id":"1","c":"x"},{"id":"2","c":"x"},{"id":"1","c":"x"}]}]}]}`,
			`seed.json: databases[0].containers[0].items[2]: duplicate id "1" in logical partition ["x"] (also databases[0].containers[0].items[0])`},
		{"bad item id", `{"databases":[{"id":"shop","containers":[{"id":"o","partitionKey":"/c","items":[{"id":"a#b","c":"x"}]}]}]}`,
			`seed.json: databases[0].containers[0].items[0]: item id: "a#b" contains one of the characters / \ ? # that Cosmos DB rejects`},
		{"role without name", `{"roleDefinitions":[{"dataActions":["Microsoft.DocumentDB/databaseAccounts/readMetadata"]}]}`, `seed.json: roleDefinitions[0]: missing "roleName"`},
		{"role bad action", `{"roleDefinitions":[{"roleName":"r","dataActions":["Microsoft.DocumentDB/databaseAccounts/sqlDatabases/write"]}]}`,
			`seed.json: roleDefinitions[0].dataActions[0]: The provided data action string [Microsoft.DocumentDB/databaseAccounts/sqlDatabases/write] does not correspond to any valid SQL data action.`},
		{"role without actions", `{"roleDefinitions":[{"roleName":"r"}]}`, `seed.json: roleDefinitions[0]: "dataActions" must list at least one data action`},
		{"role shadows a built-in", `{"roleDefinitions":[{"roleName":"Cosmos DB Built-in Data Reader","dataActions":["*"]}]}`,
			`seed.json: roleDefinitions[0]: duplicate roleName "Cosmos DB Built-in Data Reader"`},
		{"role reuses a built-in id", `{"roleDefinitions":[{"id":"00000000-0000-0000-0000-000000000002","roleName":"x","dataActions":["*"]}]}`,
			`seed.json: roleDefinitions[0]: duplicate role definition id "00000000-0000-0000-0000-000000000002"`},
		{"role bad assignable scope", `{"roleDefinitions":[{"roleName":"r","dataActions":["*"],"assignableScopes":["/shop"]}]}`,
			`seed.json: roleDefinitions[0].assignableScopes[0]: invalid scope "/shop": use "/", "/dbs/<database>" or "/dbs/<database>/colls/<container>"`},
		{"assignment unknown principal", `{` + goodPrincipals + `,"roleAssignments":[{"principal":"zed","role":"Cosmos DB Built-in Data Reader","scope":"/"}]}`,
			`seed.json: roleAssignments[0]: unknown principal "zed" (principals: alice, ci)`},
		{"assignment without principal", `{"roleAssignments":[{"role":"Cosmos DB Built-in Data Reader","scope":"/"}]}`,
			`seed.json: roleAssignments[0]: name the principal with "principal" (a seed principal name) or "principalId" (an object id)`},
		{"assignment principal mismatch", `{` + goodPrincipals + `,"roleAssignments":[{"principal":"alice","principalId":"b0b0b0b0-0000-4000-8000-000000000002","role":"Cosmos DB Built-in Data Reader","scope":"/"}]}`,
			`seed.json: roleAssignments[0]: principal "alice" has oid a1a1a1a1-0000-4000-8000-000000000001, not principalId b0b0b0b0-0000-4000-8000-000000000002`},
		{"assignment principalId not GUID", `{"roleAssignments":[{"principalId":"alice","role":"Cosmos DB Built-in Data Reader","scope":"/"}]}`,
			`seed.json: roleAssignments[0]: principalId "alice" is not a GUID (an object id of a user, service principal or group)`},
		{"assignment unknown role", `{` + goodPrincipals + `,"roleAssignments":[{"principal":"alice","role":"Owner","scope":"/"}]}`,
			`seed.json: roleAssignments[0]: unknown role "Owner" (roles: "Cosmos DB Built-in Data Reader", "Cosmos DB Built-in Data Contributor")`},
		{"assignment unknown role id", `{` + goodPrincipals + `,"roleAssignments":[{"principal":"alice","roleDefinitionId":"00000000-0000-0000-0000-000000000003","scope":"/"}]}`,
			`seed.json: roleAssignments[0]: unknown roleDefinitionId "00000000-0000-0000-0000-000000000003" (roles: "Cosmos DB Built-in Data Reader", "Cosmos DB Built-in Data Contributor")`},
		{"assignment without role", `{` + goodPrincipals + `,"roleAssignments":[{"principal":"alice","scope":"/"}]}`,
			`seed.json: roleAssignments[0]: name the role with "role" (a role name or built-in id) or "roleDefinitionId"`},
		{"assignment without scope", `{` + goodPrincipals + `,"roleAssignments":[{"principal":"alice","role":"00000000-0000-0000-0000-000000000001"}]}`,
			`seed.json: roleAssignments[0]: missing "scope" (e.g. "/", "/dbs/shop" or "/dbs/shop/colls/orders")`},
		{"assignment scope without its slash", `{` + goodPrincipals + `,"roleAssignments":[{"principal":"alice","role":"00000000-0000-0000-0000-000000000001","scope":"dbs/shop"}]}`,
			`seed.json: roleAssignments[0]: invalid scope "dbs/shop": a scope starts with "/", e.g. "/dbs/shop"`},
		{"assignable scope without its slash", `{"roleDefinitions":[{"roleName":"r","dataActions":["*"],"assignableScopes":["dbs/shop"]}]}`,
			`seed.json: roleDefinitions[0].assignableScopes[0]: invalid scope "dbs/shop": a scope starts with "/", e.g. "/dbs/shop"`},
		{"assignment bad scope", `{` + goodPrincipals + `,"roleAssignments":[{"principal":"alice","role":"00000000-0000-0000-0000-000000000001","scope":"/dbs/shop/orders"}]}`,
			`seed.json: roleAssignments[0]: invalid scope "/dbs/shop/orders": use "/", "/dbs/<database>" or "/dbs/<database>/colls/<container>"`},
		{"assignment outside assignable scopes", `{` + goodPrincipals + `,"roleDefinitions":[{"id":"0d0d0d0d-0000-4000-8000-000000000020","roleName":"r","dataActions":["*"],"assignableScopes":["/dbs/shop"]}],"roleAssignments":[{"principal":"alice","role":"r","scope":"/"}]}`,
			`seed.json: role assignment #1: scope "/" is not inside the assignable scopes ["/dbs/shop"] of role "r"`},
		{"items file refused", `{"databases":[{"id":"shop","containers":[{"id":"o","partitionKey":"/c","itemsFile":"x.jsonl"}]}]}`,
			`seed.json: databases[0].containers[0].itemsFile: item files are not supported here`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("seed.json", []byte(tt.seed), nil)
			if err == nil {
				t.Fatalf("Parse accepted the seed; want error %q", tt.want)
			}
			if err.Error() != tt.want {
				t.Fatalf("error\n got: %s\nwant: %s", err, tt.want)
			}
		})
	}
}

func TestLoadItemsFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("orders.jsonl", "{\"id\":\"2\", \"customerId\":\"c1\",\"total\":9223372036854775807}\n\n{\"id\":\"3\",\"customerId\":\"c2\",\"total\":1.0000000000000001,\"name\":\"\\u00e9\"}\n")
	write("events.json", `[{"id":"e1","tenantId":"t1","userId":"u1"}, {"id":"e2","tenantId":"t1","userId":null}]`)
	write("seed.json", `{
  "tenant": "22222222-2222-2222-2222-222222222222",
  "principals": [{"name": "alice", "groups": ["90909090-0000-4000-8000-000000000010"]},
                 {"name": "ci", "servicePrincipal": true, "clientSecret": "s3"}],
  "databases": [{"id": "shop", "containers": [
    {"id": "orders", "partitionKey": "/customerId", "physicalPartitions": 4,
     "items": [{"id": "1",  "customerId": "c1", "z": 1, "a": 2}], "itemsFile": "orders.jsonl"},
    {"id": "events", "partitionKey": ["/tenantId", "/userId"], "itemsFile": "events.json"}]}],
  "roleDefinitions": [{"roleName": "Order reader", "dataActions": ["Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/read"]}],
  "roleAssignments": [
    {"principal": "alice", "role": "Cosmos DB Built-in Data Reader", "scope": "/dbs/shop"},
    {"principalId": "90909090-0000-4000-8000-000000000010", "role": "Order reader", "scope": "/dbs/shop/colls/orders"},
    {"principal": "ci", "roleDefinitionId": "/subscriptions/s/resourceGroups/g/providers/Microsoft.DocumentDB/databaseAccounts/a/sqlRoleDefinitions/00000000-0000-0000-0000-000000000002", "scope": "/"}],
  "localAuthDisabled": true
}`)
	s, err := Load(filepath.Join(dir, "seed.json"))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	orders := s.Databases[0].Containers[0]
	want := []string{
		`{"id":"1","customerId":"c1","z":1,"a":2}`,
		`{"id":"2","customerId":"c1","total":9223372036854775807}`,
		`{"id":"3","customerId":"c2","total":1.0000000000000001,"name":"\u00e9"}`,
	}
	if len(orders.Items) != len(want) {
		t.Fatalf("orders has %d items, want %d", len(orders.Items), len(want))
	}
	for i, w := range want {
		if string(orders.Items[i]) != w {
			t.Errorf("item %d = %s, want %s (bytes must be kept)", i, orders.Items[i], w)
		}
	}
	if orders.ItemsFile != "" || orders.PhysicalPartitions != 4 {
		t.Errorf("orders = itemsFile %q, partitions %d", orders.ItemsFile, orders.PhysicalPartitions)
	}
	events := s.Databases[0].Containers[1]
	if events.PartitionKey.Kind != "MultiHash" || len(events.Items) != 2 || events.PhysicalPartitions != 1 {
		t.Errorf("events = %+v", events.PartitionKey)
	}
	alice, _ := s.PrincipalByName("ALICE")
	if alice.OID != DerivedObjectID(s.Tenant, "alice") || alice.UPN != "alice@sandbox.cosmosctl.local" {
		t.Errorf("alice = %+v", alice)
	}
	ci, _ := s.PrincipalByName("ci")
	if ci.ClientID != DerivedClientID(s.Tenant, "ci") {
		t.Errorf("ci client id = %q", ci.ClientID)
	}
	if s.RoleAssignments[1].RoleDefinitionID != s.RoleDefinitions[0].ID || s.RoleAssignments[2].RoleDefinitionID != rbac.DataContributorID {
		t.Errorf("assignments not resolved: %+v", s.RoleAssignments)
	}
	p, err := s.Policy()
	if err != nil {
		t.Fatal(err)
	}
	const orderRead = rbac.ActionItemsRead
	checks := []struct {
		who    string
		groups []string
		action string
		scope  string
		want   bool
	}{
		{alice.OID, nil, rbac.ActionExecuteQuery, "/dbs/shop/colls/events", true},
		{alice.OID, nil, rbac.ActionReadMetadata, "/", false},
		{DerivedObjectID(s.Tenant, "x"), []string{"90909090-0000-4000-8000-000000000010"}, orderRead, "/dbs/shop/colls/orders", true},
		{DerivedObjectID(s.Tenant, "x"), []string{"90909090-0000-4000-8000-000000000010"}, orderRead, "/dbs/shop/colls/events", false},
		{ci.OID, nil, rbac.ActionItemsDelete, "/dbs/shop/colls/events", true},
	}
	for i, c := range checks {
		if got := p.Allowed(c.who, c.groups, c.action, c.scope); got != c.want {
			t.Errorf("check %d: Allowed = %v, want %v", i, got, c.want)
		}
	}
	if !s.LocalAuthDisabled {
		t.Error("localAuthDisabled lost")
	}
}

func TestItemsFileErrors(t *testing.T) {
	tests := []struct {
		name, file, want string
	}{
		{"missing file", "", "seed.json: databases[0].containers[0].itemsFile: open "},
		{"bad jsonl", "{\"id\":\"1\",\"c\":\"x\"}\n{\"id\":\n", "seed.json: databases[0].containers[0].itemsFile: items.jsonl: invalid JSON: unexpected end of file"},
		{"line numbers", "{\"id\":\"1\",\"c\":\"x\"}\n\n{\"c\":\"y\"}\n", `seed.json: items.jsonl line 3: item has no string "id"`},
		{"array index", `[{"id":"1","c":"x"},{"id":"1","c":"x"}]`, `seed.json: items.jsonl[1]: duplicate id "1" in logical partition ["x"] (also items.jsonl[0])`},
		{"byte order mark, JSON lines", "\ufeff{\"id\":\"1\",\"c\":\"x\"}\n\n{\"c\":\"y\"}\n", `seed.json: items.jsonl line 3: item has no string "id"`},
		{"byte order mark, array", "\ufeff" + `[{"id":"1","c":"x"},{"c":"y"}]`, `seed.json: items.jsonl[1]: item has no string "id"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.file != "" {
				if err := os.WriteFile(filepath.Join(dir, "items.jsonl"), []byte(tt.file), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			seed := `{"databases":[{"id":"shop","containers":[{"id":"o","partitionKey":"/c","itemsFile":"items.jsonl"}]}]}`
			_, err := Parse("seed.json", []byte(seed), func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, name)) })
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("err = %v, want prefix %q", err, tt.want)
			}
		})
	}
}

func TestParseByteOrderMark(t *testing.T) {
	s, err := Parse("seed.json", []byte("\ufeff"+`{"tenant":"11111111-1111-1111-1111-111111111111"}`), nil)
	if err != nil || s.Tenant != "11111111-1111-1111-1111-111111111111" {
		t.Fatalf("Parse with a BOM: %v, %+v", err, s)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.json"))
	if err == nil || !strings.Contains(err.Error(), "read seed file") {
		t.Fatalf("err = %v", err)
	}
}

func TestDemo(t *testing.T) {
	a, b := Demo(), Demo()
	if a.Tenant != DemoTenant {
		t.Fatalf("tenant = %s", a.Tenant)
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Fatal("demo seed is not deterministic")
	}
	// Round-trip through the file format: the demo must be a valid seed file.
	if _, err := Parse("demo.json", ja, nil); err != nil {
		t.Fatalf("demo seed does not re-parse: %v", err)
	}
	counts := map[string]int{}
	for _, c := range a.Databases[0].Containers {
		counts[c.ID] = len(c.Items)
	}
	if counts["orders"] != DemoOrders+4 || counts["products"] != DemoProducts || counts["events"] != DemoEvents {
		t.Fatalf("counts = %v", counts)
	}
	customers := map[string]bool{}
	var raw []string
	for _, it := range a.Databases[0].Containers[0].Items {
		var o struct{ CustomerID string }
		if err := json.Unmarshal(it, &o); err != nil {
			t.Fatal(err)
		}
		customers[o.CustomerID] = true
		raw = append(raw, string(it))
	}
	if len(customers) < 190 || len(customers) > DemoCustomers {
		t.Errorf("orders span %d customers", len(customers))
	}
	all := strings.Join(raw, "\n")
	for _, w := range []string{`"loyaltyPoints":9223372036854775807`, `"total":1.0000000000000001`, `"name":"Zoë Ångström"`, `"nickname":"\u00e9t\u00e9 \ud83d\ude80"`, `{"zeta":1,"id":"key-order"`} {
		if !strings.Contains(all, w) {
			t.Errorf("demo orders lack %s", w)
		}
	}
	p, err := a.Policy()
	if err != nil {
		t.Fatal(err)
	}
	matrix := []struct {
		who    string
		groups []string
		action string
		scope  string
		want   bool
	}{
		{DemoAliceOID, nil, rbac.ActionExecuteQuery, "/dbs/shop/colls/products", true},
		{DemoBobOID, nil, rbac.ActionReadMetadata, "/", false},
		{DemoCarolOID, nil, rbac.ActionItemsCreate, "/dbs/shop/colls/orders", true},
		{DemoCarolOID, nil, rbac.ActionItemsRead, "/dbs/shop/colls/products", false},
		{DemoDaveOID, nil, rbac.ActionItemsRead, "/dbs/shop/colls/orders", true},
		{DemoDaveOID, nil, rbac.ActionExecuteQuery, "/dbs/shop/colls/orders", false},
		{DemoErinOID, []string{DemoShopReadersGroup}, rbac.ActionExecuteQuery, "/dbs/shop/colls/products", true},
		{DemoErinOID, nil, rbac.ActionExecuteQuery, "/dbs/shop/colls/products", false},
		{DemoCIOID, nil, rbac.ActionItemsRead, "/dbs/shop/colls/orders", true},
		{DemoMIOID, nil, rbac.ActionReadMetadata, "/", true},
	}
	for i, m := range matrix {
		if got := p.Allowed(m.who, m.groups, m.action, m.scope); got != m.want {
			t.Errorf("matrix %d: Allowed = %v, want %v", i, got, m.want)
		}
	}
}

// TestIssueExample loads the seed of the issue's "Seed file" section.
func TestIssueExample(t *testing.T) {
	s, err := Load(filepath.Join("testdata", "example.json"))
	if err != nil {
		t.Fatal(err)
	}
	orders := s.Databases[0].Containers[0]
	got := make([]string, len(orders.Items))
	for i, it := range orders.Items {
		got[i] = string(it)
	}
	want := `{"id":"1","customerId":"c1"}|{"id":"2","customerId":"c1","total":9223372036854775807}|{"id":"3","customerId":"c2","total":1.0000000000000001,"name":"Zo\u00eb"}`
	if strings.Join(got, "|") != want {
		t.Fatalf("orders = %s", strings.Join(got, "|"))
	}
	p, err := s.Policy()
	if err != nil {
		t.Fatal(err)
	}
	const alice, group = "a1a1a1a1-0000-4000-8000-000000000001", "90909090-0000-4000-8000-000000000010"
	if !p.Allowed(alice, nil, rbac.ActionExecuteQuery, "/dbs/shop/colls/events") || p.Allowed(alice, nil, rbac.ActionReadMetadata, "/") ||
		!p.Allowed("", []string{group}, rbac.ActionItemsRead, "/dbs/shop/colls/orders") {
		t.Fatal("example assignments not applied")
	}
}

// An itemsFile (or the seed) that is a device or a FIFO is refused at
// once instead of growing the sandbox without bound or blocking.
func TestLoadRefusesDevicesAndFIFOs(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.jsonl")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	for _, items := range []string{"/dev/zero", fifo} {
		seedPath := filepath.Join(dir, "seed.json")
		seed := `{"databases":[{"id":"shop","containers":[{"id":"o","partitionKey":"/c","itemsFile":` + strconv.Quote(items) + `}]}]}`
		if err := os.WriteFile(seedPath, []byte(seed), 0o600); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { _, err := Load(seedPath); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "not a regular file") {
				t.Errorf("%s: %v", items, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: Load did not return", items)
		}
	}
	if _, err := Load("/dev/zero"); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("seed /dev/zero: %v", err)
	}
}
