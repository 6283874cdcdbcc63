package cosmos

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/cosmosctl/cosmosctl/auth/claims"
	"github.com/cosmosctl/cosmosctl/internal/access"
	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// Target is what a failed operation addressed and who sent it: the
// context an explanation needs to name the resource and the principal
// and to build a least-privilege fix.
type Target struct {
	What      string // the operation, e.g. "query shop/orders"
	Endpoint  string // the account endpoint
	Database  string
	Container string
	// ResourceGroup is the profile's resource-group, for the az fix line.
	ResourceGroup string
	Principal     Principal
	// MayRead is set by the caller when a probe showed that the principal
	// may still read items by id after a query was refused.
	MayRead bool
	// Missing is "database" or "container" when the caller found out which
	// one a 404/1003 (owner resource does not exist) is about.
	Missing string
}

// Principal is the identity the token names.
type Principal struct {
	Name     string // UPN, or the application's name or id
	ObjectID string
	TenantID string
	// Groups is the number of group ids in the token; GroupsInToken is
	// false when the token carries no groups claim (not configured, or an
	// overage), so roles assigned to groups may not apply.
	Groups        int
	GroupsInToken bool
	GroupsOverage bool // Entra left the groups out (too many) and put a reference instead
	Known         bool // the token could be decoded
}

// who names the principal for messages: "alice@contoso.test
// (a1a1…)", else the object id the service named, else a generic phrase.
func (t Target) who(serviceOID string) string {
	p := t.Principal
	oid := cmp.Or(p.ObjectID, serviceOID)
	switch {
	case p.Name != "" && oid != "":
		return fmt.Sprintf("%s (object id %s)", p.Name, oid)
	case p.Name != "":
		return p.Name
	case oid != "":
		return "principal " + oid
	}
	return "the signed-in principal"
}

// scope is the narrowest data-plane scope containing what the operation
// addressed.
func (t Target) scope() access.Scope {
	if t.Database == "" {
		return access.Scope{}
	}
	return access.Scope{Database: t.Database, Container: t.Container}
}

// denialHint is the fix for a refused data action: the least built-in
// role granting it at the narrowest scope, for the token's object id, plus
// where to look next.
func (t Target) denialHint(f *Failure, d access.Denial, sc access.Scope) string {
	role := access.DataReaderID
	roleName := access.DataReaderName
	if a, ok := access.ActionNamed(d.Action); ok {
		role, roleName = a.RoleID, a.RoleName()
	}
	endpoint := cmp.Or(t.Endpoint, f.Host)
	fix := access.FixCommand(access.AccountName(endpoint), t.ResourceGroup, sc, cmp.Or(t.Principal.ObjectID, d.Principal), role)
	var b strings.Builder
	fmt.Fprintf(&b, "ask an owner of the account to grant %s at %s: `%s`", roleName, sc, fix)
	if note := t.Principal.GroupsNote(); note != "" {
		b.WriteString("; " + note)
	}
	b.WriteString("; see what you may do: `cosmosctl can-i --list`")
	return b.String()
}

// explainDenial explains a data-plane RBAC refusal (403/5301, 5302, 5303,
// 5400): who was refused which data action on what, and the least role
// that fixes it at the narrowest scope. A 5301 on the account read means
// the principal holds no readMetadata anywhere on the account; the fix is
// still scoped to what the command addressed, which is enough for it.
func explainDenial(err error, f *Failure, t Target, statusText string) error {
	d, _ := access.ParseDenial(f.Message)
	if d.Action == "" && f.SubStatus == "5301" {
		d.Action = access.ActionReadMetadata
	}
	who := t.who(d.Principal)
	sc := t.scope()
	if rs, ok := access.ScopeOfResource(d.Resource); ok && rs.Database != "" {
		sc = rs
	}
	hint := t.denialHint(f, d, sc)
	switch {
	case d.Action == access.ActionReadMetadata && (d.Resource == "/" || d.Resource == ""):
		return errs.New(errs.KindForbidden, err, hint,
			"%s: %s has no data-plane role that grants %s on this account, which every request needs first (%s)", t.What, who, d.Action, statusText)
	case d.Action == "":
		return errs.New(errs.KindForbidden, err, hint, "%s: %s was refused by data-plane RBAC (%s): %s", t.What, who, statusText, f.Message)
	}
	msg := fmt.Sprintf("%s: %s may not perform %s on %s (%s)", t.What, who, d.Action, cmp.Or(d.Resource, sc.String()), statusText)
	if t.MayRead && d.Action == access.ActionExecuteQuery {
		msg += "; point reads are allowed: `cosmosctl read ID --pk VALUE`"
	}
	return errs.New(errs.KindForbidden, err, hint, "%s", msg)
}

