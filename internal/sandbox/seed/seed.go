// Package seed reads, validates and generates the sandbox's seed: the
// tenant, its principals, the databases and containers with their items,
// and the data-plane role definitions and assignments.
//
// Items are kept as the exact (compacted) bytes of the seed so that the
// gateway can serve them byte-faithfully: they are never decoded into Go
// maps with float64 numbers.
package seed

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/google/uuid"

	"github.com/cosmosctl/cosmosctl/internal/safefile"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/entra"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/rbac"
)

// DemoTenant is the tenant of the built-in demo seed, and the default when
// a seed file names none.
const DemoTenant = "11111111-1111-1111-1111-111111111111"

// Limits that keep a typo from asking for something absurd.
const (
	maxPhysicalPartitions = 64
	maxHashPaths          = 3 // Cosmos allows up to three hierarchical key paths
)

// Seed is the whole seed file.
type Seed struct {
	Tenant            string           `json:"tenant,omitempty"`
	Principals        []Principal      `json:"principals,omitempty"`
	Databases         []Database       `json:"databases,omitempty"`
	RoleDefinitions   []RoleDefinition `json:"roleDefinitions,omitempty"`
	RoleAssignments   []RoleAssignment `json:"roleAssignments,omitempty"`
	LocalAuthDisabled bool             `json:"localAuthDisabled,omitempty"`
	AcceptEmulatorKey bool             `json:"acceptEmulatorKey,omitempty"`
	AccountKey        string           `json:"accountKey,omitempty"` // base64; empty = random per start

	// Source names the seed in error messages ("seed.json", "demo seed").
	Source string `json:"-"`

	// validated is set by a successful Validate, so that starting several
	// sandboxes from one seed only reads it.
	validated bool
}

// Validated reports whether Validate has succeeded on s (Load, Parse and
// Demo return validated seeds).
func (s *Seed) Validated() bool { return s.validated }

// Principal is a user, service principal or managed identity.
type Principal struct {
	Name        string   `json:"name"`
	OID         string   `json:"oid,omitempty"`
	UPN         string   `json:"upn,omitempty"`
	DisplayName string   `json:"displayName,omitempty"`
	Groups      []string `json:"groups,omitempty"`
	// GroupsOverage makes the principal's tokens carry a group overage
	// reference instead of its groups, as Entra does for members of too
	// many groups: roles assigned to its groups then do not apply.
	GroupsOverage     bool     `json:"groupsOverage,omitempty"`
	ServicePrincipal  bool     `json:"servicePrincipal,omitempty"`
	ManagedIdentity   bool     `json:"managedIdentity,omitempty"`
	ClientID          string   `json:"clientId,omitempty"`
	ClientSecret      string   `json:"clientSecret,omitempty"`
	FederatedSubjects []string `json:"federatedSubjects,omitempty"`
	// Certificates are PEM-encoded public X.509 certificates registered on a
	// service principal: client assertions signed with their private keys
	// sign it in (`cosmosctl login --service-principal --certificate`).
	Certificates []string `json:"certificates,omitempty"`
	// CertificateFile is a PEM file of such certificates, relative to the
	// seed file. Load appends its text to Certificates and clears it.
	CertificateFile string `json:"certificateFile,omitempty"`
}

// X509Certificates parses the principal's registered certificates (every
// CERTIFICATE block of every entry). Validate has checked them.
func (p Principal) X509Certificates() ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for i, c := range p.Certificates {
		certs, err := parseCertificatePEM(c)
		if err != nil {
			return nil, fmt.Errorf("principal %q: certificates[%d]: %w", p.Name, i, err)
		}
		out = append(out, certs...)
	}
	return out, nil
}

