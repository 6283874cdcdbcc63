package seed

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// vectorSeed is a seed with one container whose body is the given members.
func vectorSeed(members string) string {
	return `{"databases":[{"id":"vec","containers":[{"id":"c","partitionKey":"/pk",` + members + `}]}]}`
}

func TestVectorPolicies(t *testing.T) {
	tests := []struct {
		name    string
		members string
		want    Container
	}{
		{"oracle spelling vectorIndex",
			`"indexingPolicy":{"vectorIndex":[{"path":"/embedding","type":"quantizedFlat"}]},` +
				`"vectorEmbeddingPolicy":{"vectorEmbeddings":[{"path":"/embedding","dataType":"float32","dimensions":128,"distanceFunction":"cosine"}]}`,
			Container{
				VectorEmbeddingPolicy: &VectorEmbeddingPolicy{VectorEmbeddings: []VectorEmbedding{{Path: "/embedding", DataType: "float32", Dimensions: 128, DistanceFunction: "cosine"}}},
				IndexingPolicy:        &IndexingPolicy{VectorIndexes: []VectorIndex{{Path: "/embedding", Type: "quantizedFlat"}}},
			}},
		{"service spelling vectorIndexes, other members ignored, defaults filled",
			`"indexingPolicy":{"indexingMode":"consistent","automatic":true,"includedPaths":[{"path":"/*"}],"excludedPaths":[],"vectorIndexes":[{"path":"/v/e","type":"diskANN"}]},` +
				`"vectorEmbeddingPolicy":{"vectorEmbeddings":[{"path":"/v/e","dimensions":3,"distanceFunction":"DotProduct"}]}`,
			Container{
				VectorEmbeddingPolicy: &VectorEmbeddingPolicy{VectorEmbeddings: []VectorEmbedding{{Path: "/v/e", DataType: "float32", Dimensions: 3, DistanceFunction: "dotproduct"}}},
				IndexingPolicy:        &IndexingPolicy{VectorIndexes: []VectorIndex{{Path: "/v/e", Type: "diskANN"}}},
			}},
		{"policy without an index",
			`"vectorEmbeddingPolicy":{"vectorEmbeddings":[{"path":"/e","dataType":"int8","dimensions":2}]}`,
			Container{VectorEmbeddingPolicy: &VectorEmbeddingPolicy{VectorEmbeddings: []VectorEmbedding{{Path: "/e", DataType: "int8", Dimensions: 2, DistanceFunction: "cosine"}}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse("seed.json", []byte(vectorSeed(tc.members)), nil)
			if err != nil {
				t.Fatal(err)
			}
			c := s.Databases[0].Containers[0]
			if !reflect.DeepEqual(c.VectorEmbeddingPolicy, tc.want.VectorEmbeddingPolicy) {
				t.Errorf("vectorEmbeddingPolicy = %+v, want %+v", c.VectorEmbeddingPolicy, tc.want.VectorEmbeddingPolicy)
			}
			if !reflect.DeepEqual(c.IndexingPolicy, tc.want.IndexingPolicy) {
				t.Errorf("indexingPolicy = %+v, want %+v", c.IndexingPolicy, tc.want.IndexingPolicy)
			}
			// What the seed writes back reads the same (the service's spelling).
			b, err := json.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want.IndexingPolicy != nil && !strings.Contains(string(b), `"indexingPolicy":{"vectorIndexes":[`) {
				t.Errorf("marshalled container %s", b)
			}
		})
	}
}

func TestVectorPolicyErrors(t *testing.T) {
	const pre = "seed.json: databases[0].containers[0]: "
	emb := func(e string) string { return `"vectorEmbeddingPolicy":{"vectorEmbeddings":[` + e + `]}` }
	tests := []struct {
		name, members, want string
	}{
		{"bad path", emb(`{"path":"embedding","dimensions":2}`),
			pre + `vectorEmbeddingPolicy.vectorEmbeddings[0]: path "embedding" is not a property path like "/embedding"`},
		{"duplicate path", emb(`{"path":"/e","dimensions":2},{"path":"/e","dimensions":3}`),
			pre + `vectorEmbeddingPolicy.vectorEmbeddings[1]: path "/e" appears twice`},
		{"partition key path", emb(`{"path":"/pk","dimensions":2}`),
			pre + `vectorEmbeddingPolicy.vectorEmbeddings[0]: path "/pk" is the partition key, which cannot be a vector`},
		{"bad data type", emb(`{"path":"/e","dimensions":2,"dataType":"float64"}`),
			pre + `vectorEmbeddingPolicy.vectorEmbeddings[0]: dataType "float64" is not float32, float16, int8 or uint8`},
		{"bad distance function", emb(`{"path":"/e","dimensions":2,"distanceFunction":"manhattan"}`),
			pre + `vectorEmbeddingPolicy.vectorEmbeddings[0]: distanceFunction "manhattan" is not cosine, dotproduct or euclidean`},
		{"no dimensions", emb(`{"path":"/e"}`),
			pre + `vectorEmbeddingPolicy.vectorEmbeddings[0]: dimensions must be between 1 and 4096, not 0`},
		{"index without policy", `"indexingPolicy":{"vectorIndexes":[{"path":"/e","type":"flat"}]}`,
			pre + `indexingPolicy.vectorIndexes[0]: path "/e" is not in the container's vectorEmbeddingPolicy`},
		{"bad index type", emb(`{"path":"/e","dimensions":2}`) + `,"indexingPolicy":{"vectorIndexes":[{"path":"/e","type":"hnsw"}]}`,
			pre + `indexingPolicy.vectorIndexes[0]: type "hnsw" is not flat, quantizedFlat or diskANN`},
		{"flat too wide", emb(`{"path":"/e","dimensions":1536}`) + `,"indexingPolicy":{"vectorIndexes":[{"path":"/e","type":"flat"}]}`,
			pre + `indexingPolicy.vectorIndexes[0]: a flat vector index allows at most 505 dimensions, and /e has 1536 (use quantizedFlat or diskANN)`},
		{"both spellings", `"indexingPolicy":{"vectorIndex":[],"vectorIndexes":[]}`,
			`seed.json: indexingPolicy has both "vectorIndexes" and "vectorIndex"; keep "vectorIndexes"`},
		{"unknown indexing member", `"indexingPolicy":{"vectorIndexs":[]}`,
			`seed.json: indexingPolicy has unknown member "vectorIndexs"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("seed.json", []byte(vectorSeed(tc.members)), nil)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error\n got: %v\nwant: %s", err, tc.want)
			}
		})
	}
}
