package server

import (
	"fmt"
	"net"
	"sync"
	"time"
)

// limitConns caps the open connections of ln at MaxConns. A connection
// beyond the cap is answered at once, 503 UNAVAILABLE with Retry-After,
// and closed, rather than left waiting (or, at the file-descriptor limit,
// never accepted): the cap leaves the process descriptors to refuse with
// and to keep its store open.
func (s *Server) limitConns(ln net.Listener) net.Listener {
	return &limitListener{Listener: ln, s: s, sem: make(chan struct{}, s.cfg.MaxConns), refusers: make(chan struct{}, 64)}
}

type limitListener struct {
	net.Listener
	s        *Server
	sem      chan struct{}
	refusers chan struct{} // refusals in progress (each reads what the client sent, briefly)
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.sem <- struct{}{}:
			return &limitConn{Conn: c, release: func() { <-l.sem }}, nil
		default:
		}
		l.s.metrics.connsRefused.Inc()
		select {
		case l.refusers <- struct{}{}:
			go func() {
				defer func() { <-l.refusers }()
				l.refuse(c)
			}()
		default:
			c.Close() // too many refusals at once: just close
		}
	}
}

// refuse answers a connection over the cap and closes it. It reads what
// the client sent for a moment first, so that closing does not reset the
// connection before the client has read the answer.
func (l *limitListener) refuse(c net.Conn) {
	defer c.Close()
	body := l.s.connRefusalBody()
	c.SetDeadline(time.Now().Add(time.Second))
	fmt.Fprintf(c, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: %d\r\nRetry-After: 1\r\nConnection: close\r\n\r\n%s", len(body), body)
	if tc, ok := c.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
	buf := make([]byte, 4096)
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
