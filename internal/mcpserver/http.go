package mcpserver

import (
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// mcpHTTPHandler is the SDK's Streamable HTTP handler for s (one server
// for every session: the budgets are the server's).
func mcpHTTPHandler(s *Server) http.Handler {
	return mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s.mcp }, nil)
}
