package sandbox

import (
	"errors"
	"fmt"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// recvListener waits for the init stage to send its listening socket (one
// descriptor over the relay socket) and returns it as a net.Listener. It
// returns an error when the relay is shut down or the child exits first.
func recvListener(sock *os.File) (net.Listener, error) {
	buf := make([]byte, 1)
	oob := make([]byte, unix.CmsgSpace(4))
	for {
		n, oobn, _, _, err := unix.Recvmsg(int(sock.Fd()), buf, oob, unix.MSG_CMSG_CLOEXEC)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n == 0 && oobn == 0 {
			return nil, errors.New("the sandbox ended before handing over its proxy socket")
		}
		msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
		if err != nil || len(msgs) != 1 {
			return nil, fmt.Errorf("unexpected message on the relay socket: %v", err)
		}
		fds, err := unix.ParseUnixRights(&msgs[0])
		if err != nil || len(fds) != 1 {
			for _, fd := range fds {
				unix.Close(fd)
			}
			return nil, fmt.Errorf("expected one descriptor on the relay socket: %v", err)
		}
		f := os.NewFile(uintptr(fds[0]), "sandbox-proxy-listener")
		defer f.Close()
		return net.FileListener(f)
	}
}
