package config

import (
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// snapshot is a deep copy of a Config's settings, to find what an
// invocation changed.
type snapshot struct {
	current  string
	profiles map[string]Profile
}

func (c *Config) snapshot() snapshot {
	s := snapshot{current: c.CurrentProfile, profiles: map[string]Profile{}}
	for name, p := range c.Profiles {
		cp := *p
		if p.Account != nil {
			a := *p.Account
			cp.Account = &a
		}
		s.profiles[name] = cp
	}
	return s
}

// applyChanges applies to dst what differs between old and s (the
// invocation's changes), setting by setting: a profile deleted, created,
// or one key (the account as a whole) changed.
func (s snapshot) applyChanges(old snapshot, dst *Config) {
	if s.current != old.current {
		dst.CurrentProfile = s.current
	}
	for name := range old.profiles {
		if _, ok := s.profiles[name]; !ok {
			delete(dst.Profiles, name)
		}
	}
	for name, now := range s.profiles {
		was, existed := old.profiles[name]
		if existed && reflect.DeepEqual(was, now) {
			continue
		}
		p := dst.Profiles[name]
		if p == nil {
			p = &Profile{}
			dst.Profiles[name] = p
		}
		for _, k := range Keys() {
			nv, _ := now.Get(k)
			if wv, _ := was.Get(k); nv != wv || !existed {
				f, _ := p.field(k)
				*f = nv
			}
		}
		if !reflect.DeepEqual(was.Account, now.Account) {
			p.Account = now.Account
		}
	}
}

// adopt makes c hold m's settings, keeping the identity of c's profiles
// (callers may hold them).
func (c *Config) adopt(m *Config) {
	c.CurrentProfile = m.CurrentProfile
	for name := range c.Profiles {
		if m.Profiles[name] == nil {
			delete(c.Profiles, name)
		}
	}
	for name, p := range m.Profiles {
		if q := c.Profiles[name]; q != nil {
			*q = *p
		} else {
			c.Profiles[name] = p
		}
	}
	c.unknown = m.unknown
	c.loaded = c.snapshot()
}

// known reports whether key at path (the mapping keys above it) is a
// setting: the other keys are kept untouched on save.
func known(path []string, key string) bool {
	switch len(path) {
	case 0:
		return key == "current-profile" || key == "profiles"
	case 1:
		return true // a profile name
	case 2:
		return key == "account" || slices.Contains(Keys(), key)
	case 3:
		return path[2] == "account" && slices.Contains(accountKeys(), key)
	}
	return false
}

func accountKeys() []string {
	var keys []string
	t := reflect.TypeOf(Account{})
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		keys = append(keys, name)
	}
	return keys
}

// unknownKeys lists the keys of a mapping tree that are no setting.
func unknownKeys(n *yaml.Node, path []string) []string {
	if n == nil || n.Kind != yaml.MappingNode || len(path) > 3 {
		return nil
	}
	var out []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		if !known(path, k) {
			out = append(out, strings.Join(append(slices.Clone(path), k), "."))
			continue
		}
		out = append(out, unknownKeys(n.Content[i+1], append(slices.Clone(path), k))...)
	}
	return out
}

// mergeNode makes the mapping dst say what fresh (the encoded settings)
// says, editing it in place: changed values are replaced (keeping their
// comments), new keys appended, settings that fresh no longer has
// removed, and keys that are no setting kept.
func mergeNode(dst, fresh *yaml.Node, path []string) {
	if dst.Kind != yaml.MappingNode {
		hc, lc, fc := dst.HeadComment, dst.LineComment, dst.FootComment
		*dst = *fresh
		dst.HeadComment, dst.LineComment, dst.FootComment = hc, lc, fc
		return
	}
	want := map[string]*yaml.Node{}
	for i := 0; i+1 < len(fresh.Content); i += 2 {
		want[fresh.Content[i].Value] = fresh.Content[i+1]
	}
	var content []*yaml.Node
	have := map[string]bool{}
	for i := 0; i+1 < len(dst.Content); i += 2 {
		k, v := dst.Content[i], dst.Content[i+1]
		nv, ok := want[k.Value]
		switch {
		case !known(path, k.Value):
			// kept as it is
		case !ok:
			continue // removed
		case nv.Kind == yaml.MappingNode:
			mergeNode(v, nv, append(slices.Clone(path), k.Value))
		default:
			hc, lc, fc := v.HeadComment, v.LineComment, v.FootComment
			*v = *nv
			v.HeadComment, v.LineComment, v.FootComment = hc, lc, fc
		}
		have[k.Value] = true
		content = append(content, k, v)
	}
	for i := 0; i+1 < len(fresh.Content); i += 2 {
		if !have[fresh.Content[i].Value] {
			content = append(content, fresh.Content[i], fresh.Content[i+1])
		}
	}
	dst.Content = content
	dst.Style = 0 // a flow mapping ({}) grows into block style
}