// missingOwner names what a 404/1003 says is missing, as precisely as the
// caller found out.
func (t Target) missingOwner() string {
	switch {
	case t.Missing == "database":
		return "database " + t.Database
	case t.Missing == "container":
		return fmt.Sprintf("container %s in database %s", t.Container, t.Database)
	case t.Database != "" && t.Container != "":
		return fmt.Sprintf("database %s or its container %s", t.Database, t.Container)
	case t.Database != "":
		return "database " + t.Database
	}
	return "the database or container"
}

// Explain is ExplainTarget after the follow-up the explanation needs, made
// with this client under a short deadline: which of database and container
// is missing on a 404/1003, and whether a principal refused a query may
// still read items. It never hides the original failure.
func (c *Client) Explain(ctx context.Context, err error, t Target) error {
	t.Endpoint = cmp.Or(t.Endpoint, c.Endpoint)
	t.ResourceGroup = cmp.Or(t.ResourceGroup, c.resourceGroup)
	f, ok := AsFailure(err)
	// Only refusals name the principal: decode the token for them alone.
	if ok && !t.Principal.Known && (f.Status == http.StatusUnauthorized || f.Status == http.StatusForbidden) {
		t.Principal = c.Principal(ctx)
	}
	if !ok || ctx.Err() != nil {
		return ExplainTarget(err, t)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	switch {
	case f.Status == http.StatusNotFound && f.SubStatus == "1003" && t.Database != "" && t.Container != "":
		if db, derr := c.NewDatabase(t.Database); derr == nil {
			_, rerr := db.Read(ctx, nil)
			if rf, ok := AsFailure(rerr); ok && rf.Status == http.StatusNotFound {
				t.Missing = "database"
			} else if rerr == nil {
				t.Missing = "container"
			}
		}
	case f.Status == http.StatusForbidden && f.SubStatus == "5302" && t.Container != "":
		if d, _ := access.ParseDenial(f.Message); d.Action == access.ActionExecuteQuery {
			read, _ := access.ActionNamed(access.ActionItemsRead)
			if o, perr := c.Probe(ctx, read, t.scope()); perr == nil {
				ans, _, _ := access.Decide(read, o)
				t.MayRead = ans == access.Yes
			}
		}
	}
	return ExplainTarget(err, t)
}

// Principal decodes the identity of the token this client sends (from the
// credential's cache: no sign-in, no network when a token is cached). A
// key client, or a token that cannot be had or decoded, gives the zero
// Principal: explanations then name only what the service said.
func (c *Client) Principal(ctx context.Context) Principal {
	if c.token == nil {
		return Principal{}
	}
	tk, err := c.token.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{c.scope}})
	if err != nil {
		return Principal{}
	}
	cl, err := claims.Decode(tk.Token)
	if err != nil {
		return Principal{}
	}
	return Principal{Name: cl.Principal(), ObjectID: cl.ObjectID, TenantID: cl.TenantID, Groups: len(cl.Groups), GroupsInToken: cl.Groups != nil,
		GroupsOverage: cl.GroupsOverage, Known: true}
}

// GroupsNote says when roles assigned to the principal's groups cannot
// apply to its token: a group overage, or no groups claim at all.
func (p Principal) GroupsNote() string {
	switch {
	case !p.Known || p.GroupsInToken:
		return ""
	case p.GroupsOverage:
		return "your token carries a group overage reference instead of your groups (you are in too many groups), so roles assigned to your groups do not apply to it"
	}
	return "your token carries no groups claim (the app registration emits none), so roles assigned to your groups may not apply"
}