// parseCertificatePEM reads public certificates from PEM text. A private
// key is refused: seed files get shared and committed, and Entra itself
// only ever holds the public part.
func parseCertificatePEM(text string) ([]*x509.Certificate, error) {
	rest := []byte(text)
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		switch {
		case b.Type == "CERTIFICATE":
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("certificate #%d: %w", len(out)+1, err)
			}
			if _, ok := c.PublicKey.(*rsa.PublicKey); !ok {
				return nil, fmt.Errorf("certificate %q has a %s key; the sandbox verifies RSA certificates only (what MSAL signs with)", c.Subject.String(), c.PublicKeyAlgorithm)
			}
			out = append(out, c)
		case strings.Contains(b.Type, "PRIVATE KEY"):
			return nil, errors.New("contains a private key: register only the public certificate (the private key stays with the client that signs in)")
		default:
			return nil, fmt.Errorf("unexpected PEM block %q (want CERTIFICATE)", b.Type)
		}
	}
	if len(out) == 0 {
		return nil, errors.New(`no PEM "CERTIFICATE" block (expected text starting with -----BEGIN CERTIFICATE-----)`)
	}
	return out, nil
}

// Database is one database and its containers.
type Database struct {
	ID         string      `json:"id"`
	Containers []Container `json:"containers,omitempty"`
}

// Container is one container and its items.
type Container struct {
	ID                 string            `json:"id"`
	PartitionKey       PartitionKey      `json:"partitionKey"`
	PhysicalPartitions int               `json:"physicalPartitions,omitempty"` // 0 = 1
	DefaultTTL         *int              `json:"defaultTtl,omitempty"`
	Items              []json.RawMessage `json:"items,omitempty"`
	// ItemsFile is a JSONL file or a JSON array file, relative to the seed
	// file. Load appends its items to Items and clears it.
	ItemsFile string `json:"itemsFile,omitempty"`

	// VectorEmbeddingPolicy and IndexingPolicy (only its vector indexes are
	// kept) are returned in the container's properties; VectorDistance
	// takes its defaults from the policy.
	VectorEmbeddingPolicy *VectorEmbeddingPolicy `json:"vectorEmbeddingPolicy,omitempty"`
	IndexingPolicy        *IndexingPolicy        `json:"indexingPolicy,omitempty"`

	// labels name each item in error messages (index-aligned with Items).
	labels []string
}

// PartitionKey is a container's partition key definition. In JSON it is a
// path string ("/customerId", kind Hash) or an array of paths (MultiHash),
// or the REST shape {"paths": [...], "kind": "...", "version": 2}.
type PartitionKey struct {
	Paths   []string
	Kind    string // "Hash" or "MultiHash"
	Version int    // hash version: 2 (the default) or 1 (legacy Hash containers)
}

// UnmarshalJSON accepts the three shapes.
func (p *PartitionKey) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*p = PartitionKey{Paths: []string{s}, Kind: "Hash"}
	case len(b) > 0 && b[0] == '[':
		var a []string
		if err := json.Unmarshal(b, &a); err != nil {
			return fmt.Errorf("partitionKey array must hold path strings: %w", err)
		}
		*p = PartitionKey{Paths: a, Kind: "MultiHash"}
	case len(b) > 0 && b[0] == '{':
		var o struct {
			Paths   []string `json:"paths"`
			Kind    string   `json:"kind"`
			Version int      `json:"version"`
		}
		if err := json.Unmarshal(b, &o); err != nil {
			return err
		}
		if o.Kind == "" {
			o.Kind = "Hash"
			if len(o.Paths) > 1 {
				o.Kind = "MultiHash"
			}
		}
		*p = PartitionKey{Paths: o.Paths, Kind: o.Kind, Version: o.Version}
	case string(b) == "null":
		*p = PartitionKey{}
	default:
		return errors.New("partitionKey must be a path string or an array of path strings")
	}
	return nil
}

// MarshalJSON writes the short form (the object form for version 1).
func (p PartitionKey) MarshalJSON() ([]byte, error) {
	if p.Version == 1 {
		return json.Marshal(map[string]any{"paths": p.Paths, "kind": p.Kind, "version": 1})
	}
	if p.Kind == "MultiHash" {
		return json.Marshal(p.Paths)
	}
	if len(p.Paths) == 1 {
		return json.Marshal(p.Paths[0])
	}
	return json.Marshal(p.Paths)
}

