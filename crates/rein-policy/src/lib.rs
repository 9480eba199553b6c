//! The gate's policy.
//!
//! A tool call becomes effects (shell commands through [`rein_shell`]), each effect becomes a
//! Cedar request (principal: the agent session in its delegating human; action: the effect;
//! resource: the file, program, host, repository, package, target or tool; context: tool, task,
//! environment, permission mode, working directory), and the strictest answer wins. Cedar only
//! says permit or forbid: a forbid annotated `@ask("why")` asks a human, any other forbid denies.
//!
//! The built-in packs ship inside the binary ([`load::BUILTIN`]); machine, user and project
//! files add to them. Nothing here prints or reads the environment.

mod cases;
mod decide;
mod error;
pub mod facts;
pub mod load;
mod request;

pub use cases::{Case, CaseOutcome, Expect, corpus_place as cases_place, parse_cases, run_cases};
pub use decide::{Answer, Decision, EffectDecision, MatchedRule, decide, shell_writes};
pub use error::PolicyError;
pub use facts::{FileFacts, Place};
pub use load::{Layer, Policies, PolicySource, RuleInfo};
pub use rein_shell::{Limits, WriteScope};
pub use request::{Call, Principal, Task};
