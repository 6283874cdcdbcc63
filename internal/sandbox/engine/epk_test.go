package engine

import (
	"encoding/json"
	"strings"
	"testing"
)

// Vectors from the Azure SDK for Java unit test PartitionKeyHashingTests
// (effectivePartitionKeyHashV2), which the service's routing agrees with.
func TestEffectivePartitionKeyHashV2Vectors(t *testing.T) {
	def := PartitionKeyDef{Paths: []string{"/id"}, Kind: "Hash", Version: 2}
	tests := []struct {
		name string
		raw  json.RawMessage // nil = undefined
		want string
	}{
		{"empty string", json.RawMessage(`""`), "32E9366E637A71B4E710384B2F4970A0"},
		{"partitionKey", json.RawMessage(`"partitionKey"`), "013AEFCF77FA271571CF665A58C933F1"},
		{"1024 a", json.RawMessage(`"` + strings.Repeat("a", 1024) + `"`), "332BDF5512AE49615F32C7D98C2DB86C"},
		{"null", json.RawMessage(`null`), "378867E4430E67857ACE5C908374FE16"},
		{"undefined", nil, "11622DAA78F835834610ABE56EFF5CB5"},
		{"undefined as {}", json.RawMessage(`{}`), "11622DAA78F835834610ABE56EFF5CB5"},
		{"true", json.RawMessage(`true`), "0E711127C5B5A8E4726AC6DD306A3E59"},
		{"false", json.RawMessage(`false`), "2FE1BE91E90A3439635E0E9E37361EF2"},
		{"byte min", json.RawMessage(`-128`), "01DAEDABF913540367FE219B2AD06148"},
		{"byte max", json.RawMessage(`127`), "0C507ACAC853ECA7977BF4CEFB562A25"},
		{"long min", json.RawMessage(`-9223372036854775808`), "23D5C6395512BDFEAFADAD15328AD2BB"},
		{"long max", json.RawMessage(`9223372036854775807`), "2EDB959178DFCCA18983F89384D1629B"},
		{"int min", json.RawMessage(`-2147483648`), "0B1660D5233C3171725B30D4A5F4CC1F"},
		{"int max", json.RawMessage(`2147483647`), "2D9349D64712AEB5EB1406E2F0BE2725"},
		{"double min", json.RawMessage(`4.9E-324`), "0E6CBA63A280927DE485DEF865800139"},
		{"double max", json.RawMessage(`1.7976931348623157E308`), "31424D996457102634591FF245DBCC4D"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := EffectivePartitionKey(def, []json.RawMessage{tt.raw})
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("EPK = %s, want %s", got, tt.want)
			}
		})
	}
}

// Vectors from the same Java test (effectivePartitionKeyHashV1).
func TestEffectivePartitionKeyHashV1Vectors(t *testing.T) {
	def := PartitionKeyDef{Paths: []string{"/id"}, Kind: "Hash", Version: 1}
	tests := []struct {
		name string
		raw  json.RawMessage
		want string
	}{
		{"empty string", json.RawMessage(`""`), "05C1CF33970FF80800"},
		{"partitionKey", json.RawMessage(`"partitionKey"`), "05C1E1B3D9CD2608716273756A756A706F4C667A00"},
		{"1024 a", json.RawMessage(`"` + strings.Repeat("a", 1024) + `"`), "05C1EB5921F70608" + strings.Repeat("62", 100) + "00"},
		{"null", json.RawMessage(`null`), "05C1ED45D7475601"},
		{"undefined", nil, "05C1D529E345DC00"},
		{"true", json.RawMessage(`true`), "05C1D7C5A903D803"},
		{"false", json.RawMessage(`false`), "05C1DB857D857C02"},
		{"byte min", json.RawMessage(`-128`), "05C1D73349F54C053FA0"},
		{"byte max", json.RawMessage(`127`), "05C1DD539DDFCC05C05FE0"},
		{"long min", json.RawMessage(`-9223372036854775808`), "05C1DB35F33D1C053C20"},
		{"long max", json.RawMessage(`9223372036854775807`), "05C1B799AB2DD005C3E0"},
		{"int min", json.RawMessage(`-2147483648`), "05C1DFBF252BCC053E20"},
		{"int max", json.RawMessage(`2147483647`), "05C1E1F503DFB205C1DFFFFFFFFC"},
		{"double min", json.RawMessage(`4.9E-324`), "05C1E5C91F4D3005800101010101010102"},
		{"double max", json.RawMessage(`1.7976931348623157E308`), "05C1CBE367C53005FFEFFFFFFFFFFFFFFE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := EffectivePartitionKey(def, []json.RawMessage{tt.raw})
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("EPK = %s, want %s", got, tt.want)
			}
		})
	}
}

// MultiHash is the concatenation of per-component hash-v2 values (as the
// public JavaScript SDK's hashMultiHashPartitionKey computes it), so the
// single-component vectors above pin it down too.
func TestEffectivePartitionKeyMultiHash(t *testing.T) {
	def := PartitionKeyDef{Paths: []string{"/tenant", "/user"}, Kind: "MultiHash", Version: 2}
	tests := []struct {
		name string
		vals []json.RawMessage
		want string
	}{
		{"full", []json.RawMessage{json.RawMessage(`"partitionKey"`), json.RawMessage(`""`)},
			"013AEFCF77FA271571CF665A58C933F1" + "32E9366E637A71B4E710384B2F4970A0"},
		{"prefix", []json.RawMessage{json.RawMessage(`true`)}, "0E711127C5B5A8E4726AC6DD306A3E59"},
		{"none", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := EffectivePartitionKey(def, tt.vals)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("EPK = %s, want %s", got, tt.want)
			}
		})
	}
	if _, err := EffectivePartitionKey(def, []json.RawMessage{json.RawMessage(`[1]`)}); err == nil {
		t.Error("array component: want error")
	}
	if _, err := EffectivePartitionKey(def, []json.RawMessage{json.RawMessage(`1`), json.RawMessage(`2`), json.RawMessage(`3`)}); err == nil {
		t.Error("too many components: want error")
	}
}

func TestSplitRanges(t *testing.T) {
	for _, n := range []int{1, 2, 4, 7} {
		rs := SplitRanges(n)
		if len(rs) != n || rs[0].MinInclusive != "" || rs[n-1].MaxExclusive != "FF" {
			t.Fatalf("n=%d: bad ends %+v", n, rs)
		}
		for i := 1; i < n; i++ {
			if rs[i].MinInclusive != rs[i-1].MaxExclusive || rs[i].MinInclusive <= rs[i-1].MinInclusive {
				t.Fatalf("n=%d: not contiguous/ascending at %d: %+v", n, i, rs)
			}
		}
	}
	if got := SplitRanges(4)[2].MinInclusive; got != "20000000000000000000000000000000" {
		t.Errorf("SplitRanges(4)[2].MinInclusive = %s", got)
	}
}