// RoleDefinition is a custom data-plane role.
type RoleDefinition struct {
	ID               string   `json:"id,omitempty"` // empty = derived from roleName
	RoleName         string   `json:"roleName"`
	DataActions      []string `json:"dataActions"`
	NotDataActions   []string `json:"notDataActions,omitempty"`
	AssignableScopes []string `json:"assignableScopes,omitempty"`
}

// RoleAssignment grants a role at a scope. The principal is named by
// Principal (a seed principal name) or PrincipalID (any object id, e.g. a
// group); the role by Role (custom roleName, built-in name or built-in id)
// or RoleDefinitionID. Validate fills PrincipalID and RoleDefinitionID.
type RoleAssignment struct {
	Principal        string `json:"principal,omitempty"`
	PrincipalID      string `json:"principalId,omitempty"`
	Role             string `json:"role,omitempty"`
	RoleDefinitionID string `json:"roleDefinitionId,omitempty"`
	Scope            string `json:"scope"`
}

// Load reads a seed file, its itemsFile references (relative to the seed
// file's directory), and validates the result.
//
// Both are read only as regular files (a FIFO or a device such as
// /dev/zero is refused) of at most MaxSeedFile and MaxItemsFile bytes.
func Load(path string) (*Seed, error) {
	data, err := safefile.Read(path, MaxSeedFile)
	if err != nil {
		return nil, fmt.Errorf("read seed file: %w", err)
	}
	dir := filepath.Dir(path)
	return Parse(path, data, func(name string) ([]byte, error) {
		if !filepath.IsAbs(name) {
			name = filepath.Join(dir, name)
		}
		return safefile.Read(name, MaxItemsFile)
	})
}

// Size limits of the files Load reads (documented in the README).
const (
	MaxSeedFile  = 16 << 20 // the seed file itself
	MaxItemsFile = 1 << 30  // each itemsFile
)

