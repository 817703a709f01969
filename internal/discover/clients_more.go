package discover

import "github.com/moat-dev/moat/internal/inventory"

// The clients below keep servers in the common {"<root>": {name: entry}}
// shape; their paths come from the clients' documentation as collected in
// the project's scanner survey (MUX "supported agents" table, verified
// 2026-07-14).

func userAndProject(user func(Env) string, project string) func(Env, string) []Candidate {
	return func(env Env, id string) []Candidate {
		var out []Candidate
		if env.Home != "" {
			out = cand(out, user(env), id, inventory.ScopeUser, "", "")
		}
		if p := env.Project; p != "" && project != "" {
			out = cand(out, env.project(project), id, inventory.ScopeProject, p, "")
		}
		return out
	}
}

// qwenCode is Qwen Code (a Gemini CLI fork: mcpServers, httpUrl, trust).
func qwenCode() simpleLocator {
	return simpleLocator{id: "qwen-code", name: "Qwen Code", rootKey: "mcpServers",
		paths: userAndProject(func(e Env) string { return e.home(".qwen", "settings.json") }, ".qwen/settings.json")}
}

// lmStudio is LM Studio's mcp.json.
func lmStudio() simpleLocator {
	return simpleLocator{id: "lm-studio", name: "LM Studio", rootKey: "mcpServers",
		paths: userAndProject(func(e Env) string { return e.home(".lmstudio", "mcp.json") }, "")}
}

// amp is Sourcegraph's Amp ("amp.mcpServers", a dotted key).
func amp() simpleLocator {
	return simpleLocator{id: "amp", name: "Amp", rootKey: "amp.mcpServers",
		paths: userAndProject(func(e Env) string { return e.xdgConfig("amp", "settings.json") }, ".amp/settings.json")}
}

// crush is Charm's Crush ("mcp").
func crush() simpleLocator {
	return simpleLocator{id: "crush", name: "Crush", rootKey: "mcp",
		paths: func(env Env, id string) []Candidate {
			out := userAndProject(func(e Env) string { return e.xdgConfig("crush", "crush.json") }, "crush.json")(env, id)
			if p := env.Project; p != "" {
				out = cand(out, env.project(".crush.json"), id, inventory.ScopeProject, p, "")
			}
			return out
		}}
}

// factoryDroid is Factory's Droid CLI.
func factoryDroid() simpleLocator {
	return simpleLocator{id: "factory-droid", name: "Factory Droid", rootKey: "mcpServers",
		paths: userAndProject(func(e Env) string { return e.home(".factory", "mcp.json") }, ".factory/mcp.json")}
}

// junie is JetBrains Junie.
func junie() simpleLocator {
	return simpleLocator{id: "junie", name: "JetBrains Junie", rootKey: "mcpServers",
		paths: userAndProject(func(e Env) string { return e.home(".junie", "mcp", "mcp.json") }, ".junie/mcp/mcp.json")}
}
