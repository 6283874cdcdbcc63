package releasetest

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// goreleaser is pinned like scripts/release-snapshot pins it.
const goreleaser = "github.com/goreleaser/goreleaser/v2@v2.15.1"

// reduced is the target set CI builds: one platform is enough to check the
// archive and package layout, and all six take too long on 2 cores.
// COSMOSCTL_RELEASE_TARGETS=all builds every target instead.
var reduced = map[string]string{
	"goos: [linux, darwin, windows]": "goos: [linux]",
	"goarch: [amd64, arm64]":         "goarch: [amd64]",
}

// caskFile matches the cask stanzas that name a file in the archive.
var caskFile = regexp.MustCompile(`(?m)^\s*(binary|manpage|bash_completion|zsh_completion|fish_completion) "([^"]+)"`)

func TestReleaseSnapshot(t *testing.T) {
	if os.Getenv("COSMOSCTL_RELEASE_TEST") != "1" && os.Getenv("CI") == "" {
		t.Skip("builds a goreleaser snapshot (minutes): set COSMOSCTL_RELEASE_TEST=1 to run it (CI does)")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("goreleaser needs git on PATH:", err)
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dist := filepath.Join(t.TempDir(), "dist")
	cfg := snapshotConfig(t, root, dist, os.Getenv("COSMOSCTL_RELEASE_TARGETS") != "all")

	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Minute)
	defer cancel()
	run(ctx, t, root, "check", "--config", filepath.Join(root, ".goreleaser.yaml"))
	start := time.Now()
	run(ctx, t, root, "release", "--snapshot", "--clean", "--config", cfg)
	t.Logf("snapshot built in %s", time.Since(start).Round(time.Second))

	version := metadataVersion(t, dist)
	sizes := artifactSizes(t, dist)
	for _, name := range sortedKeys(sizes) {
		t.Logf("%10d  %s", sizes[name], name)
	}

	arch := "linux_amd64"
	tarball := fmt.Sprintf("cosmosctl_%s_%s.tar.gz", version, arch)
	// Debian spells a pre-release "1.2.3~rc1" so that it sorts before 1.2.3.
	deb := fmt.Sprintf("cosmosctl_%s_amd64.deb", strings.Replace(version, "-", "~", 1))
	for _, name := range []string{tarball, deb, "checksums.txt"} {
		if _, ok := sizes[name]; !ok {
			t.Errorf("no %s among the artifacts %v", name, sortedKeys(sizes))
		}
	}
	for _, ext := range []string{".rpm", ".apk"} {
		if !hasSuffix(sizes, ext) {
			t.Errorf("no %s package among the artifacts %v", ext, sortedKeys(sizes))
		}
	}
	checkChecksums(t, dist)

	t.Run("tarball", func(t *testing.T) {
		// Archives are flat (see .goreleaser.yaml).
		files := readTarGz(t, readFile(t, filepath.Join(dist, tarball)))
		want := []struct {
			path string
			exec bool
		}{
			{"cosmosctl", true},
			{"README.md", false},
			{"LICENSE", false},
			{"completions/cosmosctl.bash", false},
			{"completions/_cosmosctl", false},
			{"completions/cosmosctl.fish", false},
			{"man/cosmosctl.1.gz", false},
			{"man/cosmosctl-query.1.gz", false},
		}
		for _, w := range want {
			checkEntry(t, files, w.path, w.exec)
		}
		checkManPage(t, files, "man/cosmosctl.1.gz")
		// The cask installs files from the (identically laid out) macOS
		// archives by these paths.
		cask := readFile(t, filepath.Join(dist, "homebrew", "Casks", "cosmosctl.rb"))
		stanzas := caskFile.FindAllSubmatch(cask, -1)
		if len(stanzas) < 5 {
			t.Errorf("the cask installs %d files, want the binary, a man page and 3 completions:\n%s", len(stanzas), cask)
		}
		for _, m := range stanzas {
			if _, ok := files[string(m[2])]; !ok {
				t.Errorf("the cask's %s %q is not in the archive", m[1], m[2])
			}
		}
		if runtime.GOOS+"_"+runtime.GOARCH == arch {
			checkVersion(ctx, t, files["cosmosctl"].data, version)
		}
	})

	t.Run("deb", func(t *testing.T) {
		members := readAr(t, readFile(t, filepath.Join(dist, deb)))
		data, ok := members["data.tar.gz"]
		if !ok {
			t.Fatalf("no data.tar.gz in the .deb; members: %v", sortedKeys(members))
		}
		files := readTarGz(t, data)
		for _, w := range []struct {
			path string
			exec bool
		}{
			{"./usr/bin/cosmosctl", true},
			{"./usr/share/bash-completion/completions/cosmosctl", false},
			{"./usr/share/zsh/vendor-completions/_cosmosctl", false},
			{"./usr/share/fish/vendor_completions.d/cosmosctl.fish", false},
			{"./usr/share/man/man1/cosmosctl.1.gz", false},
			{"./usr/share/man/man1/cosmosctl-query.1.gz", false},
		} {
			checkEntry(t, files, w.path, w.exec)
		}
		checkManPage(t, files, "./usr/share/man/man1/cosmosctl.1.gz")

		control, ok := members["control.tar.gz"]
		if !ok {
			t.Fatalf("no control.tar.gz in the .deb; members: %v", sortedKeys(members))
		}
		ctl := string(readTarGz(t, control)["./control"].data)
		for _, line := range []string{"Package: cosmosctl", "Architecture: amd64", "Recommends: gnome-keyring"} {
			if !strings.Contains(ctl, line+"\n") {
				t.Errorf("the .deb control file lacks %q:\n%s", line, ctl)
			}
		}
	})
}

