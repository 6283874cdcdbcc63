package sandbox

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cosmosctl/cosmosctl/internal/atomicfile"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/gateway"
)

// Files a sandbox keeps in its directory across restarts (all mode 0600):
// what a client trusts or holds (the CA, token signing keys, refresh-token
// state, the account key, the managed identity header, the ports) survives,
// so restarting a sandbox in the same directory signs no one out.
const (
	signingKeyFile   = "entra-signing-key.pem"
	federatedKeyFile = "entra-federated-key.pem"
	entraStateFile   = "entra-state.json"
	stateFile        = "state.json"
	dataFile         = "data.json" // with Options.Persist only
)

// keptState is DIR/state.json.
type keptState struct {
	AccountKey     string `json:"account_key,omitempty"` // base64; only when the seed gives none
	IdentityHeader string `json:"identity_header"`
	Listen         string `json:"listen,omitempty"`       // the gateway's last address
	EntraListen    string `json:"entra_listen,omitempty"` // Entra's last address
}

func readKeptState(dir string) (keptState, error) {
	var st keptState
	data, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("read sandbox state: %w", err)
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return st, fmt.Errorf("%s is not valid JSON (remove it to start afresh): %w", filepath.Join(dir, stateFile), err)
	}
	return st, nil
}

func writeKeptState(dir string, st keptState) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encode sandbox state: %w", err)
	}
	return atomicfile.Write(filepath.Join(dir, stateFile), append(data, '\n'), 0o600)
}

// keptRSAKey loads DIR/name, or creates a 2048-bit key (fresh) for
// storeRSAKey to write once the directory exists.
func keptRSAKey(dir, name string) (k *rsa.PrivateKey, fresh bool, err error) {
	path := filepath.Join(dir, name)
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		b, _ := pem.Decode(data)
		if b == nil {
			return nil, false, fmt.Errorf("%s holds no PEM key (remove it to start afresh)", path)
		}
		pk, err := x509.ParsePKCS8PrivateKey(b.Bytes)
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w (remove it to start afresh)", path, err)
		}
		rk, ok := pk.(*rsa.PrivateKey)
		if !ok {
			return nil, false, fmt.Errorf("%s is not an RSA key (remove it to start afresh)", path)
		}
		return rk, false, nil
	case !errors.Is(err, os.ErrNotExist):
		return nil, false, fmt.Errorf("read %s: %w", path, err)
	}
	if k, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return nil, false, fmt.Errorf("generate RSA key: %w", err)
	}
	return k, true, nil
}

func storeRSAKey(dir, name string, k *rsa.PrivateKey) error {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return fmt.Errorf("encode RSA key: %w", err)
	}
	return atomicfile.Write(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
}

// savedContainer is one entry of DIR/data.json.
type savedContainer struct {
	Database  string            `json:"database"`
	Container string            `json:"container"`
	Items     []json.RawMessage `json:"items"`
}

// loadData replaces the items of the containers DIR/data.json has; a
// container it lacks (new in the seed) keeps the seed's items, and one
// the seed no longer has is dropped.
func loadData(dir string, dbs []gateway.Database) error {
	path := filepath.Join(dir, dataFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read the kept data: %w", err)
	}
	var saved []savedContainer
	if err := json.Unmarshal(data, &saved); err != nil {
		return errs.New(errs.KindUsage, err, "remove it to start from the seed", "%s is not valid JSON: %v", path, err)
	}
	byName := make(map[[2]string][]json.RawMessage, len(saved))
	for _, c := range saved {
		byName[[2]string{c.Database, c.Container}] = c.Items
	}
	for i := range dbs {
		for j := range dbs[i].Containers {
			c := &dbs[i].Containers[j]
			if items, ok := byName[[2]string{dbs[i].ID, c.ID}]; ok {
				c.Items = items
			}
		}
	}
	return nil
}

func saveData(dir string, snap []gateway.ContainerItems) error {
	out := make([]savedContainer, 0, len(snap))
	for _, c := range snap {
		out = append(out, savedContainer{Database: c.Database, Container: c.Container, Items: c.Items})
	}
	data, err := json.Marshal(out)
	if err != nil {
		return fmt.Errorf("encode the data: %w", err)
	}
	if err := atomicfile.Write(filepath.Join(dir, dataFile), data, 0o600); err != nil {
		return fmt.Errorf("keep the data: %w", err)
	}
	return nil
}
