// Package sandbox wires the sandbox together: it validates the options and
// the seed, generates a CA and a server certificate, serves the fake Entra
// ID (package entra) and the Cosmos DB gateway (package gateway) on two
// loopback HTTPS listeners, and publishes how to reach them in
// DIR/sandbox.json and, optionally, a "sandbox" configuration profile.
package sandbox

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cosmosctl/cosmosctl/internal/atomicfile"
	"github.com/cosmosctl/cosmosctl/internal/config"
	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/engine"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/entra"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/gateway"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/reqlog"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/seed"
)

// InfoFile is the file in the sandbox directory that tells other processes
// (`cosmosctl sandbox approve`, scripts) how to reach a running sandbox.
const InfoFile = "sandbox.json"

// ProfileName is the configuration profile the sandbox creates or updates
// unless Options.Profile names another.
const ProfileName = "sandbox"

// CosmosAudience is the account-agnostic audience the gateway also accepts.
const CosmosAudience = "https://cosmos.azure.com"

// DefaultListen is the default address of both listeners: a free loopback port.
const DefaultListen = "127.0.0.1:0"

// Options configures Start.
type Options struct {
	Dir               string        // where certificates and sandbox.json go (created if missing); required
	Seed              *seed.Seed    // nil = the built-in demo seed
	Listen            string        // Cosmos gateway address; "" = DefaultListen
	EntraListen       string        // Entra ID address; "" = DefaultListen
	AutoApprove       string        // approve every device code as this user principal
	TokenLifetime     time.Duration // access-token lifetime; 0 = 1h
	Faults            []string      // gateway fault specs ("throttle=0.3", …)
	LocalAuthDisabled bool          // refuse master-key requests (also set by the seed)
	PollInterval      time.Duration // device-code polling interval; 0 = Entra's default (5s)
	ConfigDir         string        // "" = leave the configuration alone; else write the profile there
	Profile           string        // the profile to write; "" = ProfileName
	ErrorLog          io.Writer     // HTTP server errors (TLS handshakes, resets); nil = discarded
	// RequestLog gets one line per request served by the gateway and
	// Entra ID (see package reqlog); nil = none.
	RequestLog io.Writer
	// Persist keeps the containers' documents in DIR/data.json: loaded at
	// start (replacing the seed's items of the containers it has) and
	// written by Close.
	Persist bool
}

// Info is the content of sandbox.json. It holds the sandbox's test
// credentials on purpose: they are how scripts sign in to it.
type Info struct {
	Endpoint      string          `json:"endpoint"`
	AuthorityHost string          `json:"authority_host"`
	Tenant        string          `json:"tenant"`
	CAFile        string          `json:"ca_file"`
	AccountKey    string          `json:"account_key"`
	PID           int             `json:"pid"`
	Profile       string          `json:"profile,omitempty"` // the profile written, if any
	Principals    []InfoPrincipal `json:"principals,omitempty"`
}

// InfoPrincipal says who a principal is and how to sign in as it.
type InfoPrincipal struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"` // "user", "service_principal" or "managed_identity"
	ObjectID string `json:"object_id"`
	UPN      string `json:"upn,omitempty"`
	// Service principals: the client credentials (secret only if it has one).
	ClientID     string `json:"client_id,omitempty"`
	ClientSecret string `json:"client_secret,omitempty"`
	// Managed identities: the values of IDENTITY_ENDPOINT and IDENTITY_HEADER.
	IdentityEndpoint string `json:"identity_endpoint,omitempty"`
	IdentityHeader   string `json:"identity_header,omitempty"`
}

// Principal kinds of InfoPrincipal.Kind.
const (
	KindUser             = "user"
	KindServicePrincipal = "service_principal"
	KindManagedIdentity  = "managed_identity"
)

// Sandbox is a running sandbox. Close it to stop both listeners.
type Sandbox struct {
	Endpoint      string // https://127.0.0.1:P1
	AuthorityHost string // https://127.0.0.1:P2
	Tenant        string
	CAFile        string // DIR/ca.pem
	AccountKey    string // base64 master key
	Dir           string
	Seed          *seed.Seed
	Entra         *entra.Server
	Gateway       *gateway.Gateway
	Profile       string // the profile written; "" when Options.ConfigDir was empty
	// Resumed is true when the directory held an earlier run's keys and
	// sign-ins, which this run keeps.
	Resumed bool

	pool      *x509.CertPool
	persist   bool
	servers   []*http.Server
	serveErr  chan error
	closeOnce sync.Once
	closeErr  error
}

