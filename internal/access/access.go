// Package access is the client's vocabulary of Cosmos DB native data-plane
// RBAC (rbac.md): the data actions with the short verbs `can-i` accepts,
// scopes, the least built-in role that grants each action, the
// `az cosmosdb sql role assignment create` line that fixes a denial, and
// the parsing of the service's 403 messages. It does no I/O: probing lives
// with the Cosmos client, explaining with the error classifier; both use
// this package so the words and the fix are the same everywhere.
package access

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Data actions (rbac.md §2).
const (
	ActionReadMetadata           = "Microsoft.DocumentDB/databaseAccounts/readMetadata"
	containersPrefix             = "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/"
	ActionItemsCreate            = containersPrefix + "items/create"
	ActionItemsRead              = containersPrefix + "items/read"
	ActionItemsReplace           = containersPrefix + "items/replace"
	ActionItemsUpsert            = containersPrefix + "items/upsert"
	ActionItemsDelete            = containersPrefix + "items/delete"
	ActionItemsUnmask            = containersPrefix + "items/unmask"
	ActionExecuteQuery           = containersPrefix + "executeQuery"
	ActionReadChangeFeed         = containersPrefix + "readChangeFeed"
	ActionExecuteStoredProcedure = containersPrefix + "executeStoredProcedure"
	ActionManageConflicts        = containersPrefix + "manageConflicts"
	WildcardContainers           = containersPrefix + "*"
	WildcardItems                = containersPrefix + "items/*"
)

// Built-in role definitions (rbac.md §3).
const (
	DataReaderID        = "00000000-0000-0000-0000-000000000001"
	DataContributorID   = "00000000-0000-0000-0000-000000000002"
	DataReaderName      = "Cosmos DB Built-in Data Reader"
	DataContributorName = "Cosmos DB Built-in Data Contributor"
)

// Action is one data action `can-i` can ask about.
type Action struct {
	Verb string // the short verb: read, query, …
	Name string // the full data action
	// RoleID is the least built-in role that grants the action: Data
	// Reader for reads, queries, the change feed and metadata; Data
	// Contributor for everything that writes or runs code.
	RoleID string
}

// RoleName is the display name of the action's least built-in role.
func (a Action) RoleName() string {
	if a.RoleID == DataReaderID {
		return DataReaderName
	}
	return DataContributorName
}

// Actions lists the actions `can-i --list` checks, readers' first.
func Actions() []Action {
	return []Action{
		{"read-metadata", ActionReadMetadata, DataReaderID},
		{"read", ActionItemsRead, DataReaderID},
		{"query", ActionExecuteQuery, DataReaderID},
		{"change-feed", ActionReadChangeFeed, DataReaderID},
		{"create", ActionItemsCreate, DataContributorID},
		{"upsert", ActionItemsUpsert, DataContributorID},
		{"replace", ActionItemsReplace, DataContributorID},
		{"delete", ActionItemsDelete, DataContributorID},
		{"execute-sproc", ActionExecuteStoredProcedure, DataContributorID},
	}
}

// Verbs are the short verbs, for completion and messages.
func Verbs() []string {
	var out []string
	for _, a := range Actions() {
		out = append(out, a.Verb)
	}
	return out
}

// ParseAction resolves what the user typed: a short verb, a full data
// action (case-insensitive, as the service compares them) or one of the
// two documented wildcards, full or shortened to `items/*` and
// `containers/*`. A wildcard stands for every action it covers.
func ParseAction(s string) ([]Action, error) {
	t := strings.TrimSpace(s)
	switch strings.ToLower(t) {
	case "items/*", strings.ToLower(WildcardItems):
		return covered(strings.TrimSuffix(WildcardItems, "*"), true), nil
	case "containers/*", strings.ToLower(WildcardContainers):
		// rbac.md §2.1: containers/* covers container operations; whether
		// it implies items/* is not stated, so it does not here.
		return covered(containersPrefix, false), nil
	}
	for _, a := range Actions() {
		if strings.EqualFold(t, a.Verb) || strings.EqualFold(t, a.Name) {
			return []Action{a}, nil
		}
	}
	return nil, fmt.Errorf("unknown action %q: use one of %s, a full data action name such as %s, or items/*",
		s, strings.Join(Verbs(), ", "), ActionItemsRead)
}

// covered is the actions one level below prefix: items ones (items) or
// the container-level ones (not items).
func covered(prefix string, items bool) []Action {
	var out []Action
	for _, a := range Actions() {
		rest, ok := strings.CutPrefix(a.Name, prefix)
		if ok && !strings.Contains(rest, "/") && (items || !strings.HasPrefix(rest, "items")) {
			out = append(out, a)
		}
	}
	return out
}

// Scope is a data-plane scope: the account ("/"), a database or a
// container (rbac.md §4.1).
type Scope struct {
	Database  string
	Container string
}

