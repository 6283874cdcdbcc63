package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/cosmosctl/cosmosctl/internal/access"
	"github.com/cosmosctl/cosmosctl/internal/audit"
	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/query"
)

// Tool inputs and outputs: their JSON schemas are generated from these
// types, the descriptions from the jsonschema tags.

type noInput struct{}

// WhoamiOutput is the whoami tool's result.
type WhoamiOutput struct {
	Profile     string   `json:"profile"`
	Endpoint    string   `json:"endpoint"`
	UPN         string   `json:"upn,omitempty" jsonschema:"the user's sign-in name (users)"`
	AppID       string   `json:"app_id,omitempty" jsonschema:"the application id (service principals, managed identities)"`
	DisplayName string   `json:"display_name,omitempty"`
	ObjectID    string   `json:"object_id" jsonschema:"the principal id RBAC role assignments name"`
	TenantID    string   `json:"tenant_id"`
	Method      string   `json:"method" jsonschema:"how the profile signs in: devicecode, azurecli, serviceprincipal, managedidentity, workloadidentity, env"`
	ExpiresOn   string   `json:"expires_on,omitempty" jsonschema:"when the current token expires (RFC 3339)"`
	Roles       []string `json:"roles,omitempty"`
}

type databasesOutput struct {
	Databases []databaseInfo `json:"databases"`
}

type databaseInfo struct {
	ID           string `json:"id"`
	LastModified string `json:"last_modified,omitempty"`
}

type containersInput struct {
	Database string `json:"database" jsonschema:"the database (see list_databases)"`
}

type containersOutput struct {
	Database   string          `json:"database"`
	Containers []containerInfo `json:"containers"`
}

type containerInfo struct {
	ID           string   `json:"id"`
	PartitionKey []string `json:"partition_key" jsonschema:"the partition key paths (more than one: hierarchical)"`
	Kind         string   `json:"kind,omitempty"`
	DefaultTTL   *int32   `json:"default_ttl,omitempty"`
}

type containerInput struct {
	Database  string `json:"database" jsonschema:"the database (see list_databases)"`
	Container string `json:"container" jsonschema:"the container (see list_containers)"`
}

// DescribeOutput is the describe_container tool's result.
type DescribeOutput struct {
	Database              string                  `json:"database"`
	Container             string                  `json:"container"`
	PartitionKey          cosmos.PartitionKeyInfo `json:"partition_key"`
	PhysicalPartitions    int                     `json:"physical_partitions"`
	DefaultTTL            *int32                  `json:"default_ttl,omitempty"`
	UniqueKeys            [][]string              `json:"unique_keys,omitempty"`
	IndexingPolicy        any                     `json:"indexing_policy,omitempty" jsonschema:"the indexing policy as the service holds it"`
	VectorEmbeddingPolicy any                     `json:"vector_embedding_policy,omitempty"`
	FullTextPolicy        any                     `json:"full_text_policy,omitempty"`
	Schema                Schema                  `json:"schema" jsonschema:"fields seen in a small sample of items: an approximation, not a contract"`
}

type queryInput struct {
	Database     string         `json:"database" jsonschema:"the database"`
	Container    string         `json:"container" jsonschema:"the container"`
	SQL          string         `json:"sql" jsonschema:"a Cosmos DB for NoSQL query, e.g. SELECT c.id, c.total FROM c WHERE c.status = @status"`
	Parameters   map[string]any `json:"parameters,omitempty" jsonschema:"query parameters by name (with or without the @), any JSON values"`
	PartitionKey any            `json:"partition_key,omitempty" jsonschema:"run in this logical partition only (cheaper): a JSON value, an array for hierarchical keys; omit to query across partitions"`
	MaxItems     int            `json:"max_items,omitempty" jsonschema:"stop after this many items (default 100; the server caps it)"`
	Continuation string         `json:"continuation,omitempty" jsonschema:"the continuation of a previous call with the same query, to get the next page"`
}

