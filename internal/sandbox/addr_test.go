package sandbox

import (
	"net"
	"strings"
	"testing"
)

func TestLoopbackAddr(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"", DefaultListen, ""},
		{"localhost:0", "127.0.0.1:0", ""},
		{"127.0.0.1:8081", "127.0.0.1:8081", ""},
		{"127.1.2.3:443", "127.1.2.3:443", ""},
		{"[::1]:0", "[::1]:0", ""},
		{"[::]:0", "", "loopback only"},
		{"0.0.0.0:0", "", "loopback only"},
		{"128.0.0.1:0", "", "loopback only"},
		{"localhost", "", "want HOST:PORT"},
		{"127.0.0.1:-1", "", "port must be a number"},
		{"127.0.0.1:http", "", "port must be a number"},
	}
	for _, tt := range tests {
		got, err := loopbackAddr("--listen", tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("loopbackAddr(%q) = %q, %v; want error %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("loopbackAddr(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestAcceptedResources(t *testing.T) {
	tests := []struct {
		addr *net.TCPAddr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4431},
			"https://127.0.0.1 https://127.0.0.1:4431 https://localhost https://localhost:4431 https://cosmos.azure.com"},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 4431},
			"https://::1 https://[::1] https://[::1]:4431 https://localhost https://localhost:4431 https://cosmos.azure.com"},
	}
	for _, tt := range tests {
		if got := strings.Join(acceptedResources(tt.addr), " "); got != tt.want {
			t.Errorf("acceptedResources(%v) = %s, want %s", tt.addr, got, tt.want)
		}
	}
}