// ParseScope reads `/`, `/dbs/DB` or `/dbs/DB/colls/C` (a trailing slash
// allowed; names path-escaped or not).
func ParseScope(s string) (Scope, error) {
	t := strings.TrimSuffix(strings.TrimSpace(s), "/")
	if t == "" {
		return Scope{}, nil
	}
	segs := strings.Split(strings.TrimPrefix(t, "/"), "/")
	bad := fmt.Errorf("scope %q: want /, /dbs/DATABASE or /dbs/DATABASE/colls/CONTAINER", s)
	if !strings.HasPrefix(t, "/") || (len(segs) != 2 && len(segs) != 4) || segs[0] != "dbs" || (len(segs) == 4 && segs[2] != "colls") {
		return Scope{}, bad
	}
	var names []string
	for i := 1; i < len(segs); i += 2 {
		n, err := url.PathUnescape(segs[i])
		if err != nil || n == "" {
			return Scope{}, bad
		}
		names = append(names, n)
	}
	sc := Scope{Database: names[0]}
	if len(names) == 2 {
		sc.Container = names[1]
	}
	return sc, nil
}

// String renders the scope as `az` and the service write it.
func (s Scope) String() string {
	switch {
	case s.Database == "":
		return "/"
	case s.Container == "":
		return "/dbs/" + s.Database
	}
	return "/dbs/" + s.Database + "/colls/" + s.Container
}

// Level names the kind of resource the scope is.
func (s Scope) Level() string {
	switch {
	case s.Database == "":
		return "account"
	case s.Container == "":
		return "database"
	}
	return "container"
}

// AccountName is the account's name from its endpoint
// (ACCOUNT.documents.azure.com or another cloud's suffix), else the
// placeholder `<account>`.
func AccountName(endpoint string) string {
	host := endpoint
	if u, err := url.Parse(endpoint); err == nil && u.Host != "" {
		host = u.Hostname()
	}
	if i := strings.IndexByte(host, '.'); i > 0 && strings.Contains(host[i:], ".documents.") {
		return host[:i]
	}
	return "<account>"
}

// FixCommand is the `az` line that grants roleID to principalID at scope,
// as the Azure CLI accepts it: the data-plane scope (the CLI prefixes the
// account's ARM id itself), the object id, the bare role GUID. An unknown
// resource group is the placeholder `<resource-group>`.
func FixCommand(account, resourceGroup string, scope Scope, principalID, roleID string) string {
	if resourceGroup == "" {
		resourceGroup = "<resource-group>"
	}
	if principalID == "" {
		principalID = "<principal-object-id>"
	}
	return fmt.Sprintf("az cosmosdb sql role assignment create --account-name %s --resource-group %s --scope %q --principal-id %s --role-definition-id %s",
		account, resourceGroup, scope.String(), principalID, roleID)
}

// Denial is what a 403/5301 or 5302 message says (rbac.md §6).
type Denial struct {
	Principal string // the object id in brackets
	Action    string // the missing data action
	Resource  string // "/", "dbs/D/colls/C", or a resource id
	// GroupsMayApply is set when the service added that group memberships
	// may have been missing from the token.
	GroupsMayApply bool
}

var (
	denialPrincipal = regexp.MustCompile(`principal \[([^\]]*)\]`)
	denialAction    = regexp.MustCompile(`action \[([^\]]*)\]`)
	denialResource  = regexp.MustCompile(`on resource \[([^\]]*)\]`)
)

// ParseDenial extracts the bracketed principal, action and resource of a
// data-plane RBAC refusal; ok is false when the message names no action.
func ParseDenial(msg string) (d Denial, ok bool) {
	if m := denialAction.FindStringSubmatch(msg); m != nil {
		d.Action, ok = m[1], true
	}
	if m := denialPrincipal.FindStringSubmatch(msg); m != nil {
		d.Principal = m[1]
	}
	if m := denialResource.FindStringSubmatch(msg); m != nil {
		d.Resource = m[1]
	}
	d.GroupsMayApply = strings.Contains(msg, "group memberships")
	return d, ok
}

// ActionNamed is the catalogue entry for a full action name, if any.
func ActionNamed(name string) (Action, bool) {
	for _, a := range Actions() {
		if strings.EqualFold(a.Name, name) {
			return a, true
		}
	}
	return Action{}, false
}

// ScopeOfResource turns a denial's resource (`/`, `dbs/D`, `dbs/D/colls/C`,
// with or without the leading slash) into a scope; ok is false for a
// resource id or anything else.
func ScopeOfResource(res string) (Scope, bool) {
	r := strings.TrimSpace(res)
	if r == "" || r == "/" {
		return Scope{}, true
	}
	s, err := ParseScope("/" + strings.TrimPrefix(r, "/"))
	return s, err == nil
}
