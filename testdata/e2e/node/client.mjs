// moat end-to-end client: the official MCP TypeScript SDK client talks to
// `moat run -- <server>` over stdio and prints one JSON document of results.
// Usage: node client.mjs MOAT_BINARY SERVER_COMMAND [ARGS...]
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";

const [moat, ...server] = process.argv.slice(2);
const transport = new StdioClientTransport({
  command: moat,
  args: ["run", "--name", "everything", "--", ...server],
  // The SDK passes only a whitelisted environment by default; moat must see
  // the test's MOAT_STATE_DIR / MOAT_CONFIG_DIR so it never writes to the
  // real home.
  env: { ...process.env },
  stderr: "inherit",
});
const client = new Client(
  { name: "moat-e2e-ts", version: "1.0.0" },
  { capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: true } } },
);
const seen = { sampling: 0, elicitation: 0, roots: 0, toolListChanged: 0 };
client.setRequestHandler(CreateMessageRequestSchema, async (req) => {
  seen.sampling++;
  const text = req.params.messages[0].content.text;
  return { model: "moat-e2e-model", role: "assistant", content: { type: "text", text: `sampled(${text})` } };
});
client.setRequestHandler(ElicitRequestSchema, async () => {
  seen.elicitation++;
  return { action: "accept", content: { name: "Ada Lovelace" } };
});
client.setRequestHandler(ListRootsRequestSchema, async () => {
  seen.roots++;
  return { roots: [{ uri: "file:///tmp/moat-e2e", name: "e2e" }] };
});
client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
  seen.toolListChanged++;
});

const texts = (r) => (r.content || []).filter((c) => c.type === "text").map((c) => c.text);
const out = {};
await client.connect(transport);
out.server = client.getServerVersion()?.name;
// Conditional tools (sampling, elicitation, roots) are registered after
// initialization and announced with list_changed; wait for it briefly.
for (let i = 0; i < 50 && seen.toolListChanged === 0; i++) await new Promise((r) => setTimeout(r, 20));
out.tools = (await client.listTools()).tools.map((t) => t.name).sort();
out.echo = texts(await client.callTool({ name: "echo", arguments: { message: "hello through moat" } }));
out.sum = texts(await client.callTool({ name: "get-sum", arguments: { a: 2, b: 40 } }));
const progress = [];
out.longRunning = texts(
  await client.callTool(
    { name: "trigger-long-running-operation", arguments: { duration: 0.3, steps: 3 } },
    undefined,
    { onprogress: (p) => progress.push(p.progress) },
  ),
);
out.progress = progress;
out.sampling = texts(await client.callTool({ name: "trigger-sampling-request", arguments: { prompt: "ping", maxTokens: 5 } }));
out.elicitation = texts(await client.callTool({ name: "trigger-elicitation-request", arguments: {} }));
out.roots = texts(await client.callTool({ name: "get-roots-list", arguments: {} }));
const resources = (await client.listResources()).resources;
out.resourceCount = resources.length;
const read = await client.readResource({ uri: resources[0].uri });
out.resource = { uri: resources[0].uri, contents: read.contents.length, mimeType: read.contents[0].mimeType };
const prompt = await client.getPrompt({ name: "simple-prompt" });
out.prompt = prompt.messages.map((m) => m.content.text);
out.ping = await client.ping();
out.seen = seen;
console.log(JSON.stringify(out));
await client.close();
