package cosmos

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// Database is one database of the account, as `db list` shows it.
type Database struct {
	ID           string
	LastModified time.Time // zero when the service did not say
}

// MarshalJSON writes {"id", "lastModified"} with the time in UTC to the
// second, and no lastModified when it is unknown.
func (d Database) MarshalJSON() ([]byte, error) {
	var lm string
	if !d.LastModified.IsZero() {
		lm = d.LastModified.UTC().Format("2006-01-02T15:04:05Z")
	}
	return json.Marshal(struct {
		ID           string `json:"id"`
		LastModified string `json:"lastModified,omitempty"`
	}{d.ID, lm})
}

// Container is one container of a database, as `container list` shows it.
type Container struct {
	ID           string
	PartitionKey azcosmos.PartitionKeyDefinition
	DefaultTTL   *int32 // nil: TTL off; -1: on without a default expiry
}

// MarshalJSON writes {"id", "partitionKey": "/a,/b", "kind", "defaultTtl"};
// the kind is the service's, empty when it sent none.
func (c Container) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID           string `json:"id"`
		PartitionKey string `json:"partitionKey"`
		Kind         string `json:"kind"`
		DefaultTTL   *int32 `json:"defaultTtl,omitempty"`
	}{c.ID, strings.Join(c.PartitionKey.Paths, ","), string(c.PartitionKey.Kind), c.DefaultTTL})
}

// Databases lists the account's databases. On a failure it returns the
// databases listed before it together with the explained error, so a
// caller can show what it got.
func (c *Client) Databases(ctx context.Context) ([]Database, error) {
	var out []Database
	pager := c.NewQueryDatabasesPager("SELECT * FROM root", nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return out, c.Explain(ctx, err, Target{What: "list databases"})
		}
		for _, d := range page.Databases {
			out = append(out, Database{ID: d.ID, LastModified: d.LastModified})
		}
	}
	return out, nil
}

// Containers lists the containers of database db. On a failure it
// returns the containers listed before it together with the explained
// error.
func (c *Client) Containers(ctx context.Context, db string) ([]Container, error) {
	dbc, err := c.NewDatabase(db)
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", db, err)
	}
	var out []Container
	pager := dbc.NewQueryContainersPager("SELECT * FROM root", nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return out, c.Explain(ctx, err, Target{What: "list containers of " + db, Database: db})
		}
		for _, p := range page.Containers {
			out = append(out, Container{ID: p.ID, PartitionKey: p.PartitionKeyDefinition, DefaultTTL: p.DefaultTimeToLive})
		}
	}
	return out, nil
}

// ContainerDescription is what `container show` tells about a container.
// Its JSON is the command's output.
type ContainerDescription struct {
	ID                 string
	Database           string
	PartitionKey       PartitionKeyInfo
	PhysicalPartitions int
	DefaultTTL         *int32           // nil: off; -1: on without a default expiry
	Indexing           *IndexingSummary // nil when the service sent no policy
	UniqueKeys         [][]string
	// Throughput says why it is not shown: offers are management
	// operations that Entra ID tokens may not read on the data plane.
	Throughput string
}

// PartitionKeyInfo is a container's partition key definition, the kind
// defaulted to Hash as the service does.
type PartitionKeyInfo struct {
	Kind    string   `json:"kind"`
	Paths   []string `json:"paths"`
	Version int      `json:"version"`
}

// IndexingSummary summarises an indexing policy.
type IndexingSummary struct {
	Mode             string   `json:"mode"`
	Automatic        bool     `json:"automatic"`
	IncludedPaths    []string `json:"includedPaths"`
	ExcludedPaths    []string `json:"excludedPaths"`
	CompositeIndexes int      `json:"compositeIndexes"`
	SpatialIndexes   int      `json:"spatialIndexes"`
	VectorIndexes    int      `json:"vectorIndexes,omitempty"`
}

