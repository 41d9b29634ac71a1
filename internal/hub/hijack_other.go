//go:build !linux

package hub

import "net/http"

// conns is the hijacked delivery path, which needs epoll: elsewhere the
// net/http path serves every stream.
type conns struct{}

func newConns(*Hub) *conns { return nil }

func (c *conns) adopt(http.ResponseWriter, *http.Request, *subscriber, int64, func(func()), func(string)) bool {
	return false
}

func (c *conns) close() {}