// QueryOutput is the query tool's result.
type QueryOutput struct {
	Items         []any   `json:"items"`
	Count         int     `json:"count"`
	Continuation  string  `json:"continuation,omitempty" jsonschema:"more results exist: pass this back with the same query"`
	StoppedBy     string  `json:"stopped_by,omitempty" jsonschema:"why this page ended early: max_items or max_bytes"`
	RequestCharge float64 `json:"request_charge" jsonschema:"request units this call spent"`
}

type readInput struct {
	Database     string `json:"database"`
	Container    string `json:"container"`
	ID           string `json:"id" jsonschema:"the item id"`
	PartitionKey any    `json:"partition_key" jsonschema:"the item's partition key value (an array for hierarchical keys)"`
}

type readOutput struct {
	Item          any     `json:"item"`
	ETag          string  `json:"etag,omitempty"`
	RequestCharge float64 `json:"request_charge"`
}

type canIInput struct {
	Action string `json:"action" jsonschema:"an action: read, query, readmetadata, changefeed, create, upsert, replace, delete, … or a full data action name or a wildcard (items/*)"`
	Scope  string `json:"scope,omitempty" jsonschema:"/, /dbs/DB or /dbs/DB/colls/CONTAINER (default /)"`
}

// CanIOutput is the can_i tool's result.
type CanIOutput struct {
	Answer  string       `json:"answer" jsonschema:"yes, no or unknown"`
	Scope   string       `json:"scope"`
	Results []canIResult `json:"results"`
}

type canIResult struct {
	Action     string `json:"action"`
	DataAction string `json:"data_action"`
	Answer     string `json:"answer"`
	Reason     string `json:"reason"`
	Missing    string `json:"missing,omitempty" jsonschema:"the data action the service said is missing"`
	Fix        string `json:"fix,omitempty" jsonschema:"the role assignment an account owner can run to grant it"`
}

type explainInput struct {
	Database     string         `json:"database"`
	Container    string         `json:"container"`
	SQL          string         `json:"sql"`
	Parameters   map[string]any `json:"parameters,omitempty"`
	PartitionKey any            `json:"partition_key,omitempty" jsonschema:"explain in this logical partition: adds the index metrics of a one-item run"`
}

// ExplainOutput is the explain tool's result.
type ExplainOutput struct {
	Plan          any                `json:"plan" jsonschema:"the gateway's query plan: how cosmosctl merges across partitions (order by, aggregates, group by, distinct, top) and the partition ranges it reads"`
	IndexMetrics  []any              `json:"index_metrics,omitempty" jsonschema:"utilised and potential indexes (single partition only)"`
	QueryMetrics  map[string]float64 `json:"query_metrics,omitempty"`
	RequestCharge float64            `json:"request_charge"`
}

func (s *Server) addTools() {
	addTool(s, "whoami", "Who am I",
		"Show the Microsoft Entra ID identity this server acts as: user or application, object id, tenant, sign-in method and token expiry. Cosmos DB RBAC decides what it may read.",
		s.whoami)
	addTool(s, "list_databases", "List databases",
		"List the databases of the Cosmos DB account that this server exposes.",
		s.listDatabases)
	addTool(s, "list_containers", "List containers",
		"List the containers of a database with their partition key paths.",
		s.listContainers)
	addTool(s, "describe_container", "Describe a container",
		"Describe a container: partition key, indexing policy, vector and full-text policies, physical partitions, and an approximate schema (field paths, JSON types, how often present) inferred from a sample of up to 20 items. Use it before writing a query.",
		s.describe)
	addTool(s, "query", "Query items",
		"Run a read-only Cosmos DB for NoSQL SQL query. Works across partitions (ORDER BY, GROUP BY, aggregates, DISTINCT, TOP, OFFSET/LIMIT are merged client-side); pass partition_key to stay in one logical partition, which is cheaper. Returns up to max_items items and a continuation when more exist; pass it back with the same query for the next page.",
		s.query)
	addTool(s, "read_item", "Read an item",
		"Read one item by id and partition key (a point read: the cheapest way to get one item).",
		s.readItem)
	addTool(s, "can_i", "Check a permission",
		"Check whether this identity may perform a Cosmos DB data action at a scope, by harmless probes that never change data. Answers yes, no or unknown with the reason and, on no, the role assignment that would grant it.",
		s.canI)
	addTool(s, "explain", "Explain a query",
		"Show how a query runs: the gateway's query plan (what cosmosctl merges across partitions, which ranges it reads) and, with a partition_key, the index metrics (which indexes the query used and which would help).",
		s.explain)
}

