package cosmos

import (
	"context"
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// PartitionKeyDefinition reads the container's partition key definition
// (one request), so that a --pk can be checked against it before a query
// or point read is sent.
func (c *Client) PartitionKeyDefinition(ctx context.Context, db, coll string) (azcosmos.PartitionKeyDefinition, error) {
	ctr, err := c.NewContainer(db, coll)
	if err != nil {
		return azcosmos.PartitionKeyDefinition{}, fmt.Errorf("container %s/%s: %w", db, coll, err)
	}
	resp, err := ctr.Read(ctx, nil)
	if err != nil {
		return azcosmos.PartitionKeyDefinition{}, err // the caller explains it, naming its operation
	}
	return resp.ContainerProperties.PartitionKeyDefinition, nil
}

// CheckPartitionKeyLevels reads the container's definition and checks that
// pk has one value per level (or, with allowPrefix, the first levels).
// what names the operation when the container does not exist. The check
// is best effort: when the definition cannot be read for another reason
// it reports nothing.
func (c *Client) CheckPartitionKeyLevels(ctx context.Context, db, coll string, pk PartitionKey, allowPrefix bool, what string) error {
	def, err := c.PartitionKeyDefinition(ctx, db, coll)
	if err != nil {
		// Reading the container itself, a plain 404 means it is missing
		// (a missing database answers 1003, which Explain words).
		if fl, ok := AsFailure(err); ok && fl.Status == 404 && (fl.SubStatus == "" || fl.SubStatus == "0") {
			return errs.New(errs.KindNotFound, err, fmt.Sprintf("list them with `cosmosctl container list -d %s`", db),
				"%s: container %s in database %s does not exist", what, coll, db)
		}
		// Anything else (e.g. a 403 to a principal with data-read roles
		// but no readMetadata) leaves the check undone: the operation
		// itself then fails or succeeds, and explains itself.
		return nil
	}
	return pk.CheckLevels(def, allowPrefix)
}
