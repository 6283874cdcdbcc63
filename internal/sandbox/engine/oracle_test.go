package engine

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/oracletest"
)

// stripSystem removes the service's system properties from result documents.
func stripSystem(v *value) *value {
	if v == nil || v.kind != kindObject {
		return v
	}
	ob := newObj()
	for i, k := range v.keys {
		switch k {
		case "_rid", "_self", "_etag", "_attachments", "_ts":
			continue
		}
		ob.set(k, v.vals[i])
	}
	return ob.v
}

// oracleContainer is what the engine needs of an oracle container: its
// partition key, vector policy and documents.
type oracleContainer struct {
	pk   PartitionKeyDef
	vp   VectorPolicy
	docs []*Document
}

func loadOracleContainer(t *testing.T, td *oracletest.TestData, id string) oracleContainer {
	t.Helper()
	def := td.Container(id)
	var pk struct {
		Paths   []string `json:"paths"`
		Kind    string   `json:"kind"`
		Version int      `json:"version"`
	}
	if err := json.Unmarshal(def.PartitionKey, &pk); err != nil {
		t.Fatalf("container %s: partition key: %v", id, err)
	}
	oc := oracleContainer{pk: PartitionKeyDef{Paths: pk.Paths, Kind: pk.Kind, Version: pk.Version}}
	if len(def.VectorEmbeddingPolicy) > 0 {
		var vep struct {
			VectorEmbeddings []struct {
				Path             string `json:"path"`
				DataType         string `json:"dataType"`
				Dimensions       int    `json:"dimensions"`
				DistanceFunction string `json:"distanceFunction"`
			} `json:"vectorEmbeddings"`
		}
		if err := json.Unmarshal(def.VectorEmbeddingPolicy, &vep); err != nil {
			t.Fatalf("container %s: vector embedding policy: %v", id, err)
		}
		for _, e := range vep.VectorEmbeddings {
			oc.vp.Embeddings = append(oc.vp.Embeddings, VectorEmbedding{Path: e.Path, DataType: e.DataType, Dimensions: e.Dimensions, DistanceFunction: e.DistanceFunction})
		}
	}
	for _, raw := range td.Data {
		oc.docs = append(oc.docs, testDoc(t, string(raw)))
	}
	return oc
}

// TestOracle checks every query of the real-service oracle, both on one range
// and through the cross-partition path (plan, per-range rewritten queries,
// client-style merge) over 4 ranges.
func TestOracle(t *testing.T) {
	total := 0
	for _, s := range oracletest.Suites(t, oracletest.Dir(t)) {
		if s.TestData == nil {
			t.Fatalf("suite %s names no test data", s.Name)
		}
		var params []Param
		for _, p := range s.TestData.Parameters {
			params = append(params, Param{Name: p.Name, Value: p.Value})
		}
		tol := oracletest.RelTolerance(s.Name)
		for _, oq := range s.Queries {
			total++
			t.Run(s.Name+"/"+oq.Name, func(t *testing.T) {
				oc := loadOracleContainer(t, s.TestData, oq.Container)
				want := decodeRows(t, oq.Want)
				for i := range want {
					want[i] = stripSystem(want[i])
				}
				ordered := strings.Contains(strings.ToUpper(oq.SQL), "ORDER BY")
				for _, run := range []struct {
					name string
					rows []*value
				}{
					{"single", runSingleWithPolicy(t, oc.vp, oc.docs, oq.SQL, params)},
					{"cross", runCrossPartitionWithPolicy(t, oc.pk, oc.vp, oc.docs, oq.SQL, params, 4)},
				} {
					got := run.rows
					for i := range got {
						got[i] = stripSystem(got[i])
					}
					if !sameRowsTol(got, want, ordered, tol) {
						t.Errorf("%s: got %d rows %s\nwant %d rows %s", run.name, len(got), rowsString(got), len(want), rowsString(want))
					}
					if err := oracletest.CheckValidators(anyRows(t, got), oq.Validators); err != nil {
						t.Errorf("%s: validators %v: %v", run.name, oq.Validators, err)
					}
				}
			})
		}
	}
	if total == 0 {
		t.Fatal("oracle has no queries")
	}
}
