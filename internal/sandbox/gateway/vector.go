package gateway

import (
	"encoding/json"
)

// defaultIndexingPolicy is what the service reports for a container created
// without an indexing policy.
const defaultIndexingPolicy = `{"indexingMode":"consistent","automatic":true,"includedPaths":[{"path":"/*"}],"excludedPaths":[{"path":"/\"_etag\"/?"}]}`

// vectorPolicyBody is the container property vectorEmbeddingPolicy.
type vectorPolicyBody struct {
	VectorEmbeddings []vectorEmbeddingBody `json:"vectorEmbeddings"`
}

type vectorEmbeddingBody struct {
	Path             string `json:"path"`
	DataType         string `json:"dataType"`
	Dimensions       int    `json:"dimensions"`
	DistanceFunction string `json:"distanceFunction"`
}

// vectorPolicy is the container's vectorEmbeddingPolicy property (nil, and
// left out, when the container has none).
func (c *container) vectorPolicy() *vectorPolicyBody {
	if len(c.vectors.Embeddings) == 0 {
		return nil
	}
	b := &vectorPolicyBody{VectorEmbeddings: make([]vectorEmbeddingBody, 0, len(c.vectors.Embeddings))}
	for _, e := range c.vectors.Embeddings {
		b.VectorEmbeddings = append(b.VectorEmbeddings, vectorEmbeddingBody(e))
	}
	return b
}

// indexingPolicy is the default indexing policy plus the container's vector
// indexes.
func (c *container) indexingPolicy() json.RawMessage {
	if len(c.vecIndexes) == 0 {
		return json.RawMessage(defaultIndexingPolicy)
	}
	type pathBody struct {
		Path string `json:"path"`
	}
	b, err := json.Marshal(struct {
		IndexingMode  string        `json:"indexingMode"`
		Automatic     bool          `json:"automatic"`
		IncludedPaths []pathBody    `json:"includedPaths"`
		ExcludedPaths []pathBody    `json:"excludedPaths"`
		VectorIndexes []VectorIndex `json:"vectorIndexes"`
	}{"consistent", true, []pathBody{{Path: "/*"}}, []pathBody{{Path: `/"_etag"/?`}}, c.vecIndexes})
	if err != nil {
		return json.RawMessage(defaultIndexingPolicy)
	}
	return b
}
