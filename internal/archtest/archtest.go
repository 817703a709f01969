// Package archtest holds the repository's meta-tests: every package has a doc
// comment, and the dependency rules between packages hold.
package archtest
