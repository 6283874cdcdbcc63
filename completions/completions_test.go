package completions

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestNames(t *testing.T) {
	fail := errors.New("offline")
	list := func(ctx context.Context, db string) ([]string, error) {
		if _, ok := ctx.Deadline(); !ok {
			return nil, errors.New("lookup without a deadline")
		}
		if db == "" {
			return []string{"shop", "shipping", "audit"}, nil
		}
		return []string{db + "-orders", db + "-items"}, nil
	}
	tests := []struct {
		name         string
		db           string
		dbErr        error
		list         Lister
		needDatabase bool
		prefix       string
		want         []string
	}{
		{name: "databases by prefix", list: list, prefix: "sh", want: []string{"shop", "shipping"}},
		{name: "containers of the database", db: "shop", list: list, needDatabase: true, prefix: "shop-o", want: []string{"shop-orders"}},
		{name: "containers need a database", list: list, needDatabase: true},
		{name: "settings fail", dbErr: fail, list: list},
		{name: "lister fails", list: func(context.Context, string) ([]string, error) { return nil, fail }},
		{name: "no lister"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn := Names(func() (string, error) { return tt.db, tt.dbErr }, tt.list, tt.needDatabase)
			if got := fn(context.Background(), tt.prefix); !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestProfiles(t *testing.T) {
	tests := []struct {
		name   string
		fn     Func
		prefix string
		want   []string
	}{
		{"profiles", Profiles(func() ([]string, error) { return []string{"dev", "default", "prod"}, nil }), "de", []string{"dev", "default"}},
		{"broken config", Profiles(func() ([]string, error) { return nil, errors.New("bad yaml") }), "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.fn(context.Background(), tt.prefix); !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestScopes(t *testing.T) {
	dbs := func(context.Context, string) ([]string, error) { return []string{"shop", "audit"}, nil }
	colls := func(_ context.Context, db string) ([]string, error) {
		if db != "shop" {
			return nil, errors.New("no such database")
		}
		return []string{"orders", "items"}, nil
	}
	down := func(context.Context, string) ([]string, error) { return nil, errors.New("offline") }
	tests := []struct {
		name       string
		dbs, colls Lister
		prefix     string
		want       []string
	}{
		{"everything", dbs, colls, "", []string{"/", "/dbs/shop", "/dbs/audit"}},
		{"databases by prefix", dbs, colls, "/dbs/s", []string{"/dbs/shop"}},
		{"containers of a typed database", dbs, colls, "/dbs/shop", []string{"/dbs/shop", "/dbs/shop/colls/orders", "/dbs/shop/colls/items"}},
		{"containers by prefix", dbs, colls, "/dbs/shop/colls/o", []string{"/dbs/shop/colls/orders"}},
		{"unknown database", dbs, colls, "/dbs/nope/", nil},
		{"account down", down, down, "", []string{"/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Scopes(tt.dbs, tt.colls)(context.Background(), tt.prefix); !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCached(t *testing.T) {
	now := time.Date(2026, 12, 4, 20, 0, 0, 0, time.UTC)
	up := func(_ context.Context, db string) ([]string, error) { return []string{db + "-live"}, nil }
	down := func(context.Context, string) ([]string, error) { return nil, errors.New("offline") }
	key := func(db string) (string, error) { return "prof|https://acct/|" + db, nil }
	tests := []struct {
		name    string
		steps   []step
		db      string
		want    []string
		wantErr bool
	}{
		{name: "down, nothing cached", steps: []step{{down, 0}}, wantErr: true},
		{name: "looked up", steps: []step{{up, 0}}, db: "a", want: []string{"a-live"}},
		{name: "down after a lookup", steps: []step{{up, 0}, {down, time.Hour}}, db: "a", want: []string{"a-live"}},
		{name: "fresh cache answers without a lookup", steps: []step{{up, 0}, {failIfCalled(t), time.Minute}}, db: "a", want: []string{"a-live"}},
		{name: "stale cache is refreshed", steps: []step{{up, 0}, {func(context.Context, string) ([]string, error) { return []string{"new"}, nil }, DefaultTTL}}, db: "a", want: []string{"new"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "completion")
			var got []string
			var err error
			for _, s := range tt.steps {
				c := &Cache{Dir: dir, TTL: DefaultTTL, Now: func() time.Time { return now.Add(s.after) }}
				got, err = Cached(c, key, s.list)(context.Background(), tt.db)
			}
			if (err != nil) != tt.wantErr || !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, %v; want %q (error %v)", got, err, tt.want, tt.wantErr)
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				fi, _ := e.Info()
				if fi.Mode().Perm() != 0o600 {
					t.Errorf("%s has mode %v, want 0600", e.Name(), fi.Mode().Perm())
				}
			}
		})
	}
}

// step is one completion at a time after the first.
type step struct {
	list  Lister
	after time.Duration
}

func failIfCalled(t *testing.T) Lister {
	return func(context.Context, string) ([]string, error) {
		t.Error("lookup despite a fresh cache")
		return nil, errors.New("called")
	}
}

func TestBounded(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	stuck := func(context.Context, string) ([]string, error) { <-release; return []string{"late"}, nil }
	quick := func(context.Context, string) ([]string, error) { return []string{"shop"}, nil }
	tests := []struct {
		name    string
		list    Lister
		want    []string
		wantErr error
	}{
		{"answers in time", quick, []string{"shop"}, nil},
		{"ignores its context", stuck, nil, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			got, err := Bounded(tt.list)(ctx, "")
			if !errors.Is(err, tt.wantErr) || !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, %v; want %q, %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}
