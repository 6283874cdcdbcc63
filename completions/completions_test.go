package completions

import (
	"context"
	"errors"
	"slices"
	"testing"
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