// Parse decodes a seed named source (used in errors), reads itemsFile
// references through readFile (nil refuses them), and validates it.
func Parse(source string, data []byte, readFile func(name string) ([]byte, error)) (*Seed, error) {
	data = trimBOM(data)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	s := &Seed{}
	if err := dec.Decode(s); err != nil {
		return nil, fmt.Errorf("%s: %s", source, describeJSONError(data, err))
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: unexpected data after the top-level JSON object", source)
	}
	s.Source = source
	for i := range s.Principals {
		p := &s.Principals[i]
		if p.CertificateFile == "" {
			continue
		}
		where := fmt.Sprintf("principals[%d] (%s).certificateFile", i, p.Name)
		if readFile == nil {
			return nil, fmt.Errorf("%s: %s: certificate files are not supported here", source, where)
		}
		raw, err := readFile(p.CertificateFile)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", source, where, err)
		}
		p.Certificates = append(p.Certificates, string(raw))
		p.CertificateFile = ""
	}
	for di := range s.Databases {
		for ci := range s.Databases[di].Containers {
			c := &s.Databases[di].Containers[ci]
			where := fmt.Sprintf("databases[%d].containers[%d]", di, ci)
			c.labels = make([]string, len(c.Items))
			for i := range c.Items {
				c.labels[i] = fmt.Sprintf("%s.items[%d]", where, i)
			}
			if c.ItemsFile == "" {
				continue
			}
			if readFile == nil {
				return nil, fmt.Errorf("%s: %s.itemsFile: item files are not supported here", source, where)
			}
			raw, err := readFile(c.ItemsFile)
			if err != nil {
				return nil, fmt.Errorf("%s: %s.itemsFile: %w", source, where, err)
			}
			items, labels, err := parseItemsFile(c.ItemsFile, raw)
			if err != nil {
				return nil, fmt.Errorf("%s: %s.itemsFile: %w", source, where, err)
			}
			c.Items = append(c.Items, items...)
			c.labels = append(c.labels, labels...)
			c.ItemsFile = ""
		}
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// parseItemsFile reads a JSON array or JSON Lines (any whitespace-separated
// sequence of JSON values), labelling each item with its file and line.
func parseItemsFile(name string, raw []byte) ([]json.RawMessage, []string, error) {
	raw = trimBOM(raw)
	trimmed := bytes.TrimLeft(raw, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var arr []json.RawMessage
		if err := json.Unmarshal(trimmed, &arr); err != nil {
			return nil, nil, fmt.Errorf("%s: %s", name, describeJSONError(trimmed, err))
		}
		labels := make([]string, len(arr))
		for i := range arr {
			labels[i] = fmt.Sprintf("%s[%d]", name, i)
		}
		return arr, labels, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	var items []json.RawMessage
	var labels []string
	for {
		// The value starts after any whitespace at the current offset.
		start := dec.InputOffset()
		var m json.RawMessage
		err := dec.Decode(&m)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %s", name, describeJSONError(raw, err))
		}
		for start < int64(len(raw)) && strings.ContainsRune(" \t\r\n", rune(raw[start])) {
			start++
		}
		items = append(items, m)
		labels = append(labels, fmt.Sprintf("%s line %d", name, lineOf(raw, start)))
	}
	return items, labels, nil
}

// trimBOM drops a leading UTF-8 byte order mark (editors on Windows write
// one), which encoding/json rejects; it sits on line 1, so line numbers in
// errors stay right.
func trimBOM(b []byte) []byte { return bytes.TrimPrefix(b, []byte("\ufeff")) }

func lineOf(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// describeJSONError adds line:column to decoder errors that carry an offset.
func describeJSONError(data []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := lineCol(data, se.Offset)
		return fmt.Sprintf("invalid JSON at line %d, column %d: %s", line, col, se.Error())
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		line, col := lineCol(data, te.Offset)
		field := te.Field
		if field == "" {
			field = "value"
		}
		return fmt.Sprintf("line %d, column %d: %s must be %s, not JSON %s", line, col, field, te.Type.String(), te.Value)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "invalid JSON: unexpected end of file"
	}
	return err.Error()
}

func lineCol(data []byte, off int64) (int, int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	// Offsets count the bytes read, so the last byte read is the culprit.
	col := int(off) - 1 - bytes.LastIndexByte(before, '\n')
	return line, col
}

// Validate checks the seed and fills in defaults: principal object ids and
// client ids derived from names, role definition ids derived from role
// names, each item compacted, and every assignment's PrincipalID and
// RoleDefinitionID resolved. Errors name the source, the JSON path and the problem.
func (s *Seed) Validate() error {
	src := s.Source
	if src == "" {
		src = "seed"
	}
	fail := func(path, format string, args ...any) error {
		if path == "" {
			return fmt.Errorf("%s: %s", src, fmt.Sprintf(format, args...))
		}
		return fmt.Errorf("%s: %s: %s", src, path, fmt.Sprintf(format, args...))
	}
	if s.Tenant == "" {
		s.Tenant = DemoTenant
	}
	if !validTenant(s.Tenant) {
		return fail("tenant", "%q is not a tenant id (use a GUID, or letters, digits, '-' and '.')", s.Tenant)
	}
	if s.AccountKey != "" {
		k, err := base64.StdEncoding.DecodeString(s.AccountKey)
		if err != nil || len(k) == 0 {
			return fail("accountKey", "must be a base64 key like the ones the portal shows")
		}
	}

	byName := map[string]int{}
	byOID := map[string]int{}
	byClient := map[string]int{}
	for i := range s.Principals {
		p := &s.Principals[i]
		path := fmt.Sprintf("principals[%d]", i)
		if strings.TrimSpace(p.Name) == "" {
			return fail(path, `missing "name"`)
		}
		key := strings.ToLower(p.Name)
		if j, dup := byName[key]; dup {
			return fail(path, "duplicate principal name %q (also principals[%d])", p.Name, j)
		}
		byName[key] = i
		if p.OID == "" {
			p.OID = DerivedObjectID(s.Tenant, p.Name)
		}
		if _, err := uuid.Parse(p.OID); err != nil {
			return fail(path, "oid %q is not a GUID", p.OID)
		}
		p.OID = strings.ToLower(p.OID)
		if j, dup := byOID[p.OID]; dup {
			return fail(path, "duplicate oid %q (also principals[%d])", p.OID, j)
		}
		byOID[p.OID] = i
		for gi, g := range p.Groups {
			if _, err := uuid.Parse(g); err != nil {
				return fail(fmt.Sprintf("%s.groups[%d]", path, gi), "group %q is not a GUID (groups are object ids)", g)
			}
		}
		if p.ManagedIdentity {
			p.ServicePrincipal = true
		}
		if p.CertificateFile != "" {
			return fail(path, "principal %q: certificateFile %q was not loaded (use seed.Load or seed.Parse)", p.Name, p.CertificateFile)
		}
		if len(p.Certificates) > 0 && (!p.ServicePrincipal || p.ManagedIdentity) {
			return fail(path, `principal %q: certificates are only for service principals (set "servicePrincipal": true; managed identities have none)`, p.Name)
		}
		for ci, c := range p.Certificates {
			if _, err := parseCertificatePEM(c); err != nil {
				return fail(fmt.Sprintf("%s.certificates[%d]", path, ci), "principal %q: %v", p.Name, err)
			}
		}
		if !p.ServicePrincipal {
			if p.ClientID != "" || p.ClientSecret != "" {
				return fail(path, `clientId and clientSecret are only for service principals (set "servicePrincipal": true)`)
			}
			if p.UPN == "" {
				p.UPN = entra.DefaultUPN(p.Name)
			}
			continue
		}
		if p.ClientID == "" {
			p.ClientID = DerivedClientID(s.Tenant, p.Name)
		}
		if _, err := uuid.Parse(p.ClientID); err != nil {
			return fail(path, "clientId %q is not a GUID", p.ClientID)
		}
		ck := strings.ToLower(p.ClientID)
		if j, dup := byClient[ck]; dup {
			return fail(path, "duplicate clientId %q (also principals[%d])", p.ClientID, j)
		}
		byClient[ck] = i
	}

	dbSeen := map[string]int{}
	for di := range s.Databases {
		d := &s.Databases[di]
		path := fmt.Sprintf("databases[%d]", di)
		if err := validateID(d.ID); err != nil {
			return fail(path, "database id: %v", err)
		}
		if j, dup := dbSeen[d.ID]; dup {
			return fail(path, "duplicate database id %q (also databases[%d])", d.ID, j)
		}
		dbSeen[d.ID] = di
		collSeen := map[string]int{}
		for ci := range d.Containers {
			c := &d.Containers[ci]
			cpath := fmt.Sprintf("%s.containers[%d]", path, ci)
			if err := validateID(c.ID); err != nil {
				return fail(cpath, "container id: %v", err)
			}
			if j, dup := collSeen[c.ID]; dup {
				return fail(cpath, "duplicate container id %q (also %s.containers[%d])", c.ID, path, j)
			}
			collSeen[c.ID] = ci
			if err := c.validateKey(); err != nil {
				return fail(cpath, "%v", err)
			}
			if err := c.validateVectors(); err != nil {
				return fail(cpath, "%v", err)
			}
			if c.PhysicalPartitions == 0 {
				c.PhysicalPartitions = 1
			}
			if c.PhysicalPartitions < 1 || c.PhysicalPartitions > maxPhysicalPartitions {
				return fail(cpath, "physicalPartitions must be between 1 and %d, not %d", maxPhysicalPartitions, c.PhysicalPartitions)
			}
			if c.ItemsFile != "" {
				return fail(cpath, "itemsFile %q was not loaded (use seed.Load or seed.Parse)", c.ItemsFile)
			}
			if err := c.validateItems(cpath); err != nil {
				return fmt.Errorf("%s: %w", src, err)
			}
		}
	}

	roleIDs := map[string]string{}   // lower id → id
	roleNames := map[string]string{} // lower name → id
	for _, b := range rbac.BuiltinDefinitions() {
		roleIDs[strings.ToLower(b.ID)] = b.ID
		roleNames[strings.ToLower(b.RoleName)] = b.ID
	}
	for i := range s.RoleDefinitions {
		r := &s.RoleDefinitions[i]
		path := fmt.Sprintf("roleDefinitions[%d]", i)
		if strings.TrimSpace(r.RoleName) == "" {
			return fail(path, `missing "roleName"`)
		}
		if r.ID == "" {
			r.ID = uuid.NewSHA1(uuid.NameSpaceURL, []byte("cosmosctl-sandbox/role/"+strings.ToLower(r.RoleName))).String()
		}
		if _, err := uuid.Parse(r.ID); err != nil {
			return fail(path, "id %q is not a GUID", r.ID)
		}
		if _, dup := roleIDs[strings.ToLower(r.ID)]; dup {
			return fail(path, "duplicate role definition id %q", r.ID)
		}
		if _, dup := roleNames[strings.ToLower(r.RoleName)]; dup {
			return fail(path, "duplicate roleName %q", r.RoleName)
		}
		roleIDs[strings.ToLower(r.ID)] = r.ID
		roleNames[strings.ToLower(r.RoleName)] = r.ID
		if len(r.DataActions) == 0 {
			return fail(path, `"dataActions" must list at least one data action`)
		}
		for ai, a := range r.DataActions {
			if err := rbac.ValidateAction(a); err != nil {
				return fail(fmt.Sprintf("%s.dataActions[%d]", path, ai), "%v", err)
			}
		}
		for ai, a := range r.NotDataActions {
			if err := rbac.ValidateAction(a); err != nil {
				return fail(fmt.Sprintf("%s.notDataActions[%d]", path, ai), "%v", err)
			}
		}
		for si, sc := range r.AssignableScopes {
			if err := checkScope(sc); err != nil {
				return fail(fmt.Sprintf("%s.assignableScopes[%d]", path, si), "%v", err)
			}
		}
	}

	for i := range s.RoleAssignments {
		a := &s.RoleAssignments[i]
		path := fmt.Sprintf("roleAssignments[%d]", i)
		switch {
		case a.Principal == "" && a.PrincipalID == "":
			return fail(path, `name the principal with "principal" (a seed principal name) or "principalId" (an object id)`)
		case a.Principal != "":
			pi, ok := byName[strings.ToLower(a.Principal)]
			if !ok {
				return fail(path, "unknown principal %q (principals: %s)", a.Principal, s.principalNames())
			}
			oid := s.Principals[pi].OID
			if a.PrincipalID != "" && !strings.EqualFold(a.PrincipalID, oid) {
				return fail(path, "principal %q has oid %s, not principalId %s", a.Principal, oid, a.PrincipalID)
			}
			a.PrincipalID = oid
		default:
			if _, err := uuid.Parse(a.PrincipalID); err != nil {
				return fail(path, "principalId %q is not a GUID (an object id of a user, service principal or group)", a.PrincipalID)
			}
		}
		switch {
		case a.Role == "" && a.RoleDefinitionID == "":
			return fail(path, `name the role with "role" (a role name or built-in id) or "roleDefinitionId"`)
		case a.Role != "":
			id, ok := roleNames[strings.ToLower(a.Role)]
			if !ok {
				id, ok = roleIDs[strings.ToLower(a.Role)]
			}
			if !ok {
				return fail(path, "unknown role %q (roles: %s)", a.Role, s.roleNames())
			}
			if a.RoleDefinitionID != "" && !strings.EqualFold(lastSegment(a.RoleDefinitionID), id) {
				return fail(path, "role %q has id %s, not roleDefinitionId %s", a.Role, id, a.RoleDefinitionID)
			}
			a.RoleDefinitionID = id
		default:
			// Accept a full ARM id, as az and PowerShell do.
			id, ok := roleIDs[strings.ToLower(lastSegment(a.RoleDefinitionID))]
			if !ok {
				return fail(path, "unknown roleDefinitionId %q (roles: %s)", a.RoleDefinitionID, s.roleNames())
			}
			a.RoleDefinitionID = id
		}
		if a.Scope == "" {
			return fail(path, `missing "scope" (e.g. "/", "/dbs/shop" or "/dbs/shop/colls/orders")`)
		}
		if err := checkScope(a.Scope); err != nil {
			return fail(path, "%v", err)
		}
	}
	// Building the policy checks what is left: assignable scopes.
	if _, err := s.policy(); err != nil {
		return fail("", "%v", err)
	}
	s.validated = true
	return nil
}

// Policy returns the RBAC policy of a validated seed.
func (s *Seed) Policy() (*rbac.Policy, error) {
	p, err := s.policy()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Source, err)
	}
	return p, nil
}