// CertPool returns a pool that trusts the sandbox's CA.
func (s *Sandbox) CertPool() *x509.CertPool { return s.pool }

// Info returns what sandbox.json holds.
func (s *Sandbox) Info() Info {
	info := Info{Endpoint: s.Endpoint, AuthorityHost: s.AuthorityHost, Tenant: s.Tenant, CAFile: s.CAFile, AccountKey: s.AccountKey, PID: os.Getpid(), Profile: s.Profile}
	for _, p := range s.Entra.Principals() {
		ip := InfoPrincipal{Name: p.Name, ObjectID: p.ObjectID}
		switch {
		case p.ManagedIdentity:
			ip.Kind, ip.ClientID = KindManagedIdentity, p.ClientID
			ip.IdentityEndpoint = s.AuthorityHost + "/msi/token"
			ip.IdentityHeader = s.Entra.ManagedIdentitySecret()
		case p.ServicePrincipal:
			ip.Kind, ip.ClientID, ip.ClientSecret = KindServicePrincipal, p.ClientID, p.ClientSecret
		default:
			ip.Kind, ip.UPN = KindUser, p.UPN
		}
		info.Principals = append(info.Principals, ip)
	}
	return info
}

// usage wraps bad input as an exit-2 error for the command.
func usage(format string, args ...any) error { return errs.Usage(format, args...) }