func (s *Server) whoami(ctx context.Context, c *call, _ context.CancelCauseFunc, _ noInput) (WhoamiOutput, error) {
	id, err := s.o.Whoami(ctx)
	if err != nil {
		return WhoamiOutput{}, err
	}
	if id.Method == "key" && !s.o.AllowKey {
		return WhoamiOutput{}, errKeyRefused()
	}
	out := WhoamiOutput{Profile: id.Profile, Endpoint: id.Endpoint, UPN: id.UPN, AppID: id.AppID, DisplayName: id.DisplayName,
		ObjectID: id.ObjectID, TenantID: id.TenantID, Method: id.Method, Roles: id.Roles}
	if !id.ExpiresOn.IsZero() {
		out.ExpiresOn = id.ExpiresOn.UTC().Format(time.RFC3339)
	}
	return out, nil
}

func (s *Server) listDatabases(ctx context.Context, c *call, _ context.CancelCauseFunc, _ noInput) (databasesOutput, error) {
	client, err := s.client(ctx)
	if err != nil {
		return databasesOutput{}, err
	}
	dbs, err := client.Databases(ctx)
	if err != nil {
		return databasesOutput{}, err
	}
	out := databasesOutput{Databases: []databaseInfo{}}
	for _, d := range dbs {
		if !s.databaseVisible(d.ID) {
			continue
		}
		info := databaseInfo{ID: d.ID}
		if !d.LastModified.IsZero() {
			info.LastModified = d.LastModified.UTC().Format(time.RFC3339)
		}
		out.Databases = append(out.Databases, info)
	}
	c.items = len(out.Databases)
	return out, nil
}

func (s *Server) listContainers(ctx context.Context, c *call, _ context.CancelCauseFunc, in containersInput) (containersOutput, error) {
	c.database = in.Database
	if err := s.checkDatabase(in.Database); err != nil {
		return containersOutput{}, err
	}
	client, err := s.client(ctx)
	if err != nil {
		return containersOutput{}, err
	}
	cs, err := client.Containers(ctx, in.Database)
	if err != nil {
		return containersOutput{}, err
	}
	out := containersOutput{Database: in.Database, Containers: []containerInfo{}}
	for _, ct := range cs {
		if !s.containerVisible(in.Database, ct.ID) {
			continue
		}
		out.Containers = append(out.Containers, containerInfo{ID: ct.ID, PartitionKey: ct.PartitionKey.Paths,
			Kind: string(ct.PartitionKey.Kind), DefaultTTL: ct.DefaultTTL})
	}
	c.items = len(out.Containers)
	return out, nil
}

// sampleSize is how many items describe_container infers the schema from.
const sampleSize = 20

