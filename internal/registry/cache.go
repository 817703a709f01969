package registry

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/go-json-experiment/json"
)

// Entry is one cached response.
type Entry struct {
	Fetched time.Time `json:"fetched"`
	Status  int       `json:"status"`
	Body    []byte    `json:"body"`
}

// Cache keeps responses on disk, one file per request, named by the
// SHA-256 of the request (never containing credentials: tokens travel in
// headers, which are not part of the key).
type Cache struct {
	dir     string
	maxSize int64
}

// NewCache returns a cache in dir (created 0700 on first write). maxSize
// caps one entry file read back.
func NewCache(dir string, maxSize int64) *Cache {
	if maxSize <= 0 {
		maxSize = DefaultMaxBytes * 2 // base64 of a capped body
	}
	return &Cache{dir: dir, maxSize: maxSize}
}

func (c *Cache) path(key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(c.dir, hex.EncodeToString(sum[:])+".json")
}

// Get returns the entry for key. A missing, oversized or damaged entry is
// a miss.
func (c *Cache) Get(key string) (Entry, bool) {
	p := c.path(key)
	st, err := os.Stat(p)
	if err != nil || st.Size() > c.maxSize {
		return Entry{}, false
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return Entry{}, false
	}
	var e Entry
	if json.Unmarshal(b, &e) != nil {
		return Entry{}, false
	}
	return e, true
}

// Put stores an entry atomically (write to a temporary file, rename).
func (c *Cache) Put(key string, e Entry) error {
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return fmt.Errorf("create cache directory: %w", err)
	}
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode cache entry: %w", err)
	}
	tmp, err := os.CreateTemp(c.dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("write cache entry: %w", err)
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if werr != nil || cerr != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write cache entry: %w", errorsJoin(werr, cerr))
	}
	if err := os.Rename(tmp.Name(), c.path(key)); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write cache entry: %w", err)
	}
	return nil
}

func errorsJoin(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
