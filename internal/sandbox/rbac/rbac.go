// Package rbac is the sandbox's model of Cosmos DB native data-plane RBAC:
// role definitions (the two built-ins and custom ones), role assignments to
// principals or groups at account, database or container scope, and the
// decision the gateway asks for on every Entra-authenticated request.
//
// The matching rules follow rbac.md §4.2 (segment-wise scope prefixes,
// wildcards only one level below "…/containers/*" and "…/containers/items/*",
// a pure union of grants across assignments).
package rbac

import (
	"fmt"
	"sort"
	"strings"

	"github.com/cosmosctl/cosmosctl/internal/access"
)

// Data actions and built-in roles (rbac.md §2, §3): the service's own
// vocabulary, spelled once in internal/access, which cosmosctl's can-i and
// explanations use too.
const (
	ActionReadMetadata           = access.ActionReadMetadata
	ActionItemsCreate            = access.ActionItemsCreate
	ActionItemsRead              = access.ActionItemsRead
	ActionItemsReplace           = access.ActionItemsReplace
	ActionItemsUpsert            = access.ActionItemsUpsert
	ActionItemsDelete            = access.ActionItemsDelete
	ActionItemsUnmask            = access.ActionItemsUnmask
	ActionExecuteQuery           = access.ActionExecuteQuery
	ActionReadChangeFeed         = access.ActionReadChangeFeed
	ActionExecuteStoredProcedure = access.ActionExecuteStoredProcedure
	ActionManageConflicts        = access.ActionManageConflicts
	WildcardContainers           = access.WildcardContainers
	WildcardItems                = access.WildcardItems
	// WildcardAll grants every data action. The real service only documents
	// the two container-level wildcards; the sandbox accepts "*" as a
	// convenience for seed files.
	WildcardAll = "*"

	DataReaderID        = access.DataReaderID
	DataContributorID   = access.DataContributorID
	DataReaderName      = access.DataReaderName
	DataContributorName = access.DataContributorName
)

// Role definition types as ARM reports them.
const (
	TypeBuiltIn = "BuiltInRole"
	TypeCustom  = "CustomRole"
)

// Actions returns the eleven concrete data actions.
func Actions() []string {
	return []string{
		ActionReadMetadata, ActionItemsCreate, ActionItemsRead, ActionItemsReplace, ActionItemsUpsert,
		ActionItemsDelete, ActionItemsUnmask, ActionExecuteQuery, ActionReadChangeFeed,
		ActionExecuteStoredProcedure, ActionManageConflicts,
	}
}

// ValidateAction reports whether a is a data action or wildcard a role
// definition may list, with the real service's message when it is not.
func ValidateAction(a string) error {
	if a == WildcardAll || strings.EqualFold(a, WildcardContainers) || strings.EqualFold(a, WildcardItems) {
		return nil
	}
	for _, k := range Actions() {
		if strings.EqualFold(a, k) {
			return nil
		}
	}
	//lint:ignore ST1005 the text is the service's verbatim message (rbac.md §2)
	return fmt.Errorf("The provided data action string [%s] does not correspond to any valid SQL data action.", a)
}

// Definition is a role definition.
type Definition struct {
	ID               string
	RoleName         string
	Type             string // TypeBuiltIn or TypeCustom
	DataActions      []string
	NotDataActions   []string // subtracted from DataActions (a sandbox extension; see Grants)
	AssignableScopes []string
}

// Grants reports whether the definition grants action. NotDataActions are
// subtracted after matching, as Azure RBAC does elsewhere; the real Cosmos
// service documents that it ignores the property, so seeds rarely use it.
func (d *Definition) Grants(action string) bool {
	if !matchesAny(d.DataActions, action) {
		return false
	}
	return !matchesAny(d.NotDataActions, action)
}

func matchesAny(patterns []string, action string) bool {
	for _, p := range patterns {
		if actionMatches(p, action) {
			return true
		}
	}
	return false
}