func (s *Server) describe(ctx context.Context, c *call, stop context.CancelCauseFunc, in containerInput) (DescribeOutput, error) {
	c.database, c.container = in.Database, in.Container
	if err := s.checkContainer(in.Database, in.Container); err != nil {
		return DescribeOutput{}, err
	}
	client, err := s.client(ctx)
	if err != nil {
		return DescribeOutput{}, err
	}
	desc, err := client.DescribeContainer(ctx, in.Database, in.Container)
	if err != nil {
		return DescribeOutput{}, err
	}
	out := DescribeOutput{Database: in.Database, Container: desc.ID, PartitionKey: desc.PartitionKey,
		PhysicalPartitions: desc.PhysicalPartitions, DefaultTTL: desc.DefaultTTL, UniqueKeys: desc.UniqueKeys}
	// The description summarises the indexing policy; an agent writing a
	// vector or full-text query needs the policies themselves.
	if ctr, err := client.NewContainer(in.Database, in.Container); err == nil {
		resp, err := ctr.Read(ctx, nil)
		if err != nil {
			return DescribeOutput{}, client.Explain(ctx, err, s.target("describe container", in.Database, in.Container))
		}
		c.addCharge(float64(resp.RequestCharge))
		p := resp.ContainerProperties
		out.IndexingPolicy = asJSONValue(p.IndexingPolicy)
		out.VectorEmbeddingPolicy = asJSONValue(p.VectorEmbeddingPolicy)
		out.FullTextPolicy = asJSONValue(p.FullTextPolicy)
	}
	var sample []any
	spec := query.Spec{Database: in.Database, Container: in.Container, Query: fmt.Sprintf("SELECT TOP %d * FROM c", sampleSize), MaxItems: sampleSize}
	if _, err := s.run(ctx, c, stop, client, spec, func(v any) { sample = append(sample, v) }); err != nil {
		return DescribeOutput{}, err
	}
	out.Schema = inferSchema(sample)
	return out, nil
}

// asJSONValue turns an SDK policy into plain JSON values (nil stays nil).
func asJSONValue(v any) any {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return nil
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	return out
}

func (s *Server) target(what, db, coll string) cosmos.Target {
	return cosmos.Target{What: fmt.Sprintf("%s %s/%s", what, db, coll), Database: db, Container: coll, ResourceGroup: s.o.ResourceGroup}
}

// querySpec checks and builds the Spec of a query or explain call.
func (s *Server) querySpec(c *call, db, coll, sql string, params map[string]any, pk any) (query.Spec, error) {
	c.database, c.container = db, coll
	if err := s.checkContainer(db, coll); err != nil {
		return query.Spec{}, err
	}
	sql = strings.TrimSpace(sql)
	if sql == "" {
		return query.Spec{}, errs.Usage("sql is empty: give a query such as SELECT * FROM c")
	}
	if err := s.checkRedactedReferences(sql); err != nil {
		return query.Spec{}, err
	}
	c.queryHash = audit.HashText(sql)
	spec := query.Spec{Database: db, Container: coll, Query: sql}
	var err error
	if spec.Params, err = buildParams(params); err != nil {
		return query.Spec{}, err
	}
	for _, p := range spec.Params {
		c.params = append(c.params, p.Name)
	}
	if pk != nil {
		key, err := partitionKey(pk)
		if err != nil {
			return query.Spec{}, err
		}
		k := key.SDK()
		spec.PartitionKey, spec.PartitionKeyJSON = &k, key.JSON()
		c.pkHash = audit.HashText(key.JSON())
	}
	return spec, nil
}

// buildParams turns the parameters object into query parameters the way
// --param does (@name=JSON), sorted by name so a continuation matches.
func buildParams(params map[string]any) ([]azcosmos.QueryParameter, error) {
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	sort.Strings(names)
	var flags []string
	for _, k := range names {
		b, err := json.Marshal(params[k])
		if err != nil {
			return nil, errs.Usage("parameter %s: %v", k, err)
		}
		name := k
		if !strings.HasPrefix(name, "@") {
			name = "@" + name
		}
		flags = append(flags, name+"="+string(b))
	}
	return cosmos.ParseParams(flags, "")
}

// partitionKey parses a JSON partition key value as --pk does.
func partitionKey(v any) (cosmos.PartitionKey, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return cosmos.PartitionKey{}, errs.Usage("partition_key: %v", err)
	}
	return cosmos.ParsePartitionKey(string(b))
}

