package oracletest

import (
	"strings"
	"testing"
)

func TestCheckValidators(t *testing.T) {
	row := func(s any) any { return map[string]any{"text": "x", "SimilarityScore": s} }
	tests := []struct {
		name       string
		rows       []any
		validators map[string]string
		want       string // "" = valid, else a substring of the error
	}{
		{"descending", []any{row(0.9), row(0.5), row(0.5), row(0.1)}, map[string]string{"SimilarityScore": "orderedDescending"}, ""},
		{"ascending", []any{row(0.1), row(0.5), row(0.9)}, map[string]string{"SimilarityScore": "orderedAscending"}, ""},
		{"not descending", []any{row(0.5), row(0.9)}, map[string]string{"SimilarityScore": "orderedDescending"}, "row 1: SimilarityScore 0.9 after 0.5 breaks the descending order"},
		{"not ascending", []any{row(0.9), row(0.5)}, map[string]string{"SimilarityScore": "orderedAscending"}, "breaks the ascending order"},
		{"missing score", []any{row(0.9), map[string]any{"text": "y"}}, map[string]string{"SimilarityScore": "orderedAscending"}, "row 1: SimilarityScore is <nil>, not a number"},
		{"unknown rule", []any{row(1.0), row(2.0)}, map[string]string{"SimilarityScore": "sorted"}, `unknown validator "sorted"`},
		{"no validators", []any{row(2), row(1)}, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckValidators(tc.rows, tc.validators)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestSuitesLoadTestDataAndParameters(t *testing.T) {
	suites := Suites(t, Dir(t))
	found := false
	for _, s := range suites {
		if s.TestData == nil || len(s.TestData.Data) == 0 {
			t.Errorf("suite %s: no test data", s.Name)
			continue
		}
		for _, q := range s.Queries {
			if len(q.Want) == 0 && !strings.HasSuffix(q.Name, "_no_items") {
				t.Errorf("%s/%s: no results", s.Name, q.Name)
			}
		}
		if s.Name == "vector" {
			found = true
			if len(s.TestData.Parameters) != 1 || s.TestData.Parameters[0].Name != "@testData_searchVector" {
				t.Errorf("vector parameters = %v", s.TestData.Parameters)
			}
			if c := s.TestData.Container("FlatEuclidean"); c == nil || len(c.VectorEmbeddingPolicy) == 0 {
				t.Errorf("FlatEuclidean has no vector policy: %+v", c)
			}
		}
	}
	if !found {
		t.Error("no vector suite")
	}
}
