package oracletest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Suite is one queries/<name>.json file with its test data and results.
type Suite struct {
	Name     string
	TestData *TestData
	Queries  []Query
}

// Query is one oracle query and the results the service gave for it.
type Query struct {
	Name      string
	SQL       string
	Container string
	// Validators name a result property and how the rows must be ordered
	// by it ("orderedAscending", "orderedDescending").
	Validators map[string]string
	Want       []json.RawMessage
}

// TestData is a testdata/*.json file: container definitions, the documents
// (loaded into every container) and the parameters the queries use.
type TestData struct {
	Containers []Container
	// Data holds the documents, compacted.
	Data []json.RawMessage
	// Parameters are the query parameters, named as the queries use them
	// ("@testData_<name>"), sorted by name.
	Parameters []Param
}

// Container is a container definition as the oracle's test data declares
// it; the policies are kept as written.
type Container struct {
	ID                    string          `json:"id"`
	PartitionKey          json.RawMessage `json:"partitionKey"`
	IndexingPolicy        json.RawMessage `json:"indexingPolicy,omitempty"`
	VectorEmbeddingPolicy json.RawMessage `json:"vectorEmbeddingPolicy,omitempty"`
}

// Param is one query parameter (Value is JSON).
type Param struct {
	Name  string
	Value json.RawMessage
}

// Container returns the named container definition, or nil.
func (td *TestData) Container(id string) *Container {
	for i := range td.Containers {
		if td.Containers[i].ID == id {
			return &td.Containers[i]
		}
	}
	return nil
}

// Suites loads every suite of the oracle in dir, failing the test when one
// cannot be read: a suite must never be silently left out.
func Suites(t testing.TB, dir string) []Suite {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "queries", "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no oracle suites in %s: %v", dir, err)
	}
	cache := map[string]*TestData{}
	var out []Suite
	for _, p := range paths {
		s, err := loadSuite(dir, p, cache)
		if err != nil {
			t.Fatalf("oracle suite %s: %v", p, err)
		}
		out = append(out, s)
	}
	return out
}

func loadSuite(dir, path string, cache map[string]*TestData) (Suite, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Suite{}, err
	}
	var f struct {
		Name     string `json:"name"`
		TestData string `json:"testData"`
		Queries  []struct {
			Name       string            `json:"name"`
			Query      string            `json:"query"`
			Container  string            `json:"container"`
			Validators map[string]string `json:"validators"`
		} `json:"queries"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return Suite{}, err
	}
	s := Suite{Name: f.Name}
	if f.TestData != "" {
		tdPath := filepath.Clean(filepath.Join(filepath.Dir(path), f.TestData))
		td, ok := cache[tdPath]
		if !ok {
			if td, err = loadTestData(tdPath); err != nil {
				return Suite{}, fmt.Errorf("test data: %w", err)
			}
			cache[tdPath] = td
		}
		s.TestData = td
	}
	for _, q := range f.Queries {
		rb, err := os.ReadFile(filepath.Join(dir, "queries", f.Name, q.Name+".results.json"))
		if err != nil {
			return Suite{}, err
		}
		var want []json.RawMessage
		if err := json.Unmarshal(rb, &want); err != nil {
			return Suite{}, fmt.Errorf("%s results: %w", q.Name, err)
		}
		if s.TestData != nil && s.TestData.Container(q.Container) == nil {
			return Suite{}, fmt.Errorf("query %s names container %q, which the test data does not declare", q.Name, q.Container)
		}
		s.Queries = append(s.Queries, Query{Name: q.Name, SQL: q.Query, Container: q.Container, Validators: q.Validators, Want: want})
	}
	return s, nil
}

func loadTestData(path string) (*TestData, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f struct {
		Containers []Container                `json:"containers"`
		Data       []json.RawMessage          `json:"data"`
		Parameters map[string]json.RawMessage `json:"parameters"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	td := &TestData{Containers: f.Containers}
	for _, d := range f.Data {
		var buf bytes.Buffer
		if err := json.Compact(&buf, d); err != nil {
			return nil, err
		}
		td.Data = append(td.Data, buf.Bytes())
	}
	for k, v := range f.Parameters {
		td.Parameters = append(td.Parameters, Param{Name: "@testData_" + k, Value: v})
	}
	sort.Slice(td.Parameters, func(i, j int) bool { return td.Parameters[i].Name < td.Parameters[j].Name })
	return td, nil
}

// CheckValidators checks decoded result rows against a query's validators:
// each named property must be a number in every row, ordered as told.
func CheckValidators(rows []any, validators map[string]string) error {
	for prop, rule := range validators {
		var prev float64
		for i, r := range rows {
			m, _ := r.(map[string]any)
			v, ok := m[prop].(float64)
			if !ok {
				return fmt.Errorf("row %d: %s is %v, not a number", i, prop, m[prop])
			}
			if i > 0 {
				switch rule {
				case "orderedAscending":
					if v < prev {
						return fmt.Errorf("row %d: %s %v after %v breaks the ascending order", i, prop, v, prev)
					}
				case "orderedDescending":
					if v > prev {
						return fmt.Errorf("row %d: %s %v after %v breaks the descending order", i, prop, v, prev)
					}
				default:
					return fmt.Errorf("unknown validator %q for %s", rule, prop)
				}
			}
			prev = v
		}
	}
	return nil
}

// RelTolerance is the relative tolerance for comparing a suite's
// floating-point results: 1e-6 for vector scores (the service's index
// types are approximate, and computes in float32), 1e-12 otherwise.
func RelTolerance(suite string) float64 {
	if strings.HasPrefix(suite, "vector") {
		return 1e-6
	}
	return 1e-12
}