// snapshotConfig writes the repository's .goreleaser.yaml with its output in
// dist and, when reduce is set, the reduced target set.
func snapshotConfig(t *testing.T, root, dist string, reduce bool) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(b)
	if reduce {
		for from, to := range reduced {
			if !strings.Contains(cfg, from) {
				t.Fatalf(".goreleaser.yaml no longer says %q: update the reduced target set in this test", from)
			}
			cfg = strings.Replace(cfg, from, to, 1)
		}
	}
	cfg += "\ndist: " + strconv.Quote(dist) + "\n"
	path := filepath.Join(filepath.Dir(dist), "goreleaser.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func run(ctx context.Context, t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.CommandContext(ctx, "go", append([]string{"run", goreleaser}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("goreleaser %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func metadataVersion(t *testing.T, dist string) string {
	t.Helper()
	var m struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(readFile(t, filepath.Join(dist, "metadata.json")), &m); err != nil {
		t.Fatal("dist/metadata.json:", err)
	}
	if m.Version == "" {
		t.Fatal("dist/metadata.json names no version")
	}
	return m.Version
}

// artifactSizes maps the name of each uploadable artifact goreleaser lists
// in artifacts.json to its size.
func artifactSizes(t *testing.T, dist string) map[string]int64 {
	t.Helper()
	var arts []struct {
		Name string `json:"name"`
		Path string `json:"path"`
		Type string `json:"type"`
	}
	if err := json.Unmarshal(readFile(t, filepath.Join(dist, "artifacts.json")), &arts); err != nil {
		t.Fatal("dist/artifacts.json:", err)
	}
	sizes := map[string]int64{}
	for _, a := range arts {
		switch a.Type {
		case "Archive", "Linux Package", "Checksum":
		default:
			continue
		}
		fi, err := os.Stat(filepath.Join(dist, filepath.Base(a.Path)))
		if err != nil {
			t.Errorf("artifact %s: %v", a.Name, err)
			continue
		}
		sizes[a.Name] = fi.Size()
	}
	return sizes
}

// checkChecksums verifies every line of checksums.txt against its file.
func checkChecksums(t *testing.T, dist string) {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(readFile(t, filepath.Join(dist, "checksums.txt"))))
	n := 0
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Errorf("checksums.txt: malformed line %q", sc.Text())
			continue
		}
		got := sha256.Sum256(readFile(t, filepath.Join(dist, name)))
		if hex.EncodeToString(got[:]) != sum {
			t.Errorf("checksums.txt: %s does not match its file", name)
		}
		n++
	}
	if n == 0 {
		t.Error("checksums.txt lists nothing")
	}
}

type entry struct {
	mode int64
	data []byte
}

func readTarGz(t *testing.T, b []byte) map[string]entry {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	files := map[string]entry{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[h.Name] = entry{mode: h.Mode, data: data}
	}
}

// readAr reads the members of an ar archive, the container of a .deb:
// "!<arch>\n", then for each member a 60-byte header (name, mtime, uid,
// gid, mode, size in decimal, "`\n") and the data padded to an even length.
func readAr(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	const magic = "!<arch>\n"
	if !bytes.HasPrefix(b, []byte(magic)) {
		t.Fatal("not an ar archive")
	}
	members := map[string][]byte{}
	for b = b[len(magic):]; len(b) > 0; {
		if len(b) < 60 || string(b[58:60]) != "`\n" {
			t.Fatal("truncated or malformed ar header")
		}
		name := strings.TrimSuffix(strings.TrimSpace(string(b[0:16])), "/")
		size, err := strconv.ParseInt(strings.TrimSpace(string(b[48:58])), 10, 64)
		if err != nil || size < 0 || size > int64(len(b)-60) {
			t.Fatalf("ar member %q: bad size %q", name, b[48:58])
		}
		members[name] = b[60 : 60+size]
		b = b[60+size+size%2:]
	}
	return members
}

func checkEntry(t *testing.T, files map[string]entry, path string, exec bool) {
	t.Helper()
	e, ok := files[path]
	switch {
	case !ok:
		t.Errorf("missing %s; have %v", path, sortedKeys(files))
	case len(e.data) == 0:
		t.Errorf("%s is empty", path)
	case exec && e.mode&0o111 == 0:
		t.Errorf("%s is not executable (mode %o)", path, e.mode)
	}
}

// checkManPage checks that path is a gzipped roff page for cosmosctl.
func checkManPage(t *testing.T, files map[string]entry, path string) {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(files[path].data))
	if err != nil {
		t.Errorf("%s: %v", path, err)
		return
	}
	page, err := io.ReadAll(zr)
	if err != nil {
		t.Errorf("%s: %v", path, err)
		return
	}
	if !bytes.Contains(page, []byte(`.TH "COSMOSCTL"`)) {
		t.Errorf("%s is not cosmosctl's man page:\n%.200s", path, page)
	}
}

// checkVersion runs the packaged binary: the ldflags must have set the
// snapshot's version and commit.
func checkVersion(ctx context.Context, t *testing.T, bin []byte, version string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cosmosctl")
	if err := os.WriteFile(path, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, path, "--version")
	cmd.Env = append(os.Environ(), "COSMOSCTL_CONFIG_DIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("cosmosctl --version: %v\n%s", err, out)
	}
	got := string(out)
	// The commit is goreleaser's: "none" in a clone without a remote.
	if !strings.HasPrefix(got, "cosmosctl "+version+" (commit ") || strings.Contains(got, "commit unknown") {
		t.Errorf("cosmosctl --version = %q, want version %s and a commit", got, version)
	}
	t.Logf("cosmosctl --version: %s", strings.TrimSpace(got))
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hasSuffix(m map[string]int64, suffix string) bool {
	for k := range m {
		if strings.HasSuffix(k, suffix) {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