// Start validates opts, then starts both listeners and returns when they
// serve. Bad input (non-loopback address, fault spec, seed, auto-approve
// principal, port in use) is a *errs.Error of kind usage, returned
// before anything listens.
func Start(ctx context.Context, opts Options) (*Sandbox, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if opts.Dir == "" {
		return nil, usage("sandbox: no directory given")
	}
	listen, err := loopbackAddr("--listen", opts.Listen)
	if err != nil {
		return nil, err
	}
	entraListen, err := loopbackAddr("--entra-listen", opts.EntraListen)
	if err != nil {
		return nil, err
	}
	faults, err := gateway.ParseFaults(opts.Faults)
	if err != nil {
		return nil, usage("--fault: %v", err)
	}
	if opts.TokenLifetime < 0 {
		return nil, usage("--token-lifetime must be positive, not %s", opts.TokenLifetime)
	}
	sd := opts.Seed
	if sd == nil {
		sd = seed.Demo()
	} else if !sd.Validated() {
		if err := sd.Validate(); err != nil {
			return nil, usage("%v", err)
		}
	}
	if opts.AutoApprove != "" {
		p, ok := sd.PrincipalByName(opts.AutoApprove)
		if !ok || p.ServicePrincipal {
			return nil, usage("--auto-approve: %q is not a user principal of the seed (users: %s)", opts.AutoApprove, strings.Join(userNames(sd), ", "))
		}
	}
	policy, err := sd.Policy()
	if err != nil {
		return nil, usage("%v", err)
	}
	kept, err := readKeptState(opts.Dir)
	if err != nil {
		return nil, usage("%v", err)
	}
	masterKey, err := accountKey(sd, kept.AccountKey)
	if err != nil {
		return nil, usage("%v", err)
	}
	signingKey, freshSigning, err := keptRSAKey(opts.Dir, signingKeyFile)
	if err != nil {
		return nil, usage("%v", err)
	}
	federatedKey, freshFederated, err := keptRSAKey(opts.Dir, federatedKeyFile)
	if err != nil {
		return nil, usage("%v", err)
	}
	profile := opts.Profile
	if profile == "" {
		profile = ProfileName
	}

	s := &Sandbox{Tenant: sd.Tenant, Seed: sd, Dir: opts.Dir, AccountKey: base64.StdEncoding.EncodeToString(masterKey), serveErr: make(chan error, 2)}
	// The gateway's endpoint is known only after its listener binds; the
	// fake Entra asks for its accepted resources lazily.
	var endpointMu sync.Mutex
	var resources []string
	principals, err := entraPrincipals(sd)
	if err != nil {
		return nil, usage("%v", err)
	}
	entraSrv, err := entra.New(entra.Config{
		Tenant:                sd.Tenant,
		Principals:            principals,
		TokenLifetime:         opts.TokenLifetime,
		AutoApprove:           opts.AutoApprove,
		PollInterval:          opts.PollInterval,
		SigningKey:            signingKey,
		FederatedKey:          federatedKey,
		StateFile:             filepath.Join(opts.Dir, entraStateFile),
		ManagedIdentitySecret: kept.IdentityHeader,
		Resources: func() []string {
			endpointMu.Lock()
			defer endpointMu.Unlock()
			return append([]string(nil), resources...)
		},
	})
	if err != nil {
		return nil, usage("%v", err)
	}
	s.Entra = entraSrv

	if info, ok := running(ctx, opts.Dir); ok {
		return nil, errs.New(errs.KindUsage, nil, "stop it first, or pass another --dir",
			"a sandbox is already running in %s (pid %d)", opts.Dir, info.PID)
	}
	if opts.ConfigDir != "" {
		if err := profileFree(ctx, opts.ConfigDir, profile, opts.Dir); err != nil {
			return nil, err
		}
	}
	s.Resumed = !freshSigning
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("create sandbox directory: %w", err)
	}
	for _, k := range []struct {
		name  string
		key   *rsa.PrivateKey
		fresh bool
	}{{signingKeyFile, signingKey, freshSigning}, {federatedKeyFile, federatedKey, freshFederated}} {
		if !k.fresh {
			continue
		}
		if err := storeRSAKey(opts.Dir, k.name, k.key); err != nil {
			return nil, err
		}
	}

	// A sandbox.json left by an earlier run must not be mistaken for this one.
	if err := os.Remove(filepath.Join(opts.Dir, InfoFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("remove stale %s: %w", InfoFile, err)
	}

	gwLn, err := listenKept(ctx, listen, opts.Listen, kept.Listen)
	if err != nil {
		return nil, listenError("--listen", listen, err)
	}
	enLn, err := listenKept(ctx, entraListen, opts.EntraListen, kept.EntraListen)
	if err != nil {
		gwLn.Close()
		return nil, listenError("--entra-listen", entraListen, err)
	}
	closeListeners := func() { gwLn.Close(); enLn.Close() }

	gwAddr := gwLn.Addr().(*net.TCPAddr)
	enAddr := enLn.Addr().(*net.TCPAddr)
	s.Endpoint = "https://" + net.JoinHostPort(gwAddr.IP.String(), strconv.Itoa(gwAddr.Port))
	s.AuthorityHost = "https://" + net.JoinHostPort(enAddr.IP.String(), strconv.Itoa(enAddr.Port))
	entraSrv.SetBaseURL(s.AuthorityHost)
	endpointMu.Lock()
	resources = acceptedResources(gwAddr)
	endpointMu.Unlock()

	material, err := keptTLSMaterial(opts.Dir, time.Now(), []net.IP{gwAddr.IP, enAddr.IP})
	if err != nil {
		closeListeners()
		return nil, err
	}
	if s.CAFile, err = material.write(opts.Dir); err != nil {
		closeListeners()
		return nil, err
	}
	s.pool = material.pool
	kept.IdentityHeader = entraSrv.ManagedIdentitySecret()
	kept.Listen, kept.EntraListen = gwLn.Addr().String(), enLn.Addr().String()
	kept.AccountKey = ""
	if sd.AccountKey == "" {
		kept.AccountKey = s.AccountKey
	}
	if err := writeKeptState(opts.Dir, kept); err != nil {
		closeListeners()
		return nil, err
	}

	dbs := gatewayDatabases(sd)
	if opts.Persist {
		s.persist = true
		if err := loadData(opts.Dir, dbs); err != nil {
			closeListeners()
			return nil, err
		}
	}
	gw, err := gateway.New(gateway.Config{
		AccountName:       "sandbox",
		MasterKey:         masterKey,
		AcceptEmulatorKey: sd.AcceptEmulatorKey,
		LocalAuthDisabled: opts.LocalAuthDisabled || sd.LocalAuthDisabled,
		TokenKey:          entraSrv.SigningKey,
		TokenIssuer:       entraSrv.Issuer(),
		Tenant:            sd.Tenant,
		ExtraAudiences:    []string{CosmosAudience},
		Authorizer:        policy,
		Databases:         dbs,
		Faults:            faults,
	})
	if err != nil {
		closeListeners()
		return nil, usage("%s: %v", sd.Source, err)
	}
	s.Gateway = gw

	errLog := opts.ErrorLog
	if errLog == nil {
		errLog = io.Discard
	}
	tlsCfg := &tls.Config{Certificates: []tls.Certificate{material.server}, MinVersion: tls.VersionTLS12}
	var gwHandler, enHandler http.Handler = gw, entraSrv
	if opts.RequestLog != nil {
		rl := reqlog.New(opts.RequestLog, principalNamer(entraSrv.Principals()))
		gwHandler, enHandler = rl.Wrap("cosmos", gw), rl.Wrap("entra", entraSrv)
	}
	for _, srv := range []struct {
		ln net.Listener
		h  http.Handler
	}{{gwLn, gwHandler}, {enLn, enHandler}} {
		hs := &http.Server{
			Handler:           srv.h,
			TLSConfig:         tlsCfg.Clone(),
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          log.New(errLog, "sandbox: ", 0),
		}
		s.servers = append(s.servers, hs)
		go func(ln net.Listener) {
			if err := hs.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.serveErr <- fmt.Errorf("serve %s: %w", ln.Addr(), err)
			}
		}(srv.ln)
	}

	if opts.ConfigDir != "" {
		s.Profile = profile
		if err := s.writeProfile(opts.ConfigDir); err != nil {
			s.Close()
			return nil, err
		}
	}
	// sandbox.json is written last, once both listeners serve and the
	// profile exists, so its presence means "ready" to scripts that wait for it.
	info, err := json.MarshalIndent(s.Info(), "", "  ")
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("encode %s: %w", InfoFile, err)
	}
	if err := atomicfile.Write(filepath.Join(opts.Dir, InfoFile), append(info, '\n'), 0o600); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Wait blocks until ctx is done (returning nil) or a listener fails.