// MarshalJSON writes the description with the TTL in words ("off",
// "on (no default expiry)") or as its number of seconds.
func (d ContainerDescription) MarshalJSON() ([]byte, error) {
	var ttl any
	switch {
	case d.DefaultTTL == nil:
		ttl = "off"
	case *d.DefaultTTL == -1:
		ttl = "on (no default expiry)"
	default:
		ttl = *d.DefaultTTL
	}
	return json.Marshal(struct {
		ID                 string           `json:"id"`
		Database           string           `json:"database"`
		PartitionKey       PartitionKeyInfo `json:"partitionKey"`
		PhysicalPartitions int              `json:"physicalPartitions"`
		DefaultTTL         any              `json:"defaultTtl"`
		Indexing           *IndexingSummary `json:"indexing,omitempty"`
		UniqueKeys         [][]string       `json:"uniqueKeys,omitempty"`
		Throughput         string           `json:"throughput"`
	}{d.ID, d.Database, d.PartitionKey, d.PhysicalPartitions, ttl, d.Indexing, d.UniqueKeys, d.Throughput})
}

// DescribeContainer reads container coll of database db and counts its
// physical partition ranges. A missing container is a not-found error
// that says how to list the existing ones.
func (c *Client) DescribeContainer(ctx context.Context, db, coll string) (ContainerDescription, error) {
	what := fmt.Sprintf("show container %s/%s", db, coll)
	ctr, err := c.NewContainer(db, coll)
	if err != nil {
		return ContainerDescription{}, fmt.Errorf("container %s/%s: %w", db, coll, err)
	}
	resp, err := ctr.Read(ctx, nil)
	if err != nil {
		if fl, ok := AsFailure(err); ok && fl.Status == 404 {
			return ContainerDescription{}, errs.New(errs.KindNotFound, err, fmt.Sprintf("list them with `cosmosctl container list -d %s`", db), "container %q not found in database %q", coll, db)
		}
		return ContainerDescription{}, c.Explain(ctx, err, Target{What: what, Database: db, Container: coll})
	}
	props := resp.ContainerProperties
	ranges, err := c.PartitionKeyRanges(ctx, db, coll)
	if err != nil {
		return ContainerDescription{}, c.Explain(ctx, err, Target{What: what, Database: db, Container: coll})
	}
	pkd := props.PartitionKeyDefinition
	kind := string(pkd.Kind)
	if kind == "" {
		kind = "Hash"
	}
	out := ContainerDescription{ID: props.ID, Database: db, PhysicalPartitions: len(ranges),
		PartitionKey: PartitionKeyInfo{Kind: kind, Paths: pkd.Paths, Version: pkd.Version},
		DefaultTTL:   props.DefaultTimeToLive}
	if ip := props.IndexingPolicy; ip != nil {
		ix := &IndexingSummary{Mode: string(ip.IndexingMode), Automatic: ip.Automatic,
			CompositeIndexes: len(ip.CompositeIndexes), SpatialIndexes: len(ip.SpatialIndexes), VectorIndexes: len(ip.VectorIndexes),
			IncludedPaths: []string{}, ExcludedPaths: []string{}}
		for _, p := range ip.IncludedPaths {
			ix.IncludedPaths = append(ix.IncludedPaths, p.Path)
		}
		for _, p := range ip.ExcludedPaths {
			ix.ExcludedPaths = append(ix.ExcludedPaths, p.Path)
		}
		out.Indexing = ix
	}
	if uk := props.UniqueKeyPolicy; uk != nil {
		for _, k := range uk.UniqueKeys {
			out.UniqueKeys = append(out.UniqueKeys, k.Paths)
		}
	}
	// Offers (throughput) are management operations: tokens get 403/5300,
	// so cosmosctl does not ask; keys could, but the answer belongs to ARM.
	if c.Method == "key" {
		out.Throughput = "not read (use `az cosmosdb sql container throughput show`)"
	} else {
		out.Throughput = "not available to Entra ID tokens on the data plane (403/5300); use `az cosmosdb sql container throughput show`"
	}
	return out, nil
}