// run executes spec through the query pipeline with the call's budgets,
// handing each row (decoded, redacted) to take.
func (s *Server) run(ctx context.Context, c *call, stop context.CancelCauseFunc, client *cosmos.Client, spec query.Spec, take func(any)) (*query.Outcome, error) {
	c.mu.Lock()
	base := c.charge
	c.mu.Unlock()
	spec.OnCharge = s.watch(c, base, stop)
	runner := &query.Runner{Backend: query.NewCosmosBackend(client)}
	out, err := runner.Run(ctx, spec, func(row json.RawMessage) error {
		v, err := decodeJSON(row)
		if err != nil {
			return fmt.Errorf("decode a result: %w", err)
		}
		redactValue(v, s.redact)
		take(v)
		return nil
	})
	if out != nil {
		c.addCharge(out.Stats.Charge)
	}
	if err != nil {
		var ue *query.UsageError
		if errors.As(err, &ue) {
			return out, errs.Usage("%s", ue.Msg)
		}
		return out, client.Explain(ctx, err, s.target("query", spec.Database, spec.Container))
	}
	return out, nil
}

// decodeJSON decodes keeping numbers exact.
func decodeJSON(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}

func (s *Server) query(ctx context.Context, c *call, stop context.CancelCauseFunc, in queryInput) (QueryOutput, error) {
	spec, err := s.querySpec(c, in.Database, in.Container, in.SQL, in.Parameters, in.PartitionKey)
	if err != nil {
		return QueryOutput{}, err
	}
	switch {
	case in.MaxItems < 0:
		return QueryOutput{}, errs.Usage("max_items must be positive")
	case in.MaxItems == 0:
		spec.MaxItems = min(DefaultItems, s.o.MaxItems)
	default:
		spec.MaxItems = min(in.MaxItems, s.o.MaxItems)
	}
	spec.MaxBytes = s.o.MaxBytes
	spec.Continuation = strings.TrimSpace(in.Continuation)
	client, err := s.client(ctx)
	if err != nil {
		return QueryOutput{}, err
	}
	out := QueryOutput{Items: []any{}}
	res, err := s.run(ctx, c, stop, client, spec, func(v any) { out.Items = append(out.Items, v) })
	c.items = len(out.Items)
	if err != nil {
		return QueryOutput{}, err
	}
	out.Count = len(out.Items)
	out.RequestCharge = res.Stats.Charge
	if out.Continuation = res.Continuation; out.Continuation != "" {
		out.StoppedBy = "max_items"
		if out.Count < spec.MaxItems {
			out.StoppedBy = "max_bytes"
		}
	}
	return out, nil
}

func (s *Server) readItem(ctx context.Context, c *call, _ context.CancelCauseFunc, in readInput) (readOutput, error) {
	c.database, c.container = in.Database, in.Container
	if err := s.checkContainer(in.Database, in.Container); err != nil {
		return readOutput{}, err
	}
	if in.ID == "" {
		return readOutput{}, errs.Usage("id is empty")
	}
	if in.PartitionKey == nil {
		return readOutput{}, errs.Usage("partition_key is required: the item's partition key value")
	}
	pk, err := partitionKey(in.PartitionKey)
	if err != nil {
		return readOutput{}, err
	}
	c.pkHash = audit.HashText(pk.JSON())
	client, err := s.client(ctx)
	if err != nil {
		return readOutput{}, err
	}
	doc, meta, err := client.ReadItem(ctx, in.Database, in.Container, in.ID, pk)
	if err != nil {
		return readOutput{}, client.Explain(ctx, err, s.target("read item in", in.Database, in.Container))
	}
	c.addCharge(float64(meta.RequestCharge))
	v, err := decodeJSON(doc)
	if err != nil {
		return readOutput{}, fmt.Errorf("decode item %q: %w", in.ID, err)
	}
	redactValue(v, s.redact)
	c.items = 1
	return readOutput{Item: v, ETag: meta.ETag, RequestCharge: float64(meta.RequestCharge)}, nil
}