func (s *Sandbox) Wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return nil
	case err := <-s.serveErr:
		return err
	}
}

// Close stops both servers, closing their listeners and connections, and
// removes sandbox.json. It is safe to call more than once.
func (s *Sandbox) Close() error {
	s.closeOnce.Do(func() {
		// A short grace period: in-flight requests finish, idle and
		// half-open connections (device-code polls, resets) are cut.
		ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
		defer cancel()
		var errs []error
		for _, hs := range s.servers {
			if err := hs.Shutdown(ctx); err != nil {
				// Hanging connections (long polls) are cut rather than waited for.
				if cerr := hs.Close(); cerr != nil {
					errs = append(errs, cerr)
				}
			}
		}
		if s.persist && s.Gateway != nil {
			// After Shutdown: no request can change the data any more.
			if err := saveData(s.Dir, s.Gateway.Snapshot()); err != nil {
				errs = append(errs, err)
			}
		}
		if err := os.Remove(filepath.Join(s.Dir, InfoFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// writeProfile creates or updates s.Profile; it becomes the current
// profile only when none is current.
func (s *Sandbox) writeProfile(dir string) error {
	cfg, err := config.Load(dir)
	if err != nil {
		return errs.New(errs.KindUsage, err, "fix or remove the file", "%s", err.Error())
	}
	p := cfg.EnsureProfile(s.Profile)
	sameSandbox := s.Resumed && p.CAFile == s.CAFile
	p.Endpoint = s.Endpoint + "/"
	p.AuthorityHost = s.AuthorityHost + "/"
	p.Tenant = s.Tenant
	p.CAFile = s.CAFile
	if !sameSandbox {
		p.Auth = "devicecode"
		// A sign-in recorded against another sandbox (or an earlier one
		// whose keys are gone) cannot be refreshed by this one.
		p.Account = nil
	}
	if cfg.CurrentProfile == "" {
		cfg.CurrentProfile = s.Profile
	}
	if err := cfg.Save(); err != nil {
		return fmt.Errorf("save the %q profile: %w", s.Profile, err)
	}
	return nil
}

// profileFree refuses a profile that a sandbox in another directory, still
// running, wrote: taking it over would strand that sandbox's users.
func profileFree(ctx context.Context, cfgDir, profile, dir string) error {
	cfg, err := config.Load(cfgDir)
	if err != nil {
		return errs.New(errs.KindUsage, err, "fix or remove the file", "%s", err.Error())
	}
	p := cfg.Profile(profile)
	if p == nil || p.CAFile == "" {
		return nil
	}
	other := filepath.Dir(p.CAFile)
	if sameDir(other, dir) {
		return nil
	}
	if info, ok := running(ctx, other); ok {
		return errs.New(errs.KindUsage, nil, "stop that sandbox first, or give this one another profile: --profile NAME",
			"profile %q belongs to the sandbox running in %s (pid %d)", profile, other, info.PID)
	}
	return nil
}

func sameDir(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}

// listenKept binds addr; when the flag was left at its default and an
// earlier run in the directory had an address, it tries that one first,
// so a restarted sandbox keeps the endpoints its profile and its clients'
// token caches name.
func listenKept(ctx context.Context, addr, flag, last string) (net.Listener, error) {
	var lc net.ListenConfig
	if (flag == "" || flag == DefaultListen) && last != "" {
		if h, _, err := net.SplitHostPort(last); err == nil {
			if ip := net.ParseIP(h); ip != nil && ip.IsLoopback() {
				if ln, err := lc.Listen(ctx, "tcp", last); err == nil {
					return ln, nil
				}
			}
		}
	}
	return lc.Listen(ctx, "tcp", addr)
}

// principalNamer maps the object ids the gateway records to names for the
// request log.
func principalNamer(ps []entra.Principal) func(string) string {
	names := make(map[string]string, len(ps))
	for _, p := range ps {
		names[strings.ToLower(p.ObjectID)] = p.Name
	}
	return func(id string) string {
		if n, ok := names[strings.ToLower(id)]; ok {
			return n
		}
		return id
	}
}

// ReadInfo reads DIR/sandbox.json.
func ReadInfo(dir string) (*Info, error) {
	path := filepath.Join(dir, InfoFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, errs.New(errs.KindUsage, err, "start one with `cosmosctl sandbox --dir "+dir+"`",
			"no sandbox is running in %s (%s not found)", dir, InfoFile)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var info Info
	if err := json.Unmarshal(data, &info); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON: %w", path, err)
	}
	if info.Endpoint == "" || info.AuthorityHost == "" || info.CAFile == "" {
		return nil, fmt.Errorf("%s lacks endpoint, authority_host or ca_file", path)
	}
	return &info, nil
}

// running reports whether dir's sandbox.json names a live process whose
// gateway still accepts connections (both: a crashed sandbox's pid or port
// may have been reused): starting over it would replace its certificates.
func running(ctx context.Context, dir string) (*Info, bool) {
	info, err := ReadInfo(dir)
	if err != nil || !processAlive(info.PID) {
		return nil, false
	}
	u, err := url.Parse(info.Endpoint)
	if err != nil || u.Host == "" {
		return nil, false
	}
	ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return nil, false
	}
	conn.Close()
	return info, true
}

// loopbackAddr checks that addr is host:port on a loopback host.
func loopbackAddr(flag, addr string) (string, error) {
	if addr == "" {
		return DefaultListen, nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", usage("%s %q: want HOST:PORT on loopback, e.g. 127.0.0.1:8081", flag, addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "", usage("%s %q: port must be a number from 0 to 65535", flag, addr)
	}
	switch {
	case host == "localhost":
		// Bind the IPv4 loopback: "localhost" may resolve to several addresses.
		return net.JoinHostPort("127.0.0.1", port), nil
	case host == "":
		return "", usage("%s %q: the sandbox listens on loopback only; give 127.0.0.1:%s", flag, addr, port)
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return "", usage("%s %q: the sandbox listens on loopback only (127.0.0.0/8, ::1 or localhost)", flag, addr)
	}
	return net.JoinHostPort(ip.String(), port), nil
}

func listenError(flag, addr string, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return errs.New(errs.KindUsage, err, "pick another port, or 127.0.0.1:0 for a free one",
			"%s %s: address already in use", flag, addr)
	}
	return errs.New(errs.KindUsage, err, "", "%s %s: %v", flag, addr, err)
}

// acceptedResources are the token audiences Entra issues for the gateway:
// azcosmos asks for scheme://host/.default with the port dropped.
func acceptedResources(gw *net.TCPAddr) []string {
	ip := gw.IP.String()
	port := strconv.Itoa(gw.Port)
	out := []string{"https://" + ip}
	if gw.IP.To4() == nil {
		// azcosmos builds the scope from url.Hostname(), which drops the
		// brackets of an IPv6 literal; accept both spellings.
		out = append(out, "https://["+ip+"]")
	}
	return append(out,
		"https://"+net.JoinHostPort(ip, port),
		"https://localhost", "https://localhost:"+port,
		CosmosAudience)
}

// accountKey is the seed's key, else the one an earlier run in the same
// directory generated, else a new one.
func accountKey(sd *seed.Seed, kept string) ([]byte, error) {
	if sd.AccountKey != "" {
		k, err := base64.StdEncoding.DecodeString(sd.AccountKey)
		if err != nil {
			return nil, fmt.Errorf("%s: accountKey: %w", sd.Source, err)
		}
		return k, nil
	}
	if k, err := base64.StdEncoding.DecodeString(kept); err == nil && len(k) == 64 {
		return k, nil
	}
	k := make([]byte, 64)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("generate account key: %w", err)
	}
	return k, nil
}

func userNames(sd *seed.Seed) []string {
	var n []string
	for _, p := range sd.Principals {
		if !p.ServicePrincipal {
			n = append(n, p.Name)
		}
	}
	return n
}

func entraPrincipals(sd *seed.Seed) ([]entra.Principal, error) {
	out := make([]entra.Principal, 0, len(sd.Principals))
	for _, p := range sd.Principals {
		certs, err := p.X509Certificates()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sd.Source, err)
		}
		out = append(out, entra.Principal{
			Name: p.Name, ObjectID: p.OID, UPN: p.UPN, DisplayName: p.DisplayName,
			Groups:           append([]string(nil), p.Groups...),
			GroupsOverage:    p.GroupsOverage,
			ServicePrincipal: p.ServicePrincipal, ManagedIdentity: p.ManagedIdentity,
			ClientID: p.ClientID, ClientSecret: p.ClientSecret,
			FederatedSubjects: append([]string(nil), p.FederatedSubjects...),
			Certificates:      certs,
		})
	}
	return out, nil
}

