package scan

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/moat-dev/moat/internal/finding"
	"github.com/moat-dev/moat/internal/normalize"
)

// Flow capabilities of a tool: the three legs of a toxic flow.
const (
	capPrivate   = "read private data"
	capUntrusted = "take in untrusted content"
	capSink      = "send data out"
)

var (
	// Name words, matched against a tool name's word stems.
	// (objects, not verbs: "get" or "list" alone says nothing about privacy).
	privateNames = words("file database note memory email mail inbox calendar contact customer record " +
		"secret credential password document repository drive table history clipboard screenshot keychain vault " +
		"account graph entity")
	untrustedNames = words("fetch browse scrape crawl web url http download navigate page rss feed website internet " +
		"webpage inbox mail email issue comment")
	sinkNames = words("send post publish upload email mail message webhook tweet share push notify reply " +
		"submit comment slack sms invite transfer pay forward")
	// Description wording, a weaker signal used with the name.
	privateText   = regexp.MustCompile(`(?i)\b(private|personal|confidential|customer|credentials?|secrets?|database|local files?|file ?system|your (files|notes|emails|messages|documents))\b`)
	untrustedText = regexp.MustCompile(`(?i)\b(web ?pages?|websites?|the internet|any url|from a url|arbitrary urls?|search the web|incoming (emails?|messages?)|user-generated|third[- ]party content)\b`)
	sinkText      = regexp.MustCompile(`(?i)\b(send(s|ing)? (an? )?(email|message|request)|post(s|ing)? to|upload(s|ing)?|publish(es|ing)?|to an? (email )?address|webhook|external (server|service|url))\b`)
)

func words(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[stem(w)] = true
	}
	return m
}

// readVerbs are first words that make a tool's object the thing it reads.
var readVerbs = words("read get query search list fetch find open export dump")

// classify scores the flow capabilities of one tool from its name, its
// description and its annotations (readOnlyHint, openWorldHint): 0 means the
// tool does not have the capability; higher scores are surer.
func classify(t *liveTool) map[string]int {
	caps := map[string]int{}
	toks := nameTokens(t.name)
	verb := ""
	if len(toks) > 0 {
		verb = toks[0]
	}
	hit := func(set map[string]bool) bool {
		for _, w := range toks {
			if set[w] {
				return true
			}
		}
		return false
	}
	desc := t.description
	readOnly := t.readOnly != nil && *t.readOnly
	openWorld := t.openWorld != nil && *t.openWorld
	score := func(c string, cond bool, n int) {
		if cond {
			caps[c] += n
		}
	}
	score(capPrivate, hit(privateNames) && !hit(untrustedNames), 2)
	score(capPrivate, hit(privateNames) && readVerbs[verb], 1)
	score(capPrivate, privateText.MatchString(desc), 1)
	score(capUntrusted, hit(untrustedNames) && (readOnly || !sinkNames[verb]), 2)
	score(capUntrusted, untrustedText.MatchString(desc), 1)
	score(capUntrusted, openWorld && readOnly, 1)
	if !readOnly {
		score(capSink, sinkNames[verb], 3)
		score(capSink, sinkText.MatchString(desc), 1)
		score(capSink, openWorld, 1)
	}
	// A tool that only reads the outside world is not private data.
	if caps[capUntrusted] > 0 && !privateText.MatchString(desc) && (openWorld || hit(untrustedNames)) {
		delete(caps, capPrivate)
	}
	return caps
}

type scored struct {
	name  string
	score int
}

// toxicFlow reports a client whose servers together can read private data,
// take in untrusted content and send data out: content from the untrusted
// tool can instruct the model to read the private data and send it away.
func toxicFlow(g group, tools []liveTool) (finding.Finding, bool) {
	legs := map[string][]scored{}
	servers := map[string]bool{}
	var first *liveTool
	for i := range tools {
		t := &tools[i]
		for c, n := range classify(t) {
			if n == 0 {
				continue
			}
			legs[c] = append(legs[c], scored{t.server + "/" + t.name, n})
			servers[t.server] = true
			if first == nil {
				first = t
			}
		}
	}
	if len(legs[capPrivate]) == 0 || len(legs[capUntrusted]) == 0 || len(legs[capSink]) == 0 {
		return finding.Finding{}, false
	}
	var ev, short []string
	for _, c := range []string{capPrivate, capUntrusted, capSink} {
		// Surest first, so the message names the clearest example of each leg.
		sort.Slice(legs[c], func(i, j int) bool {
			a, b := legs[c][i], legs[c][j]
			if a.score != b.score {
				return a.score > b.score
			}
			return a.name < b.name
		})
		ts := make([]string, len(legs[c]))
		for i, x := range legs[c] {
			ts[i] = x.name
		}
		ev = append(ev, fmt.Sprintf("%s: %s", c, listSome(ts, 8)))
		short = append(short, fmt.Sprintf("%s (%s)", c, listSome(ts, 2)))
	}
	names := make([]string, 0, len(servers))
	for s := range servers {
		names = append(names, s)
	}
	sort.Strings(names)
	f := finding.Finding{
		Rule: RuleToxicFlow, Category: finding.CatToxicFlow, Severity: finding.High,
		Message: fmt.Sprintf("the servers of this client together can %s, %s and %s: content from the untrusted tool can make the model leak the data",
			short[0], short[1], short[2]),
		Evidence: normalize.Reveal(strings.Join(ev, "; ")),
		Fix:      "split these servers across clients or projects, or require confirmation for the sending tools (moat run policy: ask)",
	}
	f.Location = liveLoc(&first.res.Spec)
	f.Location.Server, f.Location.Kind = "", "client"
	return f, true
}

func listSome(ts []string, n int) string {
	if len(ts) <= n {
		return strings.Join(ts, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(ts[:n], ", "), len(ts)-n)
}
