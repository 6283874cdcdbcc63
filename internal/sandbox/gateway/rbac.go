package gateway

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/cosmosctl/cosmosctl/internal/sandbox/rbac"
)

// Data actions the gateway checks, short names for the rbac package's
// constants (rbac.md §2) so the action strings are spelled in one place.
const (
	actReadMetadata   = rbac.ActionReadMetadata
	actItemsRead      = rbac.ActionItemsRead
	actItemsCreate    = rbac.ActionItemsCreate
	actItemsUpsert    = rbac.ActionItemsUpsert
	actItemsReplace   = rbac.ActionItemsReplace
	actItemsDelete    = rbac.ActionItemsDelete
	actExecuteQuery   = rbac.ActionExecuteQuery
	actReadChangeFeed = rbac.ActionReadChangeFeed
	actExecuteSproc   = rbac.ActionExecuteStoredProcedure
)

// .NET OperationType / ResourceType numbers quoted in 5302 messages
// (Create=0 and Document=2 are confirmed by a real message; the rest follow the
// .NET enums).
func operationType(action string) int {
	switch action {
	case actItemsCreate:
		return 0
	case actItemsRead:
		return 2
	case actReadChangeFeed:
		return 3
	case actItemsDelete:
		return 4
	case actItemsReplace:
		return 5
	case actExecuteQuery:
		return 15
	case actItemsUpsert:
		return 20
	}
	return -1
}

const resourceTypeDocument = 2

// allowed asks the Authorizer; key-authenticated requests bypass RBAC and a
// nil Authorizer allows everything.
func (g *Gateway) allowed(x *exchange, action, scope string) bool {
	if !x.aad || g.cfg.Authorizer == nil {
		return true
	}
	return g.cfg.Authorizer.Allowed(x.principal, x.groups, action, scope)
}

// authorize checks action on scope and sends the 403 when denied. resource is
// the name path quoted in the message ("dbs/D/colls/C").
func (g *Gateway) authorize(x *exchange, action, scope, resource string) bool {
	if g.allowed(x, action, scope) {
		return true
	}
	if action == actReadMetadata {
		if resource == "" {
			resource = "/"
		}
		x.fail(http.StatusForbidden, subMetadataDenied, "", g.blocked("Request is blocked because principal ["+x.principal+
			"] does not have required RBAC permissions to perform action ["+action+"] on resource ["+resource+"]. "+rbacLearnMore+"."+groupsSentence))
		return false
	}
	// The numbers are quoted only where the .NET enums give them (not for
	// stored procedures, whose numbers the sandbox does not know).
	types := ""
	if op := operationType(action); op >= 0 {
		types = " with OperationType [" + strconv.Itoa(op) + "] and ResourceType [" + strconv.Itoa(resourceTypeDocument) + "]"
	}
	text := "Request is blocked because principal [" + x.principal + "] does not have the required RBAC permissions to perform action [" +
		action + "]" + types + " on resource [" + resource + "]. " + rbacLearnMore + " " + groupsSentence
	// The service wraps data-action denials in its Errors envelope.
	errs, _ := json.Marshal(struct {
		Errors []string `json:"Errors"`
	}{[]string{text}})
	x.fail(http.StatusForbidden, subDataDenied, "", "Message: "+string(errs))
	return false
}

// allowedAnywhere implements the sandbox rule for the account read: readMetadata
// granted at the account, any database or any container passes (rbac.md §10).
func (g *Gateway) allowedAnywhere(x *exchange, action string) bool {
	if g.allowed(x, action, "/") {
		return true
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	for _, dbID := range g.order {
		db := g.dbs[dbID]
		if g.allowed(x, action, "/dbs/"+dbID) {
			return true
		}
		for _, cID := range db.order {
			if g.allowed(x, action, "/dbs/"+dbID+"/colls/"+cID) {
				return true
			}
		}
	}
	return false
}

func (g *Gateway) denyAnyScope(x *exchange) {
	x.fail(http.StatusForbidden, subMetadataDenied, "", g.blocked("Request is blocked because principal ["+x.principal+
		"] does not have required RBAC permissions to perform action ["+actReadMetadata+"] on any scope. "+rbacLearnMore+"."+groupsSentence))
}
