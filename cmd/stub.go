package cmd

import "github.com/cosmosctl/cosmosctl/internal/errs"

// notYet is what a command whose implementation has not landed returns: a
// clear error, never a silent success.
func notYet(command string) error {
	return errs.New(errs.KindOther, nil, "this build of cosmosctl does not implement it yet", "%s is not available in this build", command)
}
