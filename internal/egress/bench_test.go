package egress

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"testing"
)

// echoServer accepts loopback connections and echoes one byte back.
func echoServer(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 1)
				if _, err := c.Read(buf); err == nil {
					c.Write(buf)
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func roundTrip(b *testing.B, c net.Conn, r *bufio.Reader) {
	if _, err := c.Write([]byte{'x'}); err != nil {
		b.Fatal(err)
	}
	if _, err := r.ReadByte(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkDirect: dial a loopback echo server and exchange one byte.
func BenchmarkDirect(b *testing.B) {
	target := echoServer(b)
	for b.Loop() {
		c, err := net.Dial("tcp", target)
		if err != nil {
			b.Fatal(err)
		}
		roundTrip(b, c, bufio.NewReader(c))
		c.Close()
	}
}

// BenchmarkConnect: the same exchange through a CONNECT tunnel of the
// egress proxy (decision, dial, 200, splice). The difference to
// BenchmarkDirect is the cost moat adds per connection.
func BenchmarkConnect(b *testing.B) {
	target := echoServer(b)
	p := &Proxy{Policy: mustPolicy(b, []string{target}, nil), Dial: loopbackOnly(b)}
	proxy := startProxy(b, p)
	for b.Loop() {
		c, err := net.Dial("tcp", proxy)
		if err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", target, target)
		r := bufio.NewReader(c)
		resp, err := http.ReadResponse(r, &http.Request{Method: http.MethodConnect})
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("CONNECT: %v %v", resp, err)
		}
		roundTrip(b, c, r)
		c.Close()
	}
}

// BenchmarkDecide: the policy decision alone for a name with two answers.
func BenchmarkDecide(b *testing.B) {
	p := mustPolicy(b, []string{"*.example.com"}, nil)
	r := fakeResolver{"api.example.com": {"93.184.216.34", "2606:2800:220:1::1"}}
	for b.Loop() {
		if d := p.Decide(b.Context(), r, "api.example.com", 443); !d.Allow {
			b.Fatal(d.Reason)
		}
	}
}