func (s *Seed) policy() (*rbac.Policy, error) {
	defs := make([]rbac.Definition, 0, len(s.RoleDefinitions))
	for _, r := range s.RoleDefinitions {
		defs = append(defs, rbac.Definition{
			ID: r.ID, RoleName: r.RoleName, Type: rbac.TypeCustom,
			DataActions: r.DataActions, NotDataActions: r.NotDataActions, AssignableScopes: r.AssignableScopes,
		})
	}
	asg := make([]rbac.Assignment, 0, len(s.RoleAssignments))
	for _, a := range s.RoleAssignments {
		asg = append(asg, rbac.Assignment{PrincipalID: a.PrincipalID, RoleDefinitionID: a.RoleDefinitionID, Scope: a.Scope})
	}
	return rbac.New(defs, asg)
}

// PrincipalByName finds a principal (case-insensitive).
func (s *Seed) PrincipalByName(name string) (Principal, bool) {
	for _, p := range s.Principals {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return Principal{}, false
}

func (s *Seed) principalNames() string {
	n := make([]string, 0, len(s.Principals))
	for _, p := range s.Principals {
		n = append(n, p.Name)
	}
	if len(n) == 0 {
		return "none"
	}
	return strings.Join(n, ", ")
}

func (s *Seed) roleNames() string {
	n := []string{rbac.DataReaderName, rbac.DataContributorName}
	for _, r := range s.RoleDefinitions {
		n = append(n, r.RoleName)
	}
	return `"` + strings.Join(n, `", "`) + `"`
}

// DerivedObjectID is the object id given to a principal whose seed entry has
// none: stable across restarts, so tokens and assignments stay meaningful.
// It is the fake Entra ID's own derivation, so both agree.
func DerivedObjectID(tenant, name string) string { return entra.DerivedObjectID(tenant, name) }

// DerivedClientID is the client id given to a service principal whose seed entry has none.
func DerivedClientID(tenant, name string) string { return entra.DerivedClientID(tenant, name) }

func lastSegment(s string) string {
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func validTenant(t string) bool {
	if t == "" {
		return false
	}
	for _, r := range t {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// validateID applies Cosmos DB's resource id rules.
func validateID(id string) error {
	switch {
	case id == "":
		return errors.New(`missing "id"`)
	case len(id) > 255:
		return fmt.Errorf("%q is longer than 255 characters", id)
	case strings.ContainsAny(id, `/\?#`):
		return fmt.Errorf(`%q contains one of the characters / \ ? # that Cosmos DB rejects`, id)
	case strings.TrimSpace(id) != id:
		return fmt.Errorf("%q has leading or trailing spaces", id)
	}
	return nil
}

func (c *Container) validateKey() error {
	pk := c.PartitionKey
	if len(pk.Paths) == 0 {
		return errors.New(`missing "partitionKey" (a path like "/customerId", or an array of up to 3 paths for a hierarchical key)`)
	}
	switch pk.Kind {
	case "Hash":
		if len(pk.Paths) != 1 {
			return fmt.Errorf("a Hash partitionKey has exactly one path, not %d", len(pk.Paths))
		}
	case "MultiHash":
		if len(pk.Paths) > maxHashPaths {
			return fmt.Errorf("a hierarchical partitionKey has at most %d paths, not %d", maxHashPaths, len(pk.Paths))
		}
	default:
		return fmt.Errorf(`partitionKey kind must be "Hash" or "MultiHash", not %q`, pk.Kind)
	}
	switch pk.Version {
	case 0:
		c.PartitionKey.Version = 2
	case 1:
		if pk.Kind == "MultiHash" {
			return errors.New("a hierarchical partitionKey needs hash version 2")
		}
	case 2:
	default:
		return fmt.Errorf("partitionKey version must be 1 or 2, not %d", pk.Version)
	}
	seen := map[string]bool{}
	for _, p := range pk.Paths {
		if !strings.HasPrefix(p, "/") {
			return fmt.Errorf("partitionKey %q must start with \"/\"", p)
		}
		if p == "/" || strings.HasSuffix(p, "/") || strings.Contains(p, "//") {
			return fmt.Errorf("partitionKey %q is not a property path like \"/customerId\"", p)
		}
		if seen[p] {
			return fmt.Errorf("partitionKey path %q appears twice", p)
		}
		seen[p] = true
	}
	return nil
}

// validateItems compacts each item and checks its id and partition key.
// Ids are unique per logical partition, as in Cosmos DB.
func (c *Container) validateItems(cpath string) error {
	type key struct{ pk, id string }
	seen := make(map[key]string, len(c.Items))
	for i := range c.Items {
		label := fmt.Sprintf("%s.items[%d]", cpath, i)
		if i < len(c.labels) && c.labels[i] != "" {
			label = c.labels[i]
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, c.Items[i]); err != nil {
			return fmt.Errorf("%s: invalid JSON: %v", label, err)
		}
		c.Items[i] = json.RawMessage(bytes.Clone(buf.Bytes()))
		id, pkText, err := itemKey(c.Items[i], c.PartitionKey.Paths)
		if err != nil {
			return fmt.Errorf("%s: %v", label, err)
		}
		if err := validateID(id); err != nil {
			return fmt.Errorf("%s: item id: %v", label, err)
		}
		k := key{pkText, id}
		if first, dup := seen[k]; dup {
			return fmt.Errorf("%s: duplicate id %q in logical partition %s (also %s)", label, id, pkText, first)
		}
		seen[k] = label
	}
	return nil
}

// itemKey decodes just enough of an item (numbers as json.Number) to find
// its id and partition key values; the stored bytes are not touched.
func itemKey(raw json.RawMessage, paths []string) (string, string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", "", fmt.Errorf("invalid JSON: %v", err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return "", "", errors.New("an item must be a JSON object")
	}
	idv, present := obj["id"]
	id, isString := idv.(string)
	if !present || !isString {
		return "", "", errors.New(`item has no string "id"`)
	}
	vals := make([]any, 0, len(paths))
	for _, p := range paths {
		var cur any = obj
		found := true
		for _, seg := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
			m, ok := cur.(map[string]any)
			if !ok {
				found = false
				break
			}
			if cur, ok = m[seg]; !ok {
				found = false
				break
			}
		}
		if !found {
			// A missing key would silently land in the "undefined" logical
			// partition; in a seed that is almost always a typo.
			return "", "", fmt.Errorf("item %q has no value at partition key path %s", id, p)
		}
		switch cur.(type) {
		case map[string]any, []any:
			return "", "", fmt.Errorf("item %q: partition key %s must be a string, number, boolean or null, not an object or array", id, p)
		}
		vals = append(vals, cur)
	}
	pkText, err := json.Marshal(vals)
	if err != nil {
		return "", "", err
	}
	return id, string(pkText), nil
}

// checkScope accepts what the service accepts: a scope starting with a
// slash ("dbs/shop" would be taken for "/dbs/shop" by NormalizeScope,
// which trims slashes).
func checkScope(sc string) error {
	if !strings.HasPrefix(strings.TrimSpace(sc), "/") {
		return fmt.Errorf(`invalid scope %q: a scope starts with "/", e.g. "/dbs/shop"`, sc)
	}
	_, err := rbac.NormalizeScope(sc)
	return err
}
