package seed

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// maxVectorDimensions is the service's limit for a vector embedding, and
// maxFlatDimensions the limit of a flat vector index.
const (
	maxVectorDimensions = 4096
	maxFlatDimensions   = 505
)

// VectorEmbeddingPolicy is a container's vectorEmbeddingPolicy, in the
// service's shape: the vector properties, their data type, dimensions and
// the distance function VectorDistance uses by default.
type VectorEmbeddingPolicy struct {
	VectorEmbeddings []VectorEmbedding `json:"vectorEmbeddings"`
}

// VectorEmbedding is one vector property.
type VectorEmbedding struct {
	Path             string `json:"path"`
	DataType         string `json:"dataType"`         // float32 (default), float16, int8, uint8
	Dimensions       int    `json:"dimensions"`       // 1…4096
	DistanceFunction string `json:"distanceFunction"` // cosine (default), dotproduct, euclidean
}

// IndexingPolicy is the part of a container's indexing policy the sandbox
// keeps: its vector indexes (it does not index otherwise, so the other
// members of the service's indexing policy are accepted and ignored).
type IndexingPolicy struct {
	VectorIndexes []VectorIndex `json:"vectorIndexes,omitempty"`
}

// VectorIndex is one entry of indexingPolicy.vectorIndexes.
type VectorIndex struct {
	Path string `json:"path"`
	Type string `json:"type"` // flat, quantizedFlat, diskANN
}

// isIndexingPolicyMember reports the service's other indexing policy members.
func isIndexingPolicyMember(k string) bool {
	switch k {
	case "indexingMode", "automatic", "includedPaths", "excludedPaths", "compositeIndexes", "spatialIndexes", "fullTextIndexes":
		return true
	}
	return false
}

// UnmarshalJSON reads the service's "vectorIndexes" and also "vectorIndex",
// the spelling of the oracle's vectorTestData.json.
func (p *IndexingPolicy) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("indexingPolicy must be an object: %w", err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var list json.RawMessage
	for _, k := range keys {
		switch {
		case k == "vectorIndexes" || k == "vectorIndex":
			if list != nil {
				return errors.New(`indexingPolicy has both "vectorIndexes" and "vectorIndex"; keep "vectorIndexes"`)
			}
			list = m[k]
		case !isIndexingPolicyMember(k):
			return fmt.Errorf("indexingPolicy has unknown member %q", k)
		}
	}
	*p = IndexingPolicy{}
	if list == nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(list))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p.VectorIndexes); err != nil {
		return fmt.Errorf("indexingPolicy.vectorIndexes: %w", err)
	}
	return nil
}

// validateVectors checks the vector policy and the vector indexes, and
// fills in the defaults (float32, cosine) as the service does.
func (c *Container) validateVectors() error {
	paths := map[string]int{} // vector path → dimensions
	if c.VectorEmbeddingPolicy != nil {
		for i := range c.VectorEmbeddingPolicy.VectorEmbeddings {
			e := &c.VectorEmbeddingPolicy.VectorEmbeddings[i]
			where := fmt.Sprintf("vectorEmbeddingPolicy.vectorEmbeddings[%d]", i)
			if err := checkPropertyPath(e.Path); err != nil {
				return fmt.Errorf("%s: path %w", where, err)
			}
			if _, dup := paths[e.Path]; dup {
				return fmt.Errorf("%s: path %q appears twice", where, e.Path)
			}
			for _, pk := range c.PartitionKey.Paths {
				if pk == e.Path {
					return fmt.Errorf("%s: path %q is the partition key, which cannot be a vector", where, e.Path)
				}
			}
			switch strings.ToLower(e.DataType) {
			case "":
				e.DataType = "float32"
			case "float32", "float16", "int8", "uint8":
				e.DataType = strings.ToLower(e.DataType)
			default:
				return fmt.Errorf("%s: dataType %q is not float32, float16, int8 or uint8", where, e.DataType)
			}
			switch strings.ToLower(e.DistanceFunction) {
			case "":
				e.DistanceFunction = "cosine"
			case "cosine", "dotproduct", "euclidean":
				e.DistanceFunction = strings.ToLower(e.DistanceFunction)
			default:
				return fmt.Errorf("%s: distanceFunction %q is not cosine, dotproduct or euclidean", where, e.DistanceFunction)
			}
			if e.Dimensions < 1 || e.Dimensions > maxVectorDimensions {
				return fmt.Errorf("%s: dimensions must be between 1 and %d, not %d", where, maxVectorDimensions, e.Dimensions)
			}
			paths[e.Path] = e.Dimensions
		}
	}
	if c.IndexingPolicy == nil {
		return nil
	}
	seen := map[string]bool{}
	for i, vi := range c.IndexingPolicy.VectorIndexes {
		where := fmt.Sprintf("indexingPolicy.vectorIndexes[%d]", i)
		switch vi.Type {
		case "flat", "quantizedFlat", "diskANN":
		default:
			return fmt.Errorf("%s: type %q is not flat, quantizedFlat or diskANN", where, vi.Type)
		}
		dims, ok := paths[vi.Path]
		if !ok {
			return fmt.Errorf("%s: path %q is not in the container's vectorEmbeddingPolicy", where, vi.Path)
		}
		if vi.Type == "flat" && dims > maxFlatDimensions {
			return fmt.Errorf("%s: a flat vector index allows at most %d dimensions, and %s has %d (use quantizedFlat or diskANN)", where, maxFlatDimensions, vi.Path, dims)
		}
		if seen[vi.Path] {
			return fmt.Errorf("%s: path %q has two vector indexes", where, vi.Path)
		}
		seen[vi.Path] = true
	}
	return nil
}

// checkPropertyPath checks a path like "/embedding" or "/a/b".
func checkPropertyPath(p string) error {
	if !strings.HasPrefix(p, "/") || p == "/" || strings.HasSuffix(p, "/") || strings.Contains(p, "//") {
		return fmt.Errorf("%q is not a property path like \"/embedding\"", p)
	}
	return nil
}
