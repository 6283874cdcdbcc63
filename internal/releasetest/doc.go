// Package releasetest holds the release test: it builds a goreleaser
// snapshot from the repository's .goreleaser.yaml and checks what a user
// would download — archive names, archive contents, checksums and the
// paths the .deb installs. It has no code of its own, only the test.
//
// The snapshot takes minutes, so the test runs only when
// COSMOSCTL_RELEASE_TEST=1 or CI is set (.ci/run sets both).
package releasetest