func (s *Server) canI(ctx context.Context, c *call, _ context.CancelCauseFunc, in canIInput) (CanIOutput, error) {
	actions, err := access.ParseAction(in.Action)
	if err != nil {
		return CanIOutput{}, errs.Usage("%v (actions: %s)", err, strings.Join(access.Verbs(), ", "))
	}
	scope := access.Scope{}
	if strings.TrimSpace(in.Scope) != "" {
		if scope, err = access.ParseScope(in.Scope); err != nil {
			return CanIOutput{}, errs.Usage("%v", err)
		}
	}
	c.database, c.container = scope.Database, scope.Container
	switch {
	case scope.Database == "" && len(s.o.Allow) > 0:
		return CanIOutput{}, errs.New(errs.KindForbidden, nil, "ask about a database or container this server exposes, e.g. /dbs/DB/colls/CONTAINER",
			"the account scope / is not exposed by this server (--allow)")
	case scope.Container != "":
		err = s.checkContainer(scope.Database, scope.Container)
	case scope.Database != "":
		err = s.checkDatabase(scope.Database)
	}
	if err != nil {
		return CanIOutput{}, err
	}
	client, err := s.client(ctx)
	if err != nil {
		return CanIOutput{}, err
	}
	results, err := access.Check(ctx, client, actions, scope)
	if err != nil {
		var na *access.NotAnswerError
		if errors.As(err, &na) {
			return CanIOutput{}, errs.New(errs.KindAuth, err, "sign in again: `cosmosctl login`", "can-i %s on %s: %v", na.Action.Verb, scope, err)
		}
		return CanIOutput{}, cosmos.Explain(err, "can-i on "+scope.String())
	}
	account := access.AccountName(client.Endpoint)
	out := CanIOutput{Answer: access.Yes.String(), Scope: scope.String()}
	for _, r := range results {
		row := canIResult{Action: r.Action.Verb, DataAction: r.Action.Name, Answer: r.Answer.String(), Reason: r.Reason, Missing: r.Missing}
		switch r.Answer {
		case access.No:
			row.Fix = r.Fix(account, s.o.ResourceGroup, r.Principal)
			out.Answer = access.No.String()
		case access.Unknown:
			if out.Answer != access.No.String() {
				out.Answer = access.Unknown.String()
			}
		}
		out.Results = append(out.Results, row)
	}
	c.items = len(out.Results)
	return out, nil
}

func (s *Server) explain(ctx context.Context, c *call, stop context.CancelCauseFunc, in explainInput) (ExplainOutput, error) {
	spec, err := s.querySpec(c, in.Database, in.Container, in.SQL, in.Parameters, in.PartitionKey)
	if err != nil {
		return ExplainOutput{}, err
	}
	client, err := s.client(ctx)
	if err != nil {
		return ExplainOutput{}, err
	}
	plan, cost, err := query.NewCosmosBackend(client).Plan(ctx, spec)
	c.addCharge(cost.Charge)
	if err != nil {
		return ExplainOutput{}, client.Explain(ctx, err, s.target("explain query", in.Database, in.Container))
	}
	out := ExplainOutput{Plan: asJSONValue(plan)}
	if spec.PartitionKey != nil {
		// One item is enough for the service to report the indexes.
		spec.MaxItems, spec.IndexMetrics = 1, true
		res, err := s.run(ctx, c, stop, client, spec, func(any) {})
		if err != nil {
			return ExplainOutput{}, err
		}
		for _, r := range res.Stats.Ranges {
			for _, im := range r.IndexMetrics {
				if v, err := decodeJSON(im); err == nil {
					out.IndexMetrics = append(out.IndexMetrics, v)
				}
			}
			if len(r.Metrics) > 0 {
				out.QueryMetrics = r.Metrics
			}
		}
	}
	c.mu.Lock()
	out.RequestCharge = c.charge
	c.mu.Unlock()
	return out, nil
}
