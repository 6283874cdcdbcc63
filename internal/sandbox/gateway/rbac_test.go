package gateway

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"
	"github.com/golang-jwt/jwt/v5"
)

func TestRBACDenials(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	blocked := "Request blocked by Auth " + testAccount + " : "
	dataDenied := func(principal, action string, op int, coll string) string {
		b, _ := json.Marshal(struct {
			Errors []string `json:"Errors"`
		}{[]string{"Request is blocked because principal [" + principal + "] does not have the required RBAC permissions to perform action [" +
			action + "] with OperationType [" + jsonNum(op) + "] and ResourceType [2] on resource [dbs/shop/colls/" + coll +
			"]. Learn more: https://aka.ms/cosmos-native-rbac This could be because the user's group memberships were not present in the AAD token."}})
		return "Message: " + string(b)
	}
	tests := []struct {
		name      string
		principal string
		op        func(c *azcosmos.Client) error
		status    int
		sub       string
		text      string
	}{
		{"no role: account read", "nobody", func(c *azcosmos.Client) error {
			_, err := containerClient(t, c, "shop", "orders").Read(ctx, nil)
			return err
		}, 403, "5301", blocked + "Request is blocked because principal [nobody] does not have required RBAC permissions to perform action [Microsoft.DocumentDB/databaseAccounts/readMetadata] on any scope. Learn more: https://aka.ms/cosmos-native-rbac.This could be because the user's group memberships were not present in the AAD token."},
		{"container-scoped reader: other container metadata", "collreader", func(c *azcosmos.Client) error {
			_, err := containerClient(t, c, "shop", "single").Read(ctx, nil)
			return err
		}, 403, "5301", blocked + "Request is blocked because principal [collreader] does not have required RBAC permissions to perform action [Microsoft.DocumentDB/databaseAccounts/readMetadata] on resource [dbs/shop/colls/single]. Learn more: https://aka.ms/cosmos-native-rbac.This could be because the user's group memberships were not present in the AAD token."},
		{"container-scoped reader: list databases", "collreader", func(c *azcosmos.Client) error {
			_, err := c.NewQueryDatabasesPager("SELECT * FROM root", nil).NextPage(ctx)
			return err
		}, 403, "5301", blocked + "Request is blocked because principal [collreader] does not have required RBAC permissions to perform action [Microsoft.DocumentDB/databaseAccounts/readMetadata] on resource [/]. Learn more: https://aka.ms/cosmos-native-rbac.This could be because the user's group memberships were not present in the AAD token."},
		{"metadata only: query", "metaonly", func(c *azcosmos.Client) error {
			_, err := containerClient(t, c, "shop", "orders").NewQueryItemsPager("SELECT * FROM c", azcosmos.NewPartitionKeyString("c1"), nil).NextPage(ctx)
			return err
		}, 403, "5302", dataDenied("metaonly", actExecuteQuery, 15, "orders")},
		{"metadata only: point read", "metaonly", func(c *azcosmos.Client) error {
			_, err := containerClient(t, c, "shop", "orders").ReadItem(ctx, azcosmos.NewPartitionKeyString("c1"), "o01", nil)
			return err
		}, 403, "5302", dataDenied("metaonly", actItemsRead, 2, "orders")},
		{"reader: create item", "reader", func(c *azcosmos.Client) error {
			_, err := containerClient(t, c, "shop", "orders").CreateItem(ctx, azcosmos.NewPartitionKeyString("c1"), []byte(`{"id":"new","customer":"c1"}`), nil)
			return err
		}, 403, "5302", dataDenied("reader", actItemsCreate, 0, "orders")},
		{"reader: create database", "reader", func(c *azcosmos.Client) error {
			_, err := c.CreateDatabase(ctx, azcosmos.DatabaseProperties{ID: "x"}, nil)
			return err
		}, 403, "5300", blocked + "The given request [POST /dbs] cannot be authorized by AAD token in data plane. Learn more: https://aka.ms/cosmos-native-rbac."},
		{"reader: create container", "reader", func(c *azcosmos.Client) error {
			db, _ := c.NewDatabase("shop")
			_, err := db.CreateContainer(ctx, azcosmos.ContainerProperties{ID: "x", PartitionKeyDefinition: azcosmos.PartitionKeyDefinition{Paths: []string{"/p"}}}, nil)
			return err
		}, 403, "5300", blocked + "The given request [POST /dbs/shop/colls] cannot be authorized by AAD token in data plane. Learn more: https://aka.ms/cosmos-native-rbac."},
		{"reader: read throughput", "reader", func(c *azcosmos.Client) error {
			_, err := containerClient(t, c, "shop", "orders").ReadThroughput(ctx, nil)
			return err
		}, 403, "5300", blocked + "The given request [POST /offers] cannot be authorized by AAD token in data plane. Learn more: https://aka.ms/cosmos-native-rbac."},
		{"reader: delete container", "reader", func(c *azcosmos.Client) error {
			_, err := containerClient(t, c, "shop", "orders").Delete(ctx, nil)
			return err
		}, 403, "5300", blocked + "The given request [DELETE /dbs/shop/colls/orders] cannot be authorized by AAD token in data plane. Learn more: https://aka.ms/cosmos-native-rbac."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.op(f.aadClient(jwt.MapClaims{"oid": tt.principal}))
			st, sub, body := respErr(t, err)
			if st != tt.status || sub != tt.sub || body.Code != "Forbidden" {
				t.Errorf("got %d/%s %s, want %d/%s", st, sub, body.Code, tt.status, tt.sub)
			}
			if got := messageText(body.Message); got != tt.text {
				t.Errorf("message\n got %q\nwant %q", got, tt.text)
			}
		})
	}
}

func TestRBACAllowed(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	// A container-scoped grant passes the account read (sandbox rule, rbac.md §10).
	c := f.aadClient(jwt.MapClaims{"oid": "collreader"})
	if _, err := containerClient(t, c, "shop", "orders").ReadItem(ctx, azcosmos.NewPartitionKeyString("c1"), "o01", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := containerClient(t, c, "shop", "orders").NewQueryItemsPager("SELECT * FROM c", azcosmos.NewPartitionKeyString("c1"), nil).NextPage(ctx); err != nil {
		t.Fatal(err)
	}
	// Key requests bypass RBAC entirely.
	if _, err := containerClient(t, f.keyClient(testKeyString()), "shop", "orders").CreateItem(ctx, azcosmos.NewPartitionKeyString("c1"), []byte(`{"id":"k","customer":"c1"}`), nil); err != nil {
		t.Fatal(err)
	}
}

func TestManagementWithKey(t *testing.T) {
	f := newFixture(t, nil)
	_, err := f.keyClient(testKeyString()).CreateDatabase(context.Background(), azcosmos.DatabaseProperties{ID: "x"}, nil)
	st, sub, body := respErr(t, err)
	if st != 403 || sub != "5300" || !strings.Contains(body.Message, "[POST /dbs]") || !strings.Contains(body.Message, "seed") {
		t.Errorf("got %d/%s %q", st, sub, body.Message)
	}
}
