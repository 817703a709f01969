package sandbox

import (
	"errors"
	"net"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// fdListener is a net.Listener whose connections arrive as descriptors
// over a Unix socket (sent by the init stage's relay).
type fdListener struct {
	sock  *os.File
	conns chan net.Conn
	once  sync.Once
	done  chan struct{}
}

// maxPending bounds connections received but not yet accepted.
const maxPending = 64

func newFDListener(sock *os.File) *fdListener {
	l := &fdListener{sock: sock, conns: make(chan net.Conn, maxPending), done: make(chan struct{})}
	go l.receive()
	return l
}

func (l *fdListener) receive() {
	defer l.sock.Close()
	defer l.Close()
	buf := make([]byte, 1)
	oob := make([]byte, unix.CmsgSpace(4*4))
	for {
		n, oobn, _, _, err := unix.Recvmsg(int(l.sock.Fd()), buf, oob, unix.MSG_CMSG_CLOEXEC)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || (n == 0 && oobn == 0) {
			return
		}
		for _, c := range fdConns(oob[:oobn]) {
			select {
			case l.conns <- c:
			case <-l.done:
				c.Close()
				return
			}
		}
	}
}

func fdConns(oob []byte) []net.Conn {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	var out []net.Conn
	for _, m := range msgs {
		fds, err := unix.ParseUnixRights(&m)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			f := os.NewFile(uintptr(fd), "sandbox-conn")
			c, err := net.FileConn(f)
			f.Close()
			if err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

func (l *fdListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *fdListener) Close() error {
	l.once.Do(func() {
		close(l.done)
		_ = unix.Shutdown(int(l.sock.Fd()), unix.SHUT_RDWR)
	})
	return nil
}

func (l *fdListener) Addr() net.Addr {
	return &net.UnixAddr{Name: "moat-sandbox-relay", Net: "unixpacket"}
}