func gatewayDatabases(sd *seed.Seed) []gateway.Database {
	out := make([]gateway.Database, 0, len(sd.Databases))
	for _, d := range sd.Databases {
		gd := gateway.Database{ID: d.ID}
		for _, c := range d.Containers {
			gd.Containers = append(gd.Containers, gateway.Container{
				ID:                 c.ID,
				PartitionKey:       engine.PartitionKeyDef{Paths: append([]string(nil), c.PartitionKey.Paths...), Kind: c.PartitionKey.Kind, Version: c.PartitionKey.Version},
				PhysicalPartitions: c.PhysicalPartitions,
				DefaultTTL:         c.DefaultTTL,
				Vectors:            vectorPolicy(c.VectorEmbeddingPolicy),
				VectorIndexes:      vectorIndexes(c.IndexingPolicy),
				Items:              c.Items,
			})
		}
		out = append(out, gd)
	}
	return out
}

// vectorPolicy converts a seed's vectorEmbeddingPolicy for the engine.
func vectorPolicy(p *seed.VectorEmbeddingPolicy) engine.VectorPolicy {
	var vp engine.VectorPolicy
	if p == nil {
		return vp
	}
	for _, e := range p.VectorEmbeddings {
		vp.Embeddings = append(vp.Embeddings, engine.VectorEmbedding{Path: e.Path, DataType: e.DataType, Dimensions: e.Dimensions, DistanceFunction: e.DistanceFunction})
	}
	return vp
}

func vectorIndexes(p *seed.IndexingPolicy) []gateway.VectorIndex {
	if p == nil {
		return nil
	}
	out := make([]gateway.VectorIndex, 0, len(p.VectorIndexes))
	for _, vi := range p.VectorIndexes {
		out = append(out, gateway.VectorIndex{Path: vi.Path, Type: vi.Type})
	}
	return out
}