// actionMatches implements rbac.md §4.2: equality, or a "/*" pattern that
// covers exactly one more path segment (so "containers/*" does not imply
// "containers/items/read").
func actionMatches(pattern, action string) bool {
	if pattern == WildcardAll {
		return true
	}
	if strings.EqualFold(pattern, action) {
		return true
	}
	stem, ok := strings.CutSuffix(pattern, "*")
	if !ok || !strings.HasSuffix(stem, "/") || len(action) <= len(stem) {
		return false
	}
	if !strings.EqualFold(action[:len(stem)], stem) {
		return false
	}
	rest := action[len(stem):]
	return rest != "" && !strings.Contains(rest, "/") && rest != "*"
}

// BuiltinDefinitions returns the two built-in roles with their real ids and actions.
func BuiltinDefinitions() []Definition {
	return []Definition{
		{
			ID: DataReaderID, RoleName: DataReaderName, Type: TypeBuiltIn,
			DataActions:      []string{ActionReadMetadata, ActionItemsRead, ActionExecuteQuery, ActionReadChangeFeed},
			AssignableScopes: []string{"/"},
		},
		{
			ID: DataContributorID, RoleName: DataContributorName, Type: TypeBuiltIn,
			DataActions:      []string{ActionReadMetadata, WildcardContainers, WildcardItems},
			AssignableScopes: []string{"/"},
		},
	}
}

// Assignment grants a definition's actions to a principal (user, service
// principal or group object id) at a scope.
type Assignment struct {
	ID               string
	PrincipalID      string
	RoleDefinitionID string
	Scope            string
}

// Policy is an immutable set of definitions and assignments. It implements
// the gateway's Authorizer interface and is safe for concurrent use.
type Policy struct {
	defs        map[string]*Definition // by lower-case id
	assignments []assignment
}

type assignment struct {
	principal string   // lower-case object id
	scope     []string // normalised scope segments
	def       *Definition
}

// New builds a policy from custom definitions (the built-ins are always
// present) and assignments. Definitions must have valid actions and
// scopes; assignments must name a known definition and a scope inside one
// of its assignable scopes.
func New(defs []Definition, assignments []Assignment) (*Policy, error) {
	p := &Policy{defs: map[string]*Definition{}}
	all := append(BuiltinDefinitions(), defs...)
	for i := range all {
		d := all[i]
		if d.ID == "" {
			return nil, fmt.Errorf("role definition %q: missing id", d.RoleName)
		}
		key := strings.ToLower(d.ID)
		if _, dup := p.defs[key]; dup {
			return nil, fmt.Errorf("role definition %q: duplicate id", d.ID)
		}
		if d.Type == "" {
			d.Type = TypeCustom
		}
		if len(d.DataActions) == 0 {
			return nil, fmt.Errorf("role definition %q: no dataActions", d.ID)
		}
		for _, a := range append(append([]string(nil), d.DataActions...), d.NotDataActions...) {
			if err := ValidateAction(a); err != nil {
				return nil, fmt.Errorf("role definition %q: %w", d.ID, err)
			}
		}
		// Copy the slices: normalising must not write into the caller's.
		d.DataActions = append([]string(nil), d.DataActions...)
		d.NotDataActions = append([]string(nil), d.NotDataActions...)
		d.AssignableScopes = append([]string(nil), d.AssignableScopes...)
		if len(d.AssignableScopes) == 0 {
			d.AssignableScopes = []string{"/"}
		}
		for j, s := range d.AssignableScopes {
			n, err := NormalizeScope(s)
			if err != nil {
				return nil, fmt.Errorf("role definition %q: assignableScopes[%d]: %w", d.ID, j, err)
			}
			d.AssignableScopes[j] = n
		}
		p.defs[key] = &d
	}
	for i, a := range assignments {
		def := p.defs[strings.ToLower(a.RoleDefinitionID)]
		if def == nil {
			return nil, fmt.Errorf("role assignment #%d: unknown role definition id %q", i+1, a.RoleDefinitionID)
		}
		if a.PrincipalID == "" {
			return nil, fmt.Errorf("role assignment #%d: missing principal id", i+1)
		}
		scope, err := NormalizeScope(a.Scope)
		if err != nil {
			return nil, fmt.Errorf("role assignment #%d: %w", i+1, err)
		}
		if !def.assignableAt(scope) {
			return nil, fmt.Errorf("role assignment #%d: scope %q is not inside the assignable scopes %q of role %q",
				i+1, scope, def.AssignableScopes, def.RoleName)
		}
		p.assignments = append(p.assignments, assignment{
			principal: strings.ToLower(a.PrincipalID), scope: segments(scope), def: def,
		})
	}
	return p, nil
}

