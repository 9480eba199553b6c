// rein: opencode plugin, written by `rein init --agent opencode` (`rein init --agent opencode --uninstall` removes it).
// It hands each tool call to `rein hook opencode` and throws when rein denies it, or cannot answer:
// a call rein has not allowed never runs. Prompts, results and session events are recorded the same way.
import { spawnSync } from "node:child_process";

const REIN = __REIN_PROGRAM__;
const TIMEOUT_MS = __REIN_TIMEOUT_MS__;
const EVENTS = new Set(["session.created", "session.idle", "session.deleted"]);

function rein(payload, gate) {
  const run = spawnSync(REIN, ["hook", "opencode"], {
    input: JSON.stringify(payload),
    encoding: "utf8",
    timeout: TIMEOUT_MS,
    maxBuffer: 1 << 20,
  });
  if (!gate) return;
  if (run.error || run.status !== 0) {
    const why = run.error ? run.error.message : `exit status ${run.status}`;
    throw new Error(`rein: the gate could not answer (${why}), so the call is blocked; run \`rein doctor\``);
  }
  const out = (run.stdout || "").trim();
  if (!out) return;
  let answer;
  try {
    answer = JSON.parse(out);
  } catch {
    throw new Error("rein: the gate's answer is unreadable, so the call is blocked; run `rein doctor`");
  }
  if (answer.decision !== "allow") throw new Error(answer.reason || "rein: denied");
}

export const Rein = async ({ directory }) => ({
  "tool.execute.before": async (input, output) =>
    rein({ hook: "tool.execute.before", input, output, cwd: directory }, true),
  "tool.execute.after": async (input, output) =>
    rein({ hook: "tool.execute.after", input, output, cwd: directory }, false),
  "chat.message": async (input, output) =>
    rein({ hook: "chat.message", input, output, cwd: directory }, false),
  event: async ({ event }) => {
    if (EVENTS.has(event.type)) rein({ hook: "event", input: event, cwd: directory }, false);
  },
});