func (d *Definition) assignableAt(scope string) bool {
	for _, s := range d.AssignableScopes {
		if ScopeCovers(s, scope) {
			return true
		}
	}
	return false
}

// Definition looks a definition up by id (case-insensitive).
func (p *Policy) Definition(id string) (Definition, bool) {
	d := p.defs[strings.ToLower(id)]
	if d == nil {
		return Definition{}, false
	}
	return *d, true
}

// Definitions returns every definition, built-ins first, then by id.
func (p *Policy) Definitions() []Definition {
	out := make([]Definition, 0, len(p.defs))
	for _, d := range p.defs {
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].Type == TypeBuiltIn) != (out[j].Type == TypeBuiltIn) {
			return out[i].Type == TypeBuiltIn
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Allowed reports whether principalID, or any of groups, holds an
// assignment at scope or above it whose definition grants action.
func (p *Policy) Allowed(principalID string, groups []string, action, scope string) bool {
	if p == nil {
		return false
	}
	n, err := NormalizeScope(scope)
	if err != nil {
		return false
	}
	res := segments(n)
	ids := make(map[string]bool, len(groups)+1)
	if principalID != "" {
		ids[strings.ToLower(principalID)] = true
	}
	for _, g := range groups {
		if g != "" {
			ids[strings.ToLower(g)] = true
		}
	}
	for _, a := range p.assignments {
		if ids[a.principal] && segmentPrefix(a.scope, res) && a.def.Grants(action) {
			return true
		}
	}
	return false
}

// NormalizeScope turns "/", "/dbs/D", "/dbs/D/colls/C" (leading slash
// optional, trailing slash ignored) or a fully qualified ARM scope
// ("…/databaseAccounts/ACCT/dbs/D") into the short form.
func NormalizeScope(s string) (string, error) {
	orig := s
	s = strings.TrimSpace(s)
	if i := strings.Index(strings.ToLower(s), "/providers/microsoft.documentdb/databaseaccounts/"); i >= 0 {
		rest := s[i+len("/providers/microsoft.documentdb/databaseaccounts/"):]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			s = rest[j:]
		} else {
			s = "/"
		}
	}
	s = strings.Trim(s, "/")
	if s == "" {
		return "/", nil
	}
	parts := strings.Split(s, "/")
	bad := func() (string, error) {
		return "", fmt.Errorf(`invalid scope %q: use "/", "/dbs/<database>" or "/dbs/<database>/colls/<container>"`, orig)
	}
	switch len(parts) {
	case 2:
		if parts[0] != "dbs" || parts[1] == "" {
			return bad()
		}
	case 4:
		if parts[0] != "dbs" || parts[1] == "" || parts[2] != "colls" || parts[3] == "" {
			return bad()
		}
	default:
		return bad()
	}
	return "/" + strings.Join(parts, "/"), nil
}

// ScopeCovers reports whether an assignment at outer applies to inner,
// comparing whole path segments ("/dbs/shop" covers "/dbs/shop/colls/x"
// but not "/dbs/shopping"). Both must be valid scopes.
func ScopeCovers(outer, inner string) bool {
	o, err := NormalizeScope(outer)
	if err != nil {
		return false
	}
	i, err := NormalizeScope(inner)
	if err != nil {
		return false
	}
	return segmentPrefix(segments(o), segments(i))
}

func segments(normalized string) []string {
	if normalized == "/" {
		return nil
	}
	return strings.Split(strings.TrimPrefix(normalized, "/"), "/")
}

// segmentPrefix compares names case-sensitively: Cosmos ids are case-sensitive.
func segmentPrefix(prefix, full []string) bool {
	if len(prefix) > len(full) {
		return false
	}
	for i := range prefix {
		if prefix[i] != full[i] {
			return false
		}
	}
	return true
}
